import { CliError } from '../errors.js';

export type ErrorTree = string | { [key: string]: ErrorTree };

const STATUS_TEXT: Record<number, string> = {
  401: 'Authentication failed (401)',
  403: 'Forbidden (403)',
  404: 'Entity not found (404)',
  422: 'Validation failed (422)',
};

/** An error answer from the Hex API: status, the server's message verbatim and the 422 errors tree. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly serverMessage: string | undefined,
    readonly errors: ErrorTree | undefined,
    readonly headers: Record<string, string | string[] | undefined> = {},
    readonly body: unknown = undefined,
    hint?: string,
  ) {
    super(serverMessage ?? STATUS_TEXT[status] ?? `HTTP status code: ${status}`, hint);
    this.name = 'ApiError';
  }

  /** The `error="…"` parameter of a Bearer WWW-Authenticate challenge (totp_required, token_expired…). */
  get authError(): string | undefined {
    const header = this.headers['www-authenticate'];
    const value = Array.isArray(header) ? header.join(', ') : header;
    return value?.match(/error="([^"]*)"/)?.[1];
  }

  /** The message and the errors tree laid out as mix prints them (client.md §5.3). */
  lines(): string[] {
    const lines: string[] = [];
    if (this.serverMessage !== undefined || this.errors === undefined) lines.push(this.message);
    if (this.errors !== undefined) lines.push(...renderErrorTree(this.errors, 1));
    return lines;
  }
}

/** Why an organization's single sign-on refused the credential, in hexpm's words (SSO.Enforcement.refusal_message). */
export interface SsoRefusal {
  /** `sso_required`: the session has not authenticated through the identity provider; `personal_key`: no personal keys. */
  kind: 'sso_required' | 'personal_key';
  organization: string;
}

const SSO_REFUSALS: Array<[SsoRefusal['kind'], RegExp]> = [
  ['sso_required', /^organization ([\w.-]+) requires authenticating through its identity provider\b/],
  ['personal_key', /^organization ([\w.-]+) does not accept personal API keys\b/],
];

/** The single sign-on refusal a registry's message states, if it is one. */
export function ssoRefusalIn(text: string): SsoRefusal | undefined {
  for (const [kind, pattern] of SSO_REFUSALS) {
    const organization = pattern.exec(text)?.[1];
    if (organization) return { kind, organization };
  }
  return undefined;
}

/** The command that takes the stored login through the single sign-on of `organizations`. */
export const ssoCommand = (organizations: string[]): string => `hexts user auth ${organizations.map((o) => `--sso ${o}`).join(' ')}`;

/**
 * A single sign-on refusal as one line and the next step. hexpm's own text names a web page and
 * mix's command; the way on from here is hexts'.
 */
export function ssoRefusalAdvice({ kind, organization }: SsoRefusal): { message: string; hint: string } {
  return kind === 'sso_required'
    ? {
        message: `organization ${organization} requires authenticating through its identity provider (single sign-on)`,
        hint: `Run \`${ssoCommand([organization])}\`, then try again.`,
      }
    : {
        message: `organization ${organization} does not accept personal API keys`,
        hint: `On a build server use an organization key (\`hexts organization auth ${organization} --key KEY\`); as a member, log in with \`hexts user auth\`.`,
      };
}

/** A 403 from an organization's single sign-on, told as what to do next. */
export class SsoRefusalError extends ApiError {
  constructor(readonly refusal: SsoRefusal, headers: Record<string, string | string[] | undefined>, body: unknown) {
    const { message, hint } = ssoRefusalAdvice(refusal);
    super(403, message, undefined, headers, body, hint);
    this.name = 'SsoRefusalError';
  }
}

/**
 * An answer of a shape hexts does not read (an array where an object belongs, a field
 * missing…), or otherwise absurd: `what` names the endpoint and what was wrong.
 */
export class UnexpectedAnswerError extends CliError {
  constructor(what: string, hint = 'The registry (or something between it and you) is misbehaving, or the API URL is not a Hex registry\'s: check HEX_API_URL, --api-url or `hexts config api_url`.') {
    super(`the registry answered something hexts does not understand: ${what}`, hint);
    this.name = 'UnexpectedAnswerError';
  }
}

