import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import { CliError } from '../errors.js';
import { ApiError, apiErrorFrom } from './errors.js';
import { checkScheme, describeNetworkError, NetworkError, readCaCerts, retryable, withRetries, type ProxySettings } from './network.js';

/** An Authorization header value and, in words for --verbose, the credential it comes from. */
export interface Authorization {
  value: string;
  credential: string;
}

/** Supplies the Authorization header; the credentials module implements it. */
export interface AuthProvider {
  /** The header (a raw API key or `Bearer <token>`), or undefined to go anonymous. */
  authorization(request: { write: boolean; required: boolean }): Promise<Authorization | undefined>;
  /** Called once on a 401 `token_expired`; true when a fresh credential is ready. */
  refresh?(): Promise<boolean>;
  /** Called once on a 403 or 404 to a request that carried a credential; true to try again. */
  refreshAfterRefusal?(status: number): Promise<boolean>;
  /** Advice for a refused request (another credential that may do it), added to the error. */
  advise?(error: ApiError): Promise<string | undefined>;
}

/** A provider that always sends the same header, e.g. a key being checked before it is stored. */
export const fixedAuthorization = (value: string, credential: string): AuthProvider => ({
  authorization: async () => ({ value, credential }),
});

/** Supplies two-factor codes: --otp / HEX_OTP first, then a prompt on a terminal. */
export interface OtpProvider {
  code(previousWasInvalid: boolean): Promise<string>;
}

export interface ClientOptions {
  apiUrl: string;
  userAgent: string;
  timeoutMs: number;
  caCertsPath?: string;
  proxy?: ProxySettings;
  auth?: AuthProvider;
  otp?: OtpProvider;
  /** --verbose: one line per request and response, secrets redacted. */
  log?: (line: string) => void;
  /** Where `x-hex-message` notices go. */
  notice?: (line: string) => void;
  /** Where retries of failed GETs are announced, one line each, as they happen. */
  announce?: (line: string) => void;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RequestSpec {
  method: Method;
  /** A path under the API URL (`/users/me`) or an absolute URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** `none` never sends credentials; `required` makes the auth provider insist on one. */
  auth?: 'none' | 'optional' | 'required';
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;
const GET_ATTEMPTS = 3; // the first try and two retries
const MAX_BODY_BYTES = 64 * 1024 * 1024;
export function userAgent(version: string, env: Record<string, string | undefined>): string {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return `hexts/${version} (node/${process.versions.node})${ci ? ' (CI)' : ''}`;
}

/** Creates the undici dispatcher: TLS always verified, extra CAs, proxies from the resolved settings. */
export function createDispatcher(options: Pick<ClientOptions, 'caCertsPath' | 'proxy'>): Dispatcher {
  const ca = options.caCertsPath ? readCaCerts(options.caCertsPath) : undefined;
  const tls = { ca, rejectUnauthorized: true };
  const proxy = options.proxy ?? {};
  if (proxy.http || proxy.https) {
    // Empty strings, not undefined: undici would otherwise read process.env behind our back.
    return new EnvHttpProxyAgent({
      httpProxy: proxy.http ?? '',
      httpsProxy: proxy.https ?? proxy.http ?? '',
      noProxy: proxy.noProxy ?? '',
      connect: tls,
      requestTls: tls,
    });
  }
  return new Agent({ connect: tls });
}

/** `"text"; level=warn|fatal` → the text and its level. */
export function parseHexMessage(header: string): { text: string; level: string } {
  const m = header.match(/^\s*"((?:[^"\\]|\\.)*)"\s*(?:;\s*level=(\w+))?/);
  const text = m ? m[1]!.replace(/\\(.)/g, '$1') : header;
  // Control characters from the server are shown escaped, never interpreted by the terminal.
  const safe = text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return { text: safe, level: m?.[2] ?? 'warn' };
}

export class ApiClient {
  readonly apiUrl: URL;
  private readonly dispatcher: Dispatcher;
  private cachedOtp: string | undefined;

