import { createSecureContext } from 'node:tls';
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { CliError } from '../errors.js';
import { redactUrl } from '../util/net.js';
import { UnexpectedAnswerError } from './errors.js';
import { HexMessageError, parseHexMessage } from './hex-message.js';
import {
  checkScheme,
  Deadline,
  describeNetworkError,
  formatBytes,
  loopbackLookup,
  NetworkError,
  readCaCerts,
  retryable,
  withRetries,
  type ProxySettings,
} from './network.js';
import type { UploadResponse } from './upload.js';

// The one way hexts talks HTTP: the API client, its uploads and the repository reader all
// send through a Transport, so that redirects (and which of them may leave the origin),
// retries, deadlines, size limits and the --verbose lines are decided here, once.

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface TransportOptions {
  /** HEX_HTTP_TIMEOUT in ms: the wait for an answer, and the base of every request's deadline. */
  timeoutMs: number;
  caCertsPath?: string;
  proxy?: ProxySettings;
  /** --verbose: one line per request and response, secrets redacted. */
  log?: (line: string) => void;
  /** Where retries (of failed GETs, and of any request during read-only maintenance) are announced, one line each, as they happen. */
  announce?: (line: string) => void;
  /** Where the registry's `x-hex-message` warnings go (`API warning: …`); a fatal one is thrown as the error. */
  notice?: (line: string) => void;
}

