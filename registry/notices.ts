import type { Core } from './core.js';
import { view, type Reply } from './http.js';
import type { Key } from './state.js';

// What hex.pm says in `x-hex-message` headers and during read-only maintenance, each behind a
// switch in the registry's config (POST /_test/config), off by default as on hexpm's main:
// - user_repository_keys: "deprecated" warns, "disabled" refuses, user API keys with
//   repository permissions used for a repository (hexpm's deprecate-user-repository-keys and
//   disable-user-repository-keys branches: /api/auth, the client_credentials exchange, and here
//   the repository's own routes, which check keys as /api/auth does);
// - read_only: HEXPM_READ_ONLY_MODE=1 as hexpm's improve-read-only-mode branch answers it.
// And a generic one: POST /_test/messages puts any header value on matching answers.

/** hexpm's :user_repository_keys_disable_date. */
export const USER_REPOSITORY_KEYS_DISABLE_DATE = '2026-12-31';

/** Key.user_repository_key?: a user's key (not an organization's) with a repository permission. */
export function userRepositoryKey(key: Key): boolean {
  return key.userId !== null && key.permissions.some((p) => p.domain === 'repository' || p.domain === 'repositories');
}

const USE_INSTEAD = 'Use mix hex.user auth for development or an organization key (mix hex.organization key ORGANIZATION generate) for CI';

/** ControllerHelpers.put_user_repository_key_warning / _error: the header hexpm adds. */
export function userRepositoryKeyHeader(level: 'warn' | 'fatal'): Record<string, string> {
  const text = level === 'warn'
    ? `User API keys with repository permissions are deprecated and will stop working on ${USER_REPOSITORY_KEYS_DISABLE_DATE}. ${USE_INSTEAD}`
    : `User API keys no longer grant repository access. ${USE_INSTEAD}`;
  return { 'x-hex-message': `"${text}";level=${level}` };
}

/**
 * A key used for a repository (/api/auth, the repository's routes): the header to add, and
 * whether the key is refused (verify_access? is false for every user key once disabled).
 */
export function repositoryKeyUse(core: Core, key: Key): { headers: Record<string, string>; refused: boolean } {
  const mode = core.data.config.userRepositoryKeys;
  const flagged = userRepositoryKey(key);
  if (mode === 'disabled') return { headers: flagged ? userRepositoryKeyHeader('fatal') : {}, refused: key.userId !== null };
  return { headers: mode === 'deprecated' && flagged ? userRepositoryKeyHeader('warn') : {}, refused: false };
}

export const READ_ONLY_MESSAGE = 'Hex.pm is temporarily read-only for maintenance. This action is unavailable; please try again in a few minutes.';

/** Plugs.ReadOnly.prepare_unavailable's headers. */
const UNAVAILABLE_HEADERS = { 'retry-after': '60', 'cache-control': 'no-store', pragma: 'no-cache' };

/** Plugs.ReadOnly.unavailable: a write to the API while read-only. */
export function readOnlyReply(): Reply {
  return view(503, { status: 503, error: 'temporarily_unavailable', message: READ_ONLY_MESSAGE }, UNAVAILABLE_HEADERS);
}

/** The OAuth controller's with_write_mode: token grants (but client_credentials), device logins and revocations. */
export function readOnlyOAuthReply(): Reply {
  return view(503, { error: 'temporarily_unavailable', error_description: 'OAuth operation unavailable while the service is read-only' }, UNAVAILABLE_HEADERS);
}

// ---------------------------------------------------------------- /_test/messages

export interface Message {
  /** The header's value as sent, e.g. `"text";level=warn`. */
  value: string;
  /** Requests whose path (without the query) starts with this; every request when absent. */
  path?: string;
  /** Any method when absent. */
  method?: string;
  /** How many answers carry it; every matching answer when absent. */
  count?: number;
}

export class Messages {
  private messages: Message[] = [];

  add(message: Message): void {
    // Node refuses to send what a header cannot hold; better said when it is set.
    if (/[^\t\x20-\x7e\x80-\u{10ffff}]/u.test(message.value)) throw new Error('value holds characters a header cannot carry (only tab among the control characters)');
    this.messages.push({ ...message, path: message.path ?? '/', method: message.method?.toUpperCase() });
  }

  clear(): void {
    this.messages = [];
  }

  /** The header for this request, if a message matches (used up by one when counted). */
  take(method: string, path: string): string | undefined {
    const message = this.messages.find((m) => (!m.method || m.method === method) && path.startsWith(m.path!));
    if (!message) return undefined;
    if (message.count !== undefined && --message.count === 0) this.messages.splice(this.messages.indexOf(message), 1);
    return message.value;
  }
}
