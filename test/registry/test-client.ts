import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { decodeEtf, encodeEtf } from '../../src/erlang/etf.js';
import { jsonToTerm, termToJson } from '../../src/erlang/json.js';

// A small HTTPS client for the registry's tests: real TLS against the registry's CA, no
// connection reuse (so a stopped registry never leaves a socket behind), and bodies in JSON
// or the Erlang term format.

export interface Target {
  url: string;
  caCertPem: string;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** An object is sent as JSON, or as ETF with format 'erlang'; a Buffer or string as is. */
  body?: unknown;
  /** Sets Accept (and the content type of an object body); default json. */
  format?: 'json' | 'erlang';
  /** The raw Authorization header value. */
  auth?: string;
  /** Send `Expect: 100-continue` and wait for 100 before sending the body. */
  expectContinue?: boolean;
  /** Leave out the default User-Agent. */
  noUserAgent?: boolean;
  /** Gives up on the request (its promise rejects with an AbortError). */
  signal?: AbortSignal;
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Whether the server asked for the body with 100 Continue. */
  continued: boolean;
  /** The body decoded by its content type (JSON or ETF) when read; undefined for an empty body. */
  data: any;
}

export const USER_AGENT = 'hexts-registry-test/1.0';

export function call(target: Target, method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const url = new URL(path, target.url);
  const headers: Record<string, string> = { ...(options.noUserAgent ? {} : { 'user-agent': USER_AGENT }) };
  const format = options.format ?? 'json';
  headers.accept = format === 'erlang' ? 'application/vnd.hex+erlang' : 'application/json';
  if (options.auth !== undefined) headers.authorization = options.auth;
  let body: Buffer | undefined;
  if (options.body instanceof Buffer) body = options.body;
  else if (typeof options.body === 'string') body = Buffer.from(options.body);
  else if (options.body !== undefined) {
    if (format === 'erlang') {
      body = encodeEtf(jsonToTerm(options.body));
      headers['content-type'] = 'application/vnd.hex+erlang';
    } else {
      body = Buffer.from(JSON.stringify(options.body));
      headers['content-type'] = 'application/json';
    }
  }
  if (body) headers['content-length'] = String(body.length);
  if (options.expectContinue) headers.expect = '100-continue';
  Object.assign(headers, options.headers);

  return new Promise((resolve, reject) => {
    let continued = false;
    const req = httpsRequest(url, { method, headers, ca: target.caCertPem, agent: false, signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: data,
          continued,
          get data() {
            return decode(res.headers['content-type'], data);
          },
        });
      });
    });
    req.on('error', reject);
    if (options.expectContinue) {
      req.on('continue', () => {
        continued = true;
        req.end(body);
      });
    } else {
      req.end(body);
    }
  });
}

export function decode(contentType: string | undefined, data: Buffer): any {
  if (data.length === 0) return undefined;
  if (contentType?.startsWith('application/vnd.hex+erlang')) return termToJson(decodeEtf(data));
  if (contentType?.startsWith('application/json')) return JSON.parse(data.toString('utf8'));
  return undefined;
}