/** One request as it goes out; a redirect makes the next. */
export interface Hop {
  method: Method;
  url: URL;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface TransportRequest extends Hop {
  /** The credential in the Authorization header, in words, for --verbose. */
  credential?: string;
  /** Answers larger than this are refused. */
  maxBytes: number;
  /** Called as the body of a 200 arrives: bytes so far, and the announced size (if any). A retry starts again from 0. */
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface TransportResponse {
  status: number;
  headers: ResponseHeaders;
  body: Buffer;
  /** Where the answer came from, after redirects. */
  url: URL;
}

export interface TransportUpload {
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  credential?: string;
  onProgress?: (sent: number, total: number) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;
const ATTEMPTS = 3; // the first try and two retries
/** The answer to an upload is a small JSON document. */
const MAX_UPLOAD_ANSWER_BYTES = 16 * 1024 * 1024;

/** The undici dispatcher: TLS always verified, extra CAs, proxies from the resolved settings, `localhost` without DNS. */
function createDispatcher(options: Pick<TransportOptions, 'caCertsPath' | 'proxy'>): Dispatcher {
  // One secure context for every connection: given `ca` alone, each TLS connection would parse
  // the system's and the extra certificates again (tens of ms each, with many connections).
  const ca = options.caCertsPath ? readCaCerts(options.caCertsPath) : undefined;
  const tls = { secureContext: ca ? createSecureContext({ ca }) : undefined, rejectUnauthorized: true };
  const connect = { ...tls, lookup: loopbackLookup };
  const proxy = options.proxy ?? {};
  if (proxy.http || proxy.https) {
    // Empty strings, not undefined: undici would otherwise read process.env behind our back.
    return new EnvHttpProxyAgent({
      httpProxy: proxy.http ?? '',
      httpsProxy: proxy.https ?? proxy.http ?? '',
      noProxy: proxy.noProxy ?? '',
      connect,
      requestTls: tls,
    });
  }
  return new Agent({ connect });
}

export class Transport {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: TransportOptions) {
    this.dispatcher = createDispatcher(options);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /**
   * One logical request: redirects followed by the origin rule, a GET tried again after a
   * failure. A write is tried again only when the registry answered that it is in read-only
   * maintenance, which says that nothing was done.
   */
  request(request: TransportRequest): Promise<TransportResponse> {
    const { timeoutMs, proxy, announce } = this.options;
    return follow(request, (hop) =>
      withRetries(hop.url, { timeoutMs, proxy, announce, attempts: ATTEMPTS, write: hop.method !== 'GET' }, () => this.once(hop, request)));
  }

  /**
   * POSTs a tarball with `Expect: 100-continue` (upload.ts): the registry refuses a credential
   * or an OTP before the body goes out. Tried again only after a read-only maintenance answer
   * (nothing was done); redirected only within its origin.
   */
  async upload(request: TransportUpload): Promise<TransportResponse & { bodySent: boolean }> {
    const { upload } = await import('./upload.js');
    const ca = this.options.caCertsPath ? readCaCerts(this.options.caCertsPath) : undefined;
    return follow({ method: 'POST', url: request.url, headers: request.headers, body: request.body }, async (hop) => {
      // A 303 turns the upload into a GET of the answer.
      if (hop.method !== 'POST') return { ...(await this.once(hop, { credential: request.credential, maxBytes: MAX_UPLOAD_ANSWER_BYTES })), bodySent: true };
      const { timeoutMs, proxy, announce } = this.options;
      return withRetries(hop.url, { timeoutMs, proxy, announce, attempts: ATTEMPTS, write: true }, async () => {
        this.log(`> POST ${redactUrl(hop.url.href)} (${request.body.length} bytes, expect: 100-continue)${requestNote(hop.headers, request.credential)}`);
        const started = Date.now();
        const response: UploadResponse = await upload({
          url: hop.url,
          headers: hop.headers,
          body: request.body,
          timeoutMs,
          ca,
          proxy,
          onProgress: request.onProgress,
        });
        this.log(`< ${response.status} POST ${hop.url.pathname} (${Date.now() - started} ms${response.bodySent ? '' : ', body not sent'})`);
        this.hexMessage(response.headers);
        return { ...response, url: hop.url };
      });
    });
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** The registry's `x-hex-message`, on any answer: a warning is passed on, a fatal message ends the request. */
  private hexMessage(headers: ResponseHeaders): void {
    const value = header(headers, 'x-hex-message');
    const message = value === undefined ? undefined : parseHexMessage(value);
    if (message?.level === 'fatal') throw new HexMessageError(message.text);
    if (message) this.options.notice?.(`API warning: ${message.text}`);
  }

  /** One exchange, within its deadline and size limit. */
  private async once(hop: Hop, request: Pick<TransportRequest, 'credential' | 'maxBytes' | 'onProgress'>): Promise<TransportResponse> {
    const { method, url, headers, body } = hop;
    const started = Date.now();
    this.log(`> ${method} ${redactUrl(url.href)}${requestNote(headers, request.credential)}`);
    const controller = new AbortController();
    const deadline = new Deadline(this.options.timeoutMs, url.host, body === undefined ? 0 : Buffer.byteLength(body), (err) => controller.abort(err));
    try {
      let response: Dispatcher.ResponseData;
      try {
        response = await this.dispatcher.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method,
          headers,
          body,
          headersTimeout: this.options.timeoutMs,
          bodyTimeout: this.options.timeoutMs,
          signal: controller.signal,
        });
      } catch (err) {
        this.log(`< ${method} ${redactUrl(url.href)} failed after ${Date.now() - started} ms: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        if (method !== 'GET' && retryable(err)) throw this.writeOutcomeUnknown(method, url, err);
        throw err;
      }
      const responseHeaders = response.headers as ResponseHeaders;
      const tooLarge = () => new CliError(`${redactUrl(url.href)} is larger than ${formatBytes(request.maxBytes)}; refusing to download it`);
      const announced = Number(header(responseHeaders, 'content-length') ?? NaN);
      const total = Number.isFinite(announced) ? announced : undefined;
      if ((total ?? 0) > request.maxBytes) {
        response.body.destroy();
        throw tooLarge();
      }
      deadline.answer(total);
      const progress = response.statusCode === 200 ? request.onProgress : undefined;
      progress?.(0, total);
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of response.body) {
          size += (chunk as Buffer).length;
          deadline.add((chunk as Buffer).length);
          if (size > request.maxBytes) {
            response.body.destroy();
            throw tooLarge();
          }
          chunks.push(chunk as Buffer);
          progress?.(size, total);
        }
      } catch (err) {
        if (err instanceof CliError) throw err;
        this.log(`< ${response.statusCode} ${method} ${url.pathname} cut off after ${size} bytes, ${Date.now() - started} ms: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        if (method !== 'GET') throw this.writeOutcomeUnknown(method, url, err);
        throw err;
      }
      this.log(`< ${response.statusCode} ${method} ${url.pathname} (${size} bytes, ${Date.now() - started} ms)${rateLimitNote(responseHeaders)}`);
      this.hexMessage(responseHeaders);
      return { status: response.statusCode, headers: responseHeaders, body: Buffer.concat(chunks), url };
    } finally {
      deadline.stop();
    }
  }

  private writeOutcomeUnknown(method: Method, url: URL, err: unknown): NetworkError {
    const cause = describeNetworkError(err, url, this.options);
    return new NetworkError(
      `${cause.message}; the ${method} request may or may not have been carried out`,
      cause.code,
      'Check the current state before trying again (writes are never retried automatically).',
    );
  }
}

/**
 * Sends `first` and follows redirects, at most three (as mix does). Only a GET without a
 * credential — no Authorization header, no body — may go on to another origin (scheme, host,
 * port): anything else (a key, an exchange's client_secret, a password, a token, a tarball)
 * belongs to the origin it was sent to, and a redirect elsewhere is an error naming both.
 * 303 (and 301/302 after a POST) turns the request into a GET without its body.
 */
async function follow<R extends { status: number; headers: ResponseHeaders }>(first: Hop, send: (hop: Hop) => Promise<R>): Promise<R> {
  let hop: Hop = { ...first, headers: { ...first.headers } };
  for (let redirects = 0; ; redirects++) {
    checkScheme(hop.url);
    const response = await send(hop);
    const location = header(response.headers, 'location');
    if (!REDIRECTS.has(response.status) || !location) return response;
    if (redirects === MAX_REDIRECTS) throw new CliError(`Too many redirects (more than ${MAX_REDIRECTS}) starting from ${redactUrl(first.url.href)}`);
    const next = redirectTarget(location, hop.url);
    const guarded = hop.method !== 'GET' || hop.body !== undefined || hop.headers.authorization !== undefined;
    if (guarded && next.origin !== hop.url.origin) throw new CrossOriginRedirectError(hop.method, hop.url, next);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && hop.method === 'POST')) {
      const { 'content-type': _type, ...headers } = hop.headers;
      hop = { method: 'GET', url: next, headers };
    } else {
      hop = { ...hop, url: next };
    }
  }
}

/** A redirect of a request that carries a credential or a body, to another origin. */
export class CrossOriginRedirectError extends CliError {
  constructor(method: Method, from: URL, to: URL) {
    super(
      `refusing to follow a redirect of a ${method} request from ${from.origin} to ${to.origin}: `
        + 'a request with a credential or a body never leaves the origin it was sent to',
      `If the registry has moved to ${to.origin}, point hexts there (HEX_API_URL, HEX_REPO_URL); otherwise ${from.origin} is misconfigured, or is not the registry.`,
    );
    this.name = 'CrossOriginRedirectError';
  }
}

function redirectTarget(location: string, base: URL): URL {
  try {
    return new URL(location, base);
  } catch {
    throw new UnexpectedAnswerError(`a redirect to ${JSON.stringify(location.slice(0, 200))}, which is not a URL`);
  }
}

/** The --verbose note for a request's secrets: which credential, never a value. */
function requestNote(headers: Record<string, string>, credential: string | undefined): string {
  const authorization = headers.authorization ? ` (authorization: [REDACTED]${credential ? `, ${credential}` : ''})` : '';
  return `${authorization}${headers['x-hex-otp'] ? ' (x-hex-otp: [REDACTED])' : ''}`;
}

function rateLimitNote(headers: ResponseHeaders): string {
  const remaining = header(headers, 'x-ratelimit-remaining');
  return remaining !== undefined ? ` [rate limit remaining ${remaining}]` : '';
}

export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