export function renderErrorTree(tree: ErrorTree, depth: number): string[] {
  const indent = '  '.repeat(depth);
  if (typeof tree === 'string') return [indent + tree];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') {
      // A multi-line message starts on its own line, one level deeper (as mix prints it).
      if (value.includes('\n')) {
        const deeper = indent + '  ';
        lines.push(`${indent}${key}: `, ...value.trim().split('\n').map((l) => deeper + l));
      } else lines.push(`${indent}${key}: ${value}`);
    }
    else {
      lines.push(`${indent}${key}:`);
      lines.push(...renderErrorTree(value, depth + 1));
    }
  }
  return lines;
}

/** Builds an ApiError from a decoded error body ({status, message, errors}) or an OAuth error ({error, error_description}). */
export function apiErrorFrom(status: number, body: unknown, headers: Record<string, string | string[] | undefined>): ApiError {
  let message: string | undefined;
  let errors: ErrorTree | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    if (typeof b.message === 'string') message = b.message;
    else if (typeof b.error_description === 'string') message = b.error_description;
    else if (typeof b.error === 'string') message = b.error;
    if (typeof b.errors === 'string' || (b.errors && typeof b.errors === 'object')) errors = toErrorTree(b.errors);
  } else if (typeof body === 'string' && body.trim() !== '') {
    message = body.trim();
  }
  const refusal = status === 403 && message !== undefined ? ssoRefusalIn(message) : undefined;
  if (refusal) return new SsoRefusalError(refusal, headers, body);
  return new ApiError(status, message, errors, headers, body, hintFor(status, headers));
}

function hintFor(status: number, headers: Record<string, string | string[] | undefined>): string | undefined {
  if (status === 429) return rateLimitHint(headers);
  if (status >= 500) return `The registry could not handle the request (status ${status}); try again later.`;
  return undefined;
}

/**
 * How long to wait: `x-ratelimit-reset` (unix seconds) counted from the server's Date, so a
 * wrong clock on this machine does not matter.
 */
export function rateLimitHint(headers: Record<string, string | string[] | undefined>): string {
  const first = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const given = first('x-ratelimit-reset');
  if (given === undefined) return 'Wait a minute before trying again.';
  const reset = Number(given);
  const at = new Date(reset * 1000);
  // A reset no clock can show (1e20, -5, "soon") is the registry's mistake, not a time to wait for.
  if (given.trim() === '' || !Number.isFinite(reset) || reset <= 0 || Number.isNaN(at.getTime())) {
    throw new UnexpectedAnswerError(`x-ratelimit-reset ${JSON.stringify(given.slice(0, 40))} is not a time`);
  }
  const serverNow = Date.parse(first('date') ?? '');
  const now = Number.isNaN(serverNow) ? Date.now() : serverNow;
  const wait = Math.max(0, Math.ceil(reset - now / 1000));
  return `Rate limited: try again in ${wait} s (at ${at.toISOString()}).`;
}

function toErrorTree(value: unknown): ErrorTree {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const tree: Record<string, ErrorTree> = {};
    for (const [k, v] of Object.entries(value)) tree[k] = toErrorTree(v);
    return tree;
  }
  return JSON.stringify(value);
}

/**
 * The registry is in read-only maintenance (hex.pm answers 503 `temporarily_unavailable` to
 * writes, token refreshes and logins while reads go on): not a login problem, nothing to fix
 * here, only to wait for.
 */
export class MaintenanceError extends CliError {
  constructor(readonly host: string, body: Buffer, headers: Record<string, string | string[] | undefined>) {
    let said: string | undefined;
    try {
      const answer = JSON.parse(body.toString('utf8')) as { message?: unknown; error_description?: unknown };
      const text = typeof answer.message === 'string' ? answer.message : answer.error_description;
      if (typeof text === 'string') said = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim().slice(0, 300);
    } catch {
      // the status alone says enough
    }
    const retryAfter = Number(headers['retry-after']);
    const wait = Number.isInteger(retryAfter) && retryAfter > 0 ? ` It asks to wait ${retryAfter} s before trying again.` : '';
    const says = said ? `The registry says: ${said}${/[.!?]$/.test(said) ? '' : '.'}` : 'Reading packages still works.';
    super(`${host} is in read-only maintenance; try again later`, `${says}${wait}`);
    this.name = 'MaintenanceError';
  }
}
