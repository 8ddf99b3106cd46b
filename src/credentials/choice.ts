import type { Permission } from '../api/types.js';
import type { KeySource } from './key-input.js';
import type { StoreKind } from './store.js';

// Which credential a request carries: one pure function of what the request is for and what
// this machine holds (described without secrets), so the rule lives in one place and its
// table is its test. The roles are mix's:
//   - an organization key stored by `organization auth` is a repository credential: it reads
//     that organization's repository before the user's login does;
//   - API requests and account management use the key given for this run, then the user's
//     login, and an organization's stored key only when there is no login (a CI machine);
//   - a key given for this run (--key, --key-file, --key -, HEX_API_KEY) always comes first;
//   - an OAuth login is used for what its grant allows: on the consent page a user may untick
//     scopes, so a login without api:write cannot write, and says how to get it back.

export type Purpose =
  /** Reading an organization's repository: registry files and tarballs. */
  | { kind: 'repository'; organization: string; action?: string }
  /** An API request; `organization` when it concerns that organization's repository or account. */
  | { kind: 'api'; access: 'read' | 'write'; organization?: string; action?: string }
  /** About the user themselves: /users/me, personal keys, owned packages. */
  | { kind: 'account'; access: 'read' | 'write'; action?: string };

export type HeldCredential =
  | { kind: 'given'; source: KeySource }
  | {
      kind: 'login';
      type: 'oauth' | 'key';
      store: StoreKind;
      username?: string;
      /** An OAuth login's scopes as granted (the token's `scope`); unknown for keys and for logins stored before hexts recorded them. */
      scopes?: string[];
    }
  | {
      kind: 'organization-key';
      organization: string;
      store: StoreKind;
      /** What the key may do, read when it was stored; unknown for keys stored before hexts recorded it. */
      permissions?: Permission[];
      keyName?: string;
    };

export interface Holdings {
  given?: Extract<HeldCredential, { kind: 'given' }>;
  login?: Extract<HeldCredential, { kind: 'login' }>;
  organizationKeys: Array<Extract<HeldCredential, { kind: 'organization-key' }>>;
}

export interface Choice {
  /** The credential to send; undefined: go anonymous (or refuse, for a request that needs one). */
  use?: HeldCredential;
  /** Other held credentials that may also do it, in order: what to suggest when `use` is refused. */
  alternatives: HeldCredential[];
  /** Held credentials known not to be able to do it: a login granted without the scope, the organization's key without the permission. */
  cannot: HeldCredential[];
}

/** Whether the permissions allow the purpose; unknown permissions are given the benefit of the doubt. */
export function permits(permissions: Permission[] | undefined, purpose: Purpose): boolean {
  if (permissions === undefined) return true;
  return permissions.some((p) => {
    if (purpose.kind === 'repository') {
      return p.domain === 'repositories' || (p.domain === 'repository' && p.resource === purpose.organization);
    }
    if (p.domain === 'package') return true; // write actions on one package, and reads: the registry decides
    if (p.domain !== 'api') return false;
    return p.resource === null || p.resource === 'write' || (purpose.access === 'read' && p.resource === 'read');
  });
}

/**
 * Whether an OAuth grant's scopes allow the purpose, as hex.pm checks them: `api` and
 * `api:write` write, and with `api:read` and `package:NAME` read. Unknown scopes get the
 * benefit of the doubt. A repository is not judged here: its `repository:ORG` scopes name the
 * memberships of when the token was issued, and a refresh renews them.
 */
export function grantPermits(scopes: string[] | undefined, purpose: Purpose): boolean {
  if (scopes === undefined || purpose.kind === 'repository') return true;
  const write = scopes.includes('api') || scopes.includes('api:write');
  if (purpose.access === 'write') return write || (purpose.kind === 'api' && scopes.some((s) => s.startsWith('package:')));
  return write || scopes.some((s) => s === 'api:read' || s.startsWith('package:'));
}