  constructor(private readonly options: ClientOptions) {
    this.apiUrl = new URL(options.apiUrl.replace(/\/+$/, '') + '/');
    checkScheme(this.apiUrl);
    this.dispatcher = createDispatcher(options);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  url(spec: Pick<RequestSpec, 'path' | 'query'>): URL {
    const url = /^https?:\/\//.test(spec.path) ? new URL(spec.path) : new URL(spec.path.replace(/^\//, ''), this.apiUrl);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async get<T>(path: string, spec: Omit<RequestSpec, 'method' | 'path'> = {}): Promise<ApiResponse<T>> {
    return this.request<T>({ ...spec, method: 'GET', path });
  }

  async request<T>(spec: RequestSpec): Promise<ApiResponse<T>> {
    const url = this.url(spec);
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    return this.authorized<T>(spec.method !== 'GET', spec.auth ?? 'optional', (headers, credential) => {
      if (body !== undefined) headers['content-type'] = 'application/json';
      return this.send(spec.method, url, headers, body, credential);
    });
  }

  /**
   * POSTs a tarball (`application/octet-stream`) with `Expect: 100-continue`. Never retried
   * once the body has gone out; a refused credential or OTP is answered before that.
   */
  async upload<T>(spec: { path: string; query?: RequestSpec['query']; body: Buffer; onProgress?: (sent: number, total: number) => void }): Promise<ApiResponse<T>> {
    const url = this.url(spec);
    checkScheme(url);
    const { upload } = await import('./upload.js');
    return this.authorized<T>(true, 'required', async (headers, credential) => {
      this.options.log?.(`> POST ${url.href} (${spec.body.length} bytes, expect: 100-continue)${credentialNote(credential)}`);
      const started = Date.now();
      const response = await upload({
        url,
        headers,
        body: spec.body,
        timeoutMs: this.options.timeoutMs,
        ca: this.options.caCertsPath ? readCaCerts(this.options.caCertsPath) : undefined,
        proxy: this.options.proxy,
        onProgress: spec.onProgress,
      });
      this.options.log?.(`< ${response.status} POST ${url.pathname} (${Date.now() - started} ms${response.bodySent ? '' : ', body not sent'})`);
      this.notice(response.headers);
      return this.apiAnswer(response, url);
    });
  }

  /**
   * Sends a request with the credential, answering the registry's challenges: one OAuth
   * refresh, and up to three two-factor codes.
   */
  private async authorized<T>(
    write: boolean,
    auth: NonNullable<RequestSpec['auth']>,
    send: (headers: Record<string, string>, credential: string | undefined) => Promise<RawResponse>,
  ): Promise<ApiResponse<T>> {
    let otpTries = 0;
    let refreshed = false;
    let retriedRefusal = false;
    for (;;) {
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': this.options.userAgent,
      };
      const provider = auth === 'none' ? undefined : this.options.auth;
      const authorization = await provider?.authorization({ write, required: auth === 'required' });
      if (authorization) headers.authorization = authorization.value;
      if (this.cachedOtp && headers.authorization) headers['x-hex-otp'] = this.cachedOtp;

      const raw = await send(headers, authorization?.credential);
      const body = decodeBody(raw, write);
      if (raw.status < 400) return { status: raw.status, headers: raw.headers, body: body as T };

      const error = apiErrorFrom(raw.status, body, raw.headers);
      if (raw.status === 401 && headers.authorization) {
        const reason = error.authError;
        // An OAuth token refused for any reason but 2FA gets one refresh: besides the
        // `token_expired` challenge, hex.pm answers an expired token with plain "invalid API
        // key", and this machine's clock may disagree with the server's.
        const bearer = headers.authorization.startsWith('Bearer ');
        const otpChallenge = reason === 'totp_required' || reason === 'invalid_totp';
        if ((reason === 'token_expired' || (bearer && !otpChallenge)) && !refreshed && this.options.auth?.refresh) {
          refreshed = true;
          if (await this.options.auth.refresh()) continue;
        }
        if (otpChallenge && this.options.otp && otpTries < 3) {
          otpTries++;
          this.cachedOtp = await this.options.otp.code(reason === 'invalid_totp');
          continue;
        }
      }
      if ((raw.status === 403 || raw.status === 404) && headers.authorization && !retriedRefusal && provider?.refreshAfterRefusal) {
        retriedRefusal = true;
        if (await provider.refreshAfterRefusal(raw.status)) continue;
      }
      if (raw.status === 401 || raw.status === 403 || raw.status === 404) error.advice = await provider?.advise?.(error);
      throw error;
    }
  }

