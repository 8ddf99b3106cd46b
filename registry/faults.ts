import { isRecord } from './cast.js';

// Faults a test can switch on for the next N requests matching a method and a path prefix, to
// see how a client copes with a broken server or network.

export type FaultType =
  /** Close the connection as soon as the request head arrives, before reading the body. */
  | 'reset_before_body'
  /** Read the whole body, then close the connection without answering (nothing is processed). */
  | 'reset_after_body'
  /** Answer with `status` (e.g. 500, 502, 503) and hexpm's error body. */
  | 'status'
  /** Answer 429 with rate-limit headers whose reset is `reset_after_seconds` away. */
  | 'rate_limited'
  /** Wait `delay_ms` before handling the request (to outlast a client's timeout). */
  | 'delay'
  /** Handle the request, then send only the first half of the body, with a matching Content-Length. */
  | 'truncate_body'
  /** Handle the request, announce the full Content-Length, send half the body and close the connection. */
  | 'truncate_download'
  /** Answer `status` (200 unless given) with `body` as JSON instead of the registry's answer: a hostile or broken registry. */
  | 'answer';

const TYPES: FaultType[] = ['reset_before_body', 'reset_after_body', 'status', 'rate_limited', 'delay', 'truncate_body', 'truncate_download', 'answer'];

export interface Fault {
  type: FaultType;
  /** Any method when absent. */
  method?: string;
  /** Matches request paths (without the query) starting with this. */
  path: string;
  /** How many matching requests it applies to. */
  count: number;
  status?: number;
  /** For `status`: the error message and a WWW-Authenticate challenge (e.g. error="token_expired"). */
  message?: string;
  wwwAuthenticate?: string;
  delayMs?: number;
  resetAfterSeconds?: number;
  /** For `answer`: any JSON value, null included. */
  body?: unknown;
}

/** Reads a fault from the JSON a test posts to /_test/faults. */
export function parseFault(body: unknown): Fault {
  if (!isRecord(body)) throw new Error('expected a JSON object');
  const type = body.type as FaultType;
  if (!TYPES.includes(type)) throw new Error(`type must be one of ${TYPES.join(', ')}`);
  if (typeof body.path !== 'string' || !body.path.startsWith('/')) throw new Error('path must be a path prefix');
  const count = body.count ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) throw new Error('count must be a positive integer');
  const fault: Fault = { type, path: body.path, count };
  if (body.method !== undefined) {
    if (typeof body.method !== 'string') throw new Error('method must be a string');
    fault.method = body.method.toUpperCase();
  }
  if (type === 'status') {
    if (typeof body.status !== 'number' || body.status < 400 || body.status > 599) throw new Error('status must be 4xx or 5xx');
    fault.status = body.status;
    if (body.message !== undefined) {
      if (typeof body.message !== 'string') throw new Error('message must be a string');
      fault.message = body.message;
    }
    if (body.www_authenticate !== undefined) {
      if (typeof body.www_authenticate !== 'string') throw new Error('www_authenticate must be a string');
      fault.wwwAuthenticate = body.www_authenticate;
    }
  }
  if (type === 'answer') {
    if (!('body' in body)) throw new Error('body is required (any JSON value)');
    const status = body.status ?? 200;
    if (typeof status !== 'number' || status < 200 || status > 599) throw new Error('status must be 2xx to 5xx');
    fault.status = status;
    fault.body = body.body;
  }
  if (type === 'delay') {
    if (typeof body.delay_ms !== 'number' || body.delay_ms < 0) throw new Error('delay_ms must be a number');
    fault.delayMs = body.delay_ms;
  }
  if (type === 'rate_limited') {
    const seconds = body.reset_after_seconds ?? 60;
    if (typeof seconds !== 'number' || seconds < 0) throw new Error('reset_after_seconds must be a number');
    fault.resetAfterSeconds = seconds;
  }
  return fault;
}

export class Faults {
  private faults: Fault[] = [];

  add(fault: Fault): void {
    this.faults.push(fault);
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault matching this request, used up by one. */
  take(method: string, path: string): Fault | null {
    const fault = this.faults.find((f) => (!f.method || f.method === method) && path.startsWith(f.path));
    if (!fault) return null;
    fault.count -= 1;
    if (fault.count === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }
}