export function chooseCredential(purpose: Purpose, holdings: Holdings): Choice {
  const { given, login } = holdings;
  const orgKey = purpose.kind === 'account' ? undefined : holdings.organizationKeys.find((k) => k.organization === purpose.organization);
  const orgKeyFits = orgKey !== undefined && permits(orgKey.permissions, purpose);
  const loginFits = login !== undefined && grantPermits(login.scopes, purpose);

  let order: Array<HeldCredential | undefined>;
  if (purpose.kind === 'repository') order = [given, orgKeyFits ? orgKey : undefined, login];
  else if (purpose.kind === 'api') order = [given, loginFits ? login : undefined, orgKeyFits && !login ? orgKey : undefined];
  else order = [given, loginFits ? login : undefined];

  const candidates = order.filter((c): c is HeldCredential => c !== undefined);
  return {
    use: candidates[0],
    alternatives: candidates.slice(1),
    cannot: [...(login && !loginFits ? [login] : []), ...(orgKey && !orgKeyFits ? [orgKey] : [])],
  };
}

const SOURCE_WORDS: Record<KeySource, string> = {
  flag: 'given with --key',
  stdin: 'read from stdin (--key -)',
  'key-file': 'read from --key-file',
  env: 'from HEX_API_KEY',
};
const STORE_WORDS: Record<StoreKind, string> = { keychain: 'the OS keychain', file: 'the plain-text credentials file' };

export const formatPermissions = (permissions: Permission[]): string =>
  permissions.map((p) => (p.resource ? `${p.domain}:${p.resource}` : p.domain)).join(', ');

/** The credential in words, never the secret: for --verbose and for messages. */
export function describeHeld(credential: HeldCredential): string {
  switch (credential.kind) {
    case 'given':
      return `the API key ${SOURCE_WORDS[credential.source]}`;
    case 'login': {
      const who = credential.username ? ` as ${credential.username}` : '';
      return `your login${who} (${credential.type === 'oauth' ? 'OAuth token' : 'API key'} in ${STORE_WORDS[credential.store]})`;
    }
    case 'organization-key': {
      const can = credential.permissions ? ` (${formatPermissions(credential.permissions)})` : '';
      return `the key for ${credential.organization} stored in ${STORE_WORDS[credential.store]}${can}`;
    }
  }
}

const withoutKey = (source: KeySource): string =>
  source === 'env' ? 'unset HEX_API_KEY' : `run without ${source === 'key-file' ? '--key-file' : '--key'}`;

export interface Advice {
  /** What cannot be done with what. */
  message: string;
  /** Which other credential may, and how to get it used; or how to get one. */
  hint: string;
}

const LOG_IN = 'log in with `hexts user auth`, or pass --key';

/** A login whose grant lacks the scope the purpose needs: a new login, with that box kept ticked. */
function narrowedLogin(login: HeldCredential, purpose: Purpose, action: string): Advice {
  const scope = purpose.kind !== 'repository' && purpose.access === 'write' ? 'api:write' : 'api:read';
  const twoFactor = scope === 'api:write' ? ' (it needs two-factor authentication on your account)' : '';
  return {
    message: `${describeHeld(login)} cannot ${action}: it was granted without ${scope}`,
    hint: `log in again with \`hexts user auth\` and keep "${scope}" ticked on the consent page${twoFactor}, or pass --key`,
  };
}

/**
 * What to tell a user whose request was refused (or could not be made) with the credential
 * `choice` picked: which other credential this machine holds may do it, and how to get it
 * used; or, when nothing held can, how to get one. Undefined when there is nothing to add.
 */
export function refusalAdvice(purpose: Purpose, choice: Choice): Advice | undefined {
  const action = purpose.action ?? 'do this';
  const used = choice.use;
  const next = choice.alternatives[0];
  if (!used) {
    const held = choice.cannot[0];
    if (held?.kind === 'login') return narrowedLogin(held, purpose, action);
    return held ? { message: `${describeHeld(held)} cannot ${action}`, hint: LOG_IN } : undefined;
  }
  if (used.kind === 'given') {
    return next ? { message: `${describeHeld(used)} cannot ${action}`, hint: `${describeHeld(next)} may: ${withoutKey(used.source)} to use it` } : undefined;
  }
  if (used.kind === 'organization-key') {
    return {
      message: `${describeHeld(used)} cannot ${action}`,
      hint: next ? `${describeHeld(next)} may: \`hexts organization deauth ${used.organization}\` forgets the key` : LOG_IN,
    };
  }
  return undefined;
}