  /** Sends one logical request: follows redirects, retries idempotent GETs. Never retries a write. */
  private async send(method: Method, url: URL, headers: Record<string, string>, body: string | undefined, credential: string | undefined): Promise<RawResponse> {
    for (let redirects = 0; ; redirects++) {
      checkScheme(url);
      const response = method === 'GET' ? await this.sendWithRetries(url, headers, credential) : await this.sendOnce(method, url, headers, body, credential);
      const location = header(response.headers, 'location');
      if (!REDIRECTS.has(response.status) || !location) return response;
      if (redirects === MAX_REDIRECTS) throw new CliError(`Too many redirects (more than ${MAX_REDIRECTS}) starting from ${url.href}`);
      const next = new URL(location, url);
      if (next.origin !== url.origin) {
        // Credentials for one registry never go to another host.
        delete headers.authorization;
        delete headers['x-hex-otp'];
        credential = undefined;
      }
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
      }
      url = next;
    }
  }

  private sendWithRetries(url: URL, headers: Record<string, string>, credential: string | undefined): Promise<RawResponse> {
    const { timeoutMs, proxy, announce } = this.options;
    return withRetries(url, { timeoutMs, proxy, announce, attempts: GET_ATTEMPTS }, () => this.sendOnce('GET', url, headers, undefined, credential));
  }

  private async sendOnce(method: Method, url: URL, headers: Record<string, string>, body: string | undefined, credential: string | undefined): Promise<RawResponse> {
    const started = Date.now();
    this.options.log?.(`> ${method} ${url.href}${headers.authorization ? credentialNote(credential) : ''}${headers['x-hex-otp'] ? ' (x-hex-otp: [REDACTED])' : ''}`);
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
      });
    } catch (err) {
      this.options.log?.(`< ${method} ${url.href} failed after ${Date.now() - started} ms: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      if (method !== 'GET' && retryable(err)) throw writeOutcomeUnknown(method, url, err, this.options);
      throw err;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          response.body.destroy();
          throw new CliError(`the answer from ${url.host} is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof CliError) throw err;
      if (method !== 'GET') throw writeOutcomeUnknown(method, url, err, this.options);
      throw err;
    }
    const headersOut = response.headers as Record<string, string | string[] | undefined>;
    this.options.log?.(`< ${response.statusCode} ${method} ${url.pathname} (${Date.now() - started} ms)${rateLimitNote(headersOut)}`);
    this.notice(headersOut);
    return this.apiAnswer({ status: response.statusCode, headers: headersOut, body: Buffer.concat(chunks) }, url);
  }

  /**
   * Refuses an answer that cannot be the Hex API's, which always answers JSON to `Accept:
   * application/json`: a web page (or any other declared type), or a 406. (Redirects are followed, whatever their body; a
   * 5xx page from a load balancer stays a status error: the registry is down, not the URL wrong.)
   */
  private apiAnswer<R extends RawResponse>(raw: R, url: URL): R {
    const type = header(raw.headers, 'content-type') ?? '';
    const page = type !== '' && !/[/+]json\b/.test(type) && raw.body.length > 0 && (raw.status < 300 || (raw.status >= 400 && raw.status < 500));
    if (raw.status === 406 || page) throw new NotApiAnswerError(raw.status, url, type, raw.body, this.apiUrl);
    return raw;
  }

  /** Shows the registry's `x-hex-message` notice, if any. */
  private notice(headers: Record<string, string | string[] | undefined>): void {
    const message = header(headers, 'x-hex-message');
    if (!message) return;
    const { text, level } = parseHexMessage(message);
    this.options.notice?.(level === 'fatal' ? `API error: ${text}` : `API warning: ${text}`);
  }
}

