import type { Dispatcher } from 'undici';
import { createDispatcher, type ClientOptions } from '../api/client.js';
import { checkScheme, withRetries } from '../api/network.js';
import { CliError } from '../errors.js';

// GETs from the repository (repo.hex.pm or a self-hosted one) with the API client's
// connection rules: the same dispatcher (TLS always verified, extra CAs, proxies), http://
// only to loopback, redirects (credentials dropped across origins) and retries for failed
// GETs. On top: at most `concurrency` requests in flight over kept-alive connections,
// conditional GETs, and a size limit per download.

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;
const ATTEMPTS = 3; // the first try and two retries

export interface RepositoryHttpOptions extends Pick<ClientOptions, 'caCertsPath' | 'proxy' | 'announce'> {
  userAgent: string;
  timeoutMs: number;
  concurrency: number;
  log?: (line: string) => void;
}

export interface GetOptions {
  /** The Authorization header value; never sent to another origin after a redirect. */
  authorization?: string;
  /** The credential behind `authorization`, in words, for --verbose. */
  credential?: string;
  /** Sent as If-None-Match. */
  etag?: string;
  /** Downloads larger than this are refused. */
  maxBytes: number;
  /** Called as the body arrives: bytes so far, and the announced size (if any). A retry starts again from 0. */
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface RepositoryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Where the answer came from, after redirects. */
  url: URL;
}

export class RepositoryHttp {
  private readonly dispatcher: Dispatcher;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: RepositoryHttpOptions) {
    this.dispatcher = createDispatcher(options);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** One logical GET (redirects and retries included) holding one of the `concurrency` slots. */
  async get(url: URL, options: GetOptions): Promise<RepositoryResponse> {
    await this.acquire();
    try {
      return await this.follow(url, options);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight on
    else this.active--;
  }

  private async follow(url: URL, options: GetOptions): Promise<RepositoryResponse> {
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent };
    if (options.authorization) headers.authorization = options.authorization;
    if (options.etag) headers['if-none-match'] = options.etag;
    for (let redirects = 0; ; redirects++) {
      checkScheme(url);
      const response = await this.withRetries(url, headers, options);
      const location = header(response.headers, 'location');
      if (!REDIRECTS.has(response.status) || !location) return response;
      if (redirects === MAX_REDIRECTS) throw new CliError(`Too many redirects (more than ${MAX_REDIRECTS}) starting from ${url.href}`);
      const next = new URL(location, url);
      if (next.origin !== url.origin) delete headers.authorization;
      url = next;
    }
  }

  private withRetries(url: URL, headers: Record<string, string>, options: GetOptions): Promise<RepositoryResponse> {
    const { timeoutMs, proxy, announce } = this.options;
    return withRetries(url, { timeoutMs, proxy, announce, attempts: ATTEMPTS }, () => this.once(url, headers, options));
  }

  private async once(url: URL, headers: Record<string, string>, { maxBytes, onProgress, credential }: GetOptions): Promise<RepositoryResponse> {
    const started = Date.now();
    this.options.log?.(`> GET ${url.href}${headers.authorization ? ` (authorization: [REDACTED]${credential ? `, ${credential}` : ''})` : ''}`);
    let response: Dispatcher.ResponseData;
    try {
      response = await this.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'GET',
        headers,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
    } catch (err) {
      this.options.log?.(`< GET ${url.href} failed after ${Date.now() - started} ms: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      throw err;
    }
    const responseHeaders = response.headers as Record<string, string | string[] | undefined>;
    const tooLarge = () => new CliError(`${url.href} is larger than ${formatBytes(maxBytes)}; refusing to download it`);
    const announced = header(responseHeaders, 'content-length');
    const total = announced === undefined ? undefined : Number(announced);
    if ((total ?? 0) > maxBytes) {
      response.body.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const progress = response.statusCode === 200 ? onProgress : undefined;
    progress?.(0, total);
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        response.body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk as Buffer);
      progress?.(size, total);
    }
    this.options.log?.(`< ${response.statusCode} GET ${url.pathname} (${size} bytes, ${Date.now() - started} ms)`);
    return { status: response.statusCode, headers: responseHeaders, body: Buffer.concat(chunks), url };
  }
}

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}
