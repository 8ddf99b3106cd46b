import type { IncomingMessage } from 'node:http';
import { decodeEtf, encodeEtf } from '../src/erlang/etf.js';
import { jsonToTerm, termToJson } from '../src/erlang/json.js';
import { isRecord } from './cast.js';
import type { Core } from './core.js';
import { md5Hex } from './crypto.js';
import type { Email, Key, Organization, Token, User } from './state.js';

// Requests and replies the way hexpm's Phoenix stack handles them: content negotiation
// (JSON or Erlang term format), body parsing, the `{status, message, errors}` error shape,
// cache headers and conditional GETs.

export type Format = 'json' | 'erlang';

/** What a view produces. Dates become ISO-8601 strings: with microseconds in JSON, whole seconds in ETF. */
export type ViewValue = null | boolean | number | string | Date | ViewValue[] | { [key: string]: ViewValue };

export type ReplyBody =
  | { kind: 'view'; value: ViewValue }
  | { kind: 'bytes'; data: Buffer; contentType: string | null }
  | { kind: 'empty' };

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: ReplyBody;
}

/** Thrown by a guard to end a request with a reply (like a halted Plug conn). */
export class Halt extends Error {
  constructor(readonly reply: Reply) {
    super(`halted with ${reply.status}`);
  }
}

export function view(status: number, value: ViewValue, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: { kind: 'view', value } };
}

export function empty(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: { kind: 'empty' } };
}

/** `contentType` null: no content-type header (as Plug's send_resp without one). */
export function bytes(status: number, data: Buffer, contentType: string | null, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: { kind: 'bytes', data, contentType } };
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Bad request',
  404: 'Page not found',
  408: 'Request timeout',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Validation error(s)',
  500: 'Internal server error',
};

/** hexpm's ErrorView: `{status, message, errors?}`; message defaults per status, else null. */
export function errorReply(
  status: number,
  options: { message?: string; errors?: ViewValue; headers?: Record<string, string> } = {},
): Reply {
  const body: { [key: string]: ViewValue } = { status, message: options.message ?? DEFAULT_MESSAGES[status] ?? null };
  if (options.errors !== undefined) body.errors = options.errors;
  return view(status, body, options.headers ?? {});
}

export function validationFailed(errors: ViewValue): Reply {
  return errorReply(422, { errors });
}

export function notFound(): Reply {
  return errorReply(404);
}

/** `cache-control` and `vary` as hexpm's api_cache/2 sets them. */
export function apiCache(reply: Reply, privacy: 'public' | 'private'): Reply {
  reply.headers['cache-control'] = `${privacy}, max-age=60`;
  reply.headers['vary'] = 'accept, accept-encoding';
  return reply;
}

export interface Auth {
  credential: { kind: 'key'; key: Key } | { kind: 'token'; token: Token } | null;
  user: User | null;
  organization: Organization | null;
  /** The email address the user authenticated as (the primary one unless logging in by email). */
  email: Email | null;
}

export interface Ctx {
  core: Core;
  req: IncomingMessage;
  method: string;
  /** Path without the query string, as sent (percent-encoded). */
  rawPath: string;
  rawQuery: string;
  /** Query, body and path parameters merged like Phoenix's conn.params. */
  params: Record<string, unknown>;
  pathParams: Record<string, string>;
  format: Format;
  remoteIp: string;
  auth: Auth;
  /** The client sent `Expect: 100-continue` and waits before sending the body. */
  expectContinue: boolean;
  /** The upload body when it came with the request (no `Expect: 100-continue`). */
  body: Buffer | null;
  /** Reads the whole request body, sending 100 Continue first when it is expected; 413 past `limit`. */
  readBody(limit: number): Promise<Buffer>;
}

export function header(ctx: Ctx, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function stringParam(ctx: Ctx, name: string): string | null {
  const value = ctx.params[name];
  return typeof value === 'string' ? value : null;
}

// ---------------------------------------------------------------- negotiation

const MIME_FORMATS: Record<string, Format | 'elixir'> = {
  'application/json': 'json',
  'application/vnd.hex+json': 'json',
  'application/vnd.hex+erlang': 'erlang',
  'application/vnd.hex+elixir': 'elixir',
};

/**
 * The response format Phoenix's `accepts(["json", "elixir", "erlang"])` picks, or null for 406.
 * hexpm also speaks vnd.hex+elixir; this registry does not, so it answers 406 to it.
 */
export function negotiate(accept: string | undefined, formatParam: string | null): Format | null {
  if (formatParam !== null) return formatParam === 'json' || formatParam === 'erlang' ? formatParam : null;
  if (!accept || accept.trim() === '') return 'json';
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.type !== '' && !(r.q <= 0))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranges) {
    if (type === '*/*' || type === 'application/*') return 'json';
    const format = MIME_FORMATS[type];
    if (format === 'json' || format === 'erlang') return format;
    if (format === 'elixir') return null;
  }
  return null;
}