/** The --verbose note for a request that carries a credential: which one, never its value. */
function credentialNote(credential: string | undefined): string {
  return credential ? ` (authorization: [REDACTED], ${credential})` : '';
}

function writeOutcomeUnknown(method: Method, url: URL, err: unknown, settings: ClientOptions): NetworkError {
  const cause = describeNetworkError(err, url, settings);
  return new NetworkError(
    `${cause.message}; the ${method} request may or may not have been carried out`,
    cause.code,
    'Check the current state before trying again (writes are never retried automatically).',
  );
}

function rateLimitNote(headers: Record<string, string | string[] | undefined>): string {
  const remaining = header(headers, 'x-ratelimit-remaining');
  return remaining !== undefined ? ` [rate limit remaining ${remaining}]` : '';
}

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An answer that could not be read. `carriedOut`: a write the registry accepted (2xx/3xx) before its answer was garbled. */
export class InvalidAnswerError extends CliError {
  constructor(readonly status: number, readonly carriedOut: boolean) {
    super(
      carriedOut
        ? `the registry carried out the request (status ${status}), but its answer was not valid JSON`
        : `the server sent an invalid JSON answer (status ${status})`,
      carriedOut
        ? 'Check the current state before trying again (writes are never retried automatically).'
        : 'Try again; if it persists, the registry is misbehaving.',
    );
    this.name = 'InvalidAnswerError';
  }
}

/**
 * Hex registries serve their API under /api (https://hex.pm/api). An API URL without it
 * reaches the web site instead, whose answers can pass for the API's ("not found"); the hint
 * that says so, for such a URL.
 */
export function missingApiHint(apiUrl: URL): string | undefined {
  if (/\/api\/?$/.test(apiUrl.pathname)) return undefined;
  const base = apiUrl.href.replace(/\/+$/, '');
  return `The API URL ${base} does not end in /api: try ${base}/api (HEX_API_URL, --api-url or \`hexts config api_url\`).`;
}

/** An answer that cannot be the Hex API's: most often an API URL without /api, so the web site answered. */
export class NotApiAnswerError extends CliError {
  constructor(readonly status: number, url: URL, type: string, body: Buffer, apiUrl: URL) {
    // A web page's title says more than its status (a proxy's block page, a 404 page…).
    const title = /<title[^>]*>([^<]{1,80})</i.exec(body.subarray(0, 4096).toString('utf8'))?.[1]?.trim().replace(/[\u0000-\u001f\u007f]/g, ' ');
    const what = [`status ${status}`, type.split(';')[0]!.trim(), title && `"${title}"`].filter(Boolean).join(', ');
    super(
      `the answer from ${url.host} is not the Hex API's (${what})`,
      missingApiHint(apiUrl) ?? 'Check the API URL (HEX_API_URL, --api-url or `hexts config api_url`); a proxy or firewall may be answering instead of the registry.',
    );
    this.name = 'NotApiAnswerError';
  }
}

function decodeBody(raw: RawResponse, write: boolean): unknown {
  if (raw.body.length === 0) return undefined;
  const type = header(raw.headers, 'content-type') ?? '';
  if (/[/+]json\b/.test(type)) {
    try {
      return JSON.parse(raw.body.toString('utf8'));
    } catch {
      // Saying "try again" after a write that went through would make a user repeat it.
      throw new InvalidAnswerError(raw.status, write && raw.status < 400);
    }
  }
  return raw.body.toString('utf8');
}

export { ApiError, NetworkError, checkScheme, describeNetworkError };
