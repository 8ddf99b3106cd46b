import type { IncomingMessage } from 'node:http';
import { sha256Hex } from './crypto.js';

// What the registry received, so a test can assert what a client sent: the method, the path
// with its query, selected headers (Authorization only as a sha256 of its value), how many
// body bytes were read, and the status answered (null when the connection was dropped).

const LOGGED_HEADERS = [
  'accept',
  'content-type',
  'content-length',
  'content-encoding',
  'expect',
  'user-agent',
  'x-hex-otp',
  'if-none-match',
  'if-modified-since',
  'connection',
  'transfer-encoding',
];

export type LoggedRequest = {
  seq: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** `sha256:<hex>` of the Authorization header's value, when there was one. */
  authorization: string | null;
  body_bytes: number;
  status: number | null;
};

export class RequestLog {
  private readonly entries: LoggedRequest[] = [];
  private seq = 0;

  start(req: IncomingMessage): LoggedRequest {
    const headers: Record<string, string> = {};
    for (const name of LOGGED_HEADERS) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const authorization = req.headers.authorization;
    const entry: LoggedRequest = {
      seq: ++this.seq,
      method: req.method ?? '',
      path: req.url ?? '',
      headers,
      authorization: authorization === undefined ? null : `sha256:${sha256Hex(authorization)}`,
      body_bytes: 0,
      status: null,
    };
    this.entries.push(entry);
    return entry;
  }

  list(): LoggedRequest[] {
    return this.entries.map((e) => ({ ...e, headers: { ...e.headers } }));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
