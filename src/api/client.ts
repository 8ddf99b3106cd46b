import { decodeEtf, encodeEtf } from '../erlang/etf.js';
import { jsonToTerm, termToJson } from '../erlang/json.js';
import { prettyPrint } from '../erlang/pretty.js';
import { Tuple, atom, type Term } from '../erlang/term.js';
import { CliError } from '../errors.js';
import { redactUrl } from '../util/net.js';
import { ApiError, apiErrorFrom, MaintenanceError } from './errors.js';
import { checkScheme, describeNetworkError, inMaintenance, NetworkError, type ProxySettings } from './network.js';
import { header, Transport, type Method, type ResponseHeaders } from './transport.js';

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
  /** Where the registry's `x-hex-message` warnings go (`API warning: …`); a fatal message is thrown as the error. */
  notice?: (line: string) => void;
  /** Where retries (of failed GETs, and of any request during read-only maintenance) are announced, one line each, as they happen. */
  announce?: (line: string) => void;
}

export type { Method };

export interface RequestSpec {
  method: Method;
  /** A path under the API URL (`/users/me`) or an absolute URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON, or in Erlang's term format with `erlang`. */
  body?: unknown;
  /** Speak application/vnd.hex+erlang, as mini_repo-style servers only do. */
  erlang?: boolean;
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
  headers: ResponseHeaders;
  body: Buffer;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;
export function userAgent(version: string, env: Record<string, string | undefined>): string {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return `hexts/${version} (node/${process.versions.node})${ci ? ' (CI)' : ''}`;
}

const ERLANG_TYPE = 'application/vnd.hex+erlang';

export class ApiClient {
  readonly apiUrl: URL;
  private readonly transport: Transport;
  private cachedOtp: string | undefined;

  constructor(private readonly options: ClientOptions) {
    this.apiUrl = new URL(options.apiUrl.replace(/\/+$/, '') + '/');
    checkScheme(this.apiUrl);
    this.transport = new Transport(options);
  }

  async close(): Promise<void> {
    await this.transport.close();
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
    const body = spec.body === undefined ? undefined : spec.erlang ? encodeEtf(jsonToTerm(spec.body)) : JSON.stringify(spec.body);
    return this.authorized<T>(spec.method !== 'GET', spec.auth ?? 'optional', async (headers, credential) => {
      if (spec.erlang) headers.accept = ERLANG_TYPE;
      if (body !== undefined) headers['content-type'] = spec.erlang ? ERLANG_TYPE : 'application/json';
      return this.apiAnswer(await this.transport.request({ method: spec.method, url, headers, body, credential, maxBytes: MAX_BODY_BYTES }));
    });
  }

  /**
   * POSTs a tarball (`application/octet-stream`) with `Expect: 100-continue`. Never retried
   * once the body has gone out; a refused credential or OTP is answered before that.
   */
  async upload<T>(spec: { path: string; query?: RequestSpec['query']; body: Buffer; onProgress?: (sent: number, total: number) => void; erlang?: boolean }): Promise<ApiResponse<T>> {
    const url = this.url(spec);
    checkScheme(url);
    return this.authorized<T>(true, 'required', async (headers, credential) => {
      // mini_repo-style servers answer in Erlang's external term format only.
      if (spec.erlang) headers.accept = ERLANG_TYPE;
      return this.apiAnswer(await this.transport.upload({ url, headers, body: spec.body, credential, onProgress: spec.onProgress }));
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
      // Retried already (transport.ts); what is left to say is when to come back.
      if (inMaintenance(raw)) throw new MaintenanceError(this.apiUrl.host, raw.body, raw.headers);
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

  /**
   * Refuses an answer that cannot be the Hex API's, which always answers JSON to `Accept:
   * application/json`: a web page (or any other declared type), or a 406. (Redirects are followed, whatever their body; a
   * 5xx page from a load balancer stays a status error: the registry is down, not the URL wrong.)
   */
  private apiAnswer<R extends RawResponse & { url: URL }>(raw: R): R {
    const type = header(raw.headers, 'content-type') ?? '';
    const page = type !== '' && !/[/+]json\b/.test(type) && !type.startsWith(ERLANG_TYPE) && raw.body.length > 0 && (raw.status < 300 || (raw.status >= 400 && raw.status < 500));
    if (raw.status === 406 || page) throw new NotApiAnswerError(raw.status, raw.url, type, raw.body, this.apiUrl);
    return raw;
  }
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
  const base = redactUrl(apiUrl.href).replace(/\/+$/, '');
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
  if (type.startsWith(ERLANG_TYPE)) {
    let term: Term;
    try {
      term = decodeEtf(raw.body);
    } catch {
      throw new InvalidAnswerError(raw.status, write && raw.status < 400);
    }
    // mini_repo's refusals: "unauthorized", or {error, Reason}.
    if (term instanceof Tuple && term.elements.length === 2 && term.elements[0] === atom('error')) return { message: prettyPrint(term.elements[1]!) };
    return termToJson(term);
  }
  return raw.body.toString('utf8');
}

export { parseHexMessage } from './hex-message.js';
export { ApiError, NetworkError, checkScheme, describeNetworkError, header };