// ---------------------------------------------------------------- request bodies

export class BadRequest extends Error {}

/** Body parameters as Plug.Parsers would give them: JSON, form or ETF; other types are left unparsed. */
export function parseBody(contentType: string | undefined, body: Buffer): Record<string, unknown> {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (body.length === 0) return {};
  if (type === 'application/json' || type === 'application/vnd.hex+json') {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BadRequest('invalid JSON');
    }
    return isRecord(value) ? value : { _json: value };
  }
  if (type === 'application/vnd.hex+erlang') {
    let value: unknown;
    try {
      value = termToJson(decodeEtf(body));
    } catch {
      throw new BadRequest('bad binary_to_term');
    }
    return isRecord(value) ? value : { _json: value };
  }
  if (type === 'application/x-www-form-urlencoded') return parseForm(body.toString('utf8'));
  return {};
}

/** Query strings and form bodies with Plug's `a[b]=c` and `a[]=c` nesting. */
export function parseForm(text: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.match(/^[^[\]]+|\[[^[\]]*\]/g)?.map((part) => part.replace(/^\[|\]$/g, '')) ?? [rawKey];
    insertParam(result, parts, value);
  }
  return result;
}

function insertParam(target: Record<string, unknown>, [part, ...rest]: string[], value: string): void {
  if (rest.length === 0) target[part!] = value;
  else if (rest[0] === '') {
    if (!Array.isArray(target[part!])) target[part!] = [];
    insertListParam(target[part!] as unknown[], rest.slice(1), value);
  } else {
    if (!isRecord(target[part!])) target[part!] = {};
    insertParam(target[part!] as Record<string, unknown>, rest, value);
  }
}

// Like Plug: `a[][x]=1&a[][y]=2` fills one map until a key repeats.
function insertListParam(list: unknown[], rest: string[], value: string): void {
  if (rest.length === 0) {
    list.push(value);
    return;
  }
  const last = list.at(-1);
  if (isRecord(last) && !(rest[0]! in last)) insertParam(last, rest, value);
  else {
    const map: Record<string, unknown> = {};
    list.push(map);
    insertParam(map, rest, value);
  }
}

// ---------------------------------------------------------------- rendering

export function renderBody(format: Format, value: ViewValue): { data: Buffer; contentType: string } {
  if (format === 'erlang') {
    return {
      data: encodeEtf(jsonToTerm(forEncoding(value, isoSeconds))),
      contentType: 'application/vnd.hex+erlang; charset=utf-8',
    };
  }
  return {
    data: Buffer.from(JSON.stringify(forEncoding(value, isoMicroseconds))),
    contentType: 'application/json; charset=utf-8',
  };
}

/** Formats dates, and orders map keys as Erlang does for small maps (bytewise), so both encodings match hexpm's. */
function forEncoding(value: ViewValue, format: (date: Date) => string): unknown {
  if (value instanceof Date) return format(value);
  if (Array.isArray(value)) return value.map((v) => forEncoding(v, format));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map(([k, v]) => [k, forEncoding(v, format)]),
    );
  }
  return value;
}

/** hexpm's JSON datetimes keep microseconds: 2030-01-01T00:00:00.123000Z. */
export function isoMicroseconds(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Its Erlang-format datetimes are truncated to seconds: 2030-01-01T00:00:00Z. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------- conditional requests

/**
 * hexpm's when_stale: sets ETag (an unquoted md5) and Last-Modified, and answers 304 when the
 * client's If-None-Match or If-Modified-Since shows it already has this version.
 */
export function whenStale(ctx: Ctx, etagSource: unknown, lastModified: number | null, render: () => Reply): Reply {
  const etag = md5Hex(JSON.stringify(etagSource));
  const headers: Record<string, string> = { etag };
  if (lastModified !== null) headers['last-modified'] = new Date(lastModified).toUTCString();
  const noneMatch = header(ctx, 'if-none-match');
  const modifiedSince = header(ctx, 'if-modified-since');
  let fresh = false;
  if (noneMatch !== undefined || modifiedSince !== undefined) {
    const tags = (noneMatch ?? '').split(',').map((t) => t.trim());
    const changedSince =
      modifiedSince !== undefined && lastModified !== null && Math.floor(lastModified / 1000) * 1000 > Date.parse(modifiedSince);
    const noMatch = noneMatch !== undefined && !tags.includes(etag) && !tags.includes('*');
    fresh = !changedSince && !noMatch;
  }
  const reply = fresh ? empty(304) : render();
  Object.assign(reply.headers, headers);
  return reply;
}
