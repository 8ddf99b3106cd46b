import { X509Certificate } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../errors.js';
import { isLoopbackHost, redactUrl } from '../util/net.js';

// Connection-level rules of the transport (transport.ts: the API client, the uploader and the
// repository reader): which URLs may be used, how `localhost` is reached, which CAs are
// trusted, which proxy a request goes through, how long a request may take, how failed GETs
// are retried, and how network failures read.

/** The resolved http_proxy, https_proxy and no_proxy settings. */
export interface ProxySettings {
  http?: string;
  https?: string;
  noProxy?: string;
}

/** What describing a failure needs to know besides the error and the URL. */
export interface NetworkSettings {
  timeoutMs: number;
  proxy?: ProxySettings;
}

/** A request that never got an HTTP answer: refused, reset, timed out, TLS failure. */
export class NetworkError extends CliError {
  constructor(message: string, readonly code: string | undefined, hint?: string) {
    super(message, hint);
    this.name = 'NetworkError';
  }
}

/** The code of a DeadlineExceeded, for describeNetworkError and retryable. */
const DEADLINE = 'HEXTS_DEADLINE';

const RETRYABLE_CODES = new Set([
  DEADLINE, 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED',
]);

const CACERTS_HINT = 'Point HEX_CACERTS_PATH (or `hexts config cacerts_path`) at a PEM file of CA certificates, or unset it.';

export function readCaCerts(path: string): string[] {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the CA certificates in ${path} (HEX_CACERTS_PATH): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, CACERTS_HINT);
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new CliError(`${path} (HEX_CACERTS_PATH) holds no PEM certificate`, CACERTS_HINT);
  // TLS would skip a damaged certificate without a word, and the registry would then look untrusted.
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw new CliError(`certificate ${i + 1} of ${blocks.length} in ${path} (HEX_CACERTS_PATH) cannot be read`, CACERTS_HINT);
    }
  });
  // Extra CAs are trusted in addition to the system's, never instead of them.
  return [...rootCertificates, pem];
}

/** Refuses plain http:// to anything but this machine, before any connection is made. */
export function checkScheme(url: URL): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  if (url.protocol === 'http:') {
    throw new CliError(
      `refusing to send a request over plain http:// to ${url.host}`,
      'Use an https:// URL; plain http is allowed only for loopback addresses (127.0.0.1, ::1, localhost).',
    );
  }
  throw new CliError(`unsupported URL scheme ${url.protocol} in ${redactUrl(url.href)}`);
}

/**
 * The resolver for every connection: `localhost` is this machine's loopback address, never a
 * question to DNS (whose answer could send a plain-http request elsewhere); other names as usual.
 */
export function loopbackLookup(
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  if (hostname.toLowerCase() !== 'localhost') {
    dnsLookup(hostname, options, callback as (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void);
    return;
  }
  const addresses = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]
    .filter((a) => !options.family || options.family === a.family || options.family === `IPv${a.family}`);
  if (options.all) callback(null, addresses);
  else callback(null, addresses[0]!.address, addresses[0]!.family);
}

/** Whether `no_proxy` (comma-separated hosts, `.suffix`/`*.suffix`, optional :port, or `*`) covers this host. */
export function bypassesProxy(hostname: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return noProxy.split(/[\s,]+/).filter(Boolean).some((entry) => {
    if (entry === '*') return true;
    const [name = '', entryPort] = entry.toLowerCase().split(/:(?=\d+$)/);
    if (entryPort && entryPort !== port) return false;
    const suffix = name.replace(/^\*?\./, '');
    return host === suffix || host.endsWith(`.${suffix}`);
  });
}

/** The proxy a request to `url` goes through, if any. */
export function proxyFor(url: URL, proxy: ProxySettings | undefined): URL | undefined {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (!proxy || bypassesProxy(url.hostname, port, proxy.noProxy)) return undefined;
  const chosen = url.protocol === 'https:' ? proxy.https || proxy.http : proxy.http;
  return chosen ? new URL(chosen) : undefined;
}

/** A proxy that answered the CONNECT for a tunnel with anything but 200. */
export class ProxyTunnelError extends Error {
  constructor(readonly status: number) {
    super(`the proxy refused the tunnel (status ${status})`);
    this.name = 'ProxyTunnelError';
  }
}

/** The status of a refused tunnel, from our uploader or from undici ("Proxy response (502) !== 200 when HTTP Tunneling"). */
function tunnelStatus(err: Error): number | undefined {
  if (err instanceof ProxyTunnelError) return err.status;
  const status = /^Proxy response \((\d+)\)/.exec(err.message ?? '')?.[1];
  return status === undefined ? undefined : Number(status);
}

/** A failure to reach the proxy itself, named as such: blaming the registry would send the user the wrong way. */
function describeProxyError(err: NodeJS.ErrnoException, code: string | undefined, url: URL, proxy: URL): NetworkError | undefined {
  // Only the proxy's host and port: its URL may carry a password.
  const via = `the proxy ${proxy.host}`;
  const setting = url.protocol === 'https:' ? 'https_proxy' : 'http_proxy';
  const hint = `Check ${setting} (\`hexts info\` shows the proxy and where it is set), or list ${url.hostname} in no_proxy.`;
  const status = tunnelStatus(err);
  if (status !== undefined) {
    return new NetworkError(`${via} refused the connection to ${url.host} (status ${status})`, code,
      status === 407 ? 'The proxy wants credentials: put them in its URL (http://USER:PASSWORD@HOST:PORT).' : `The proxy could not reach ${url.host}. ${hint}`);
  }
  if (code === 'ECONNREFUSED') return new NetworkError(`cannot connect to ${via} (for ${url.host}): connection refused`, code, hint);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new NetworkError(`cannot reach ${via} (for ${url.host}): ${code}`, code, hint);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new NetworkError(`cannot resolve the host of ${via} (for ${url.host})`, code, hint);
  return undefined;
}

const MIB = 1024 * 1024;

/** A request that ran past its deadline (see Deadline). */
export class DeadlineExceeded extends Error {
  readonly code = DEADLINE;
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * How long one request may take, from its start to the last byte of the answer: the timeout
 * (HEX_HTTP_TIMEOUT), plus as much again for each MiB it moves — the body sent, and the size
 * the answer announces (Content-Length) or, while that is unknown, the bytes that arrived so
 * far. A server that trickles its answer a byte at a time never outlasts that, however short
 * its pauses; a slow but steady download of a large tarball gets its time. Expiry calls
 * `expire` with a DeadlineExceeded that states the figures.
 */
export class Deadline {
  private readonly started = Date.now();
  private answered = false;
  private announced: number | undefined;
  private received = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `sent`: the size of the request body. */
  constructor(private readonly timeoutMs: number, private readonly host: string, private readonly sent: number, private readonly expire: (err: DeadlineExceeded) => void) {
    this.schedule();
  }

  /** The answer began; its size, if announced. */
  answer(announced: number | undefined): void {
    this.answered = true;
    this.announced = announced;
    this.schedule();
  }

  /** Bytes of the answer that arrived. */
  add(bytes: number): void {
    this.received += bytes;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private allowedMs(): number {
    return this.timeoutMs * (1 + (this.sent + Math.max(this.announced ?? 0, this.received)) / MIB);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const left = this.started + this.allowedMs() - Date.now();
    this.timer = setTimeout(() => {
      // Bytes that arrived since the timer was set may have earned more time.
      if (this.started + this.allowedMs() > Date.now() + 1) this.schedule();
      else this.expire(this.exceeded());
    }, Math.max(0, left));
    this.timer.unref();
  }

  private exceeded(): DeadlineExceeded {
    const within = seconds(this.allowedMs());
    if (!this.answered) return new DeadlineExceeded(`${this.host} did not answer within ${within}`, 'Try again later, or raise HEX_HTTP_TIMEOUT (seconds).');
    const per = seconds(this.timeoutMs);
    const moved = [
      this.sent > 0 ? `${formatBytes(this.sent)} sent` : '',
      `${formatBytes(this.received)}${this.announced !== undefined ? ` of ${formatBytes(this.announced)}` : ''} received`,
    ].filter(Boolean).join(', ');
    return new DeadlineExceeded(
      `${this.host} did not finish its answer within ${within} (${moved}; the limit is ${per} (HEX_HTTP_TIMEOUT) plus ${per} per MiB)`,
      'The server is sending too slowly: try again later, or raise HEX_HTTP_TIMEOUT (seconds).',
    );
  }
}

export function describeNetworkError(err: unknown, url: URL, settings: NetworkSettings): NetworkError {
  if (err instanceof DeadlineExceeded) return new NetworkError(err.message, err.code, err.hint);
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code;
  const host = url.host;
  const { timeoutMs } = settings;
  const proxy = proxyFor(url, settings.proxy);
  const viaProxy = proxy && describeProxyError(e, code, url, proxy);
  if (viaProxy) return viaProxy;
  if (code && TLS_TRUST_CODES.has(code)) {
    return new NetworkError(
      `the TLS certificate of ${host} is not trusted (${code})`,
      code,
      'If the registry uses a private CA, point HEX_CACERTS_PATH at a PEM file holding it.',
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new NetworkError(`the TLS certificate of ${host} is not valid now (${code})`, code,
      'The server must renew its certificate (or check this machine\'s clock).');
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new NetworkError(`the TLS certificate of ${host} does not name that host (${code})`, code,
      'Use the host name the certificate was issued for, or fix the server\'s certificate.');
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new NetworkError(`${host} did not answer within ${timeoutMs / 1000} s`, code,
      'Try again later, or raise HEX_HTTP_TIMEOUT (seconds).');
  }
  if (code === 'ECONNREFUSED') {
    return new NetworkError(`cannot connect to ${host}: connection refused`, code, 'Check the URL (HEX_API_URL, HEX_REPO_URL) and that the registry is running.');
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new NetworkError(`cannot resolve the host ${url.hostname}`, code, 'Check the host name and this machine\'s DNS (or proxy) settings.');
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') {
    return new NetworkError(`the connection to ${host} was closed before the answer arrived`, code,
      'The registry or the network between here and it dropped the connection; try again later.');
  }
  return new NetworkError(`request to ${host} failed: ${e.message}${code ? ` (${code})` : ''}`, code);
}

export function retryable(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code;
  return code !== undefined && RETRYABLE_CODES.has(code);
}

export interface RetrySettings extends NetworkSettings {
  /** The first try and the retries. */
  attempts: number;
  /** Where each retry is announced, one line, as it happens (stderr, always). */
  announce?: (line: string) => void;
  /** A write: tried again only after a read-only maintenance answer, never after a failure (it may have been carried out). */
  write?: boolean;
}

/**
 * hex.pm's answer while it is in read-only maintenance: 503 with `"error":
 * "temporarily_unavailable"`, to writes, token refreshes and logins. It says that nothing was
 * done, so even a write may be sent again.
 */
export function inMaintenance(response: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }): boolean {
  if (response.status !== 503 || !/[/+]json\b/.test(String(response.headers['content-type'] ?? ''))) return false;
  try {
    return (JSON.parse(response.body.toString('utf8')) as { error?: unknown } | null)?.error === 'temporarily_unavailable';
  } catch {
    return false;
  }
}

/**
 * One request, tried again after a connection failure or a 5xx answer (a write: only after a
 * maintenance answer): `attempts` tries in all, 0.2 s, 0.4 s… apart. Each retry is announced as
 * it happens, and a failure after retries says how many tries it took and how long they took
 * in all: "did not answer within 3 s" alone would hide that the user waited three times as
 * long. A CliError from `once` (a refusal of ours, such as a download over its size limit) is
 * never retried.
 */
export async function withRetries<R extends { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
  url: URL,
  settings: RetrySettings,
  once: () => Promise<R>,
): Promise<R> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    let why: string;
    try {
      const response = await once();
      const maintenance = inMaintenance(response);
      if ((!maintenance && (settings.write || response.status < 500)) || attempt === settings.attempts) return response;
      why = maintenance ? `${url.host} is in read-only maintenance` : `${url.host} answered with status ${response.status}`;
    } catch (err) {
      if (err instanceof CliError || settings.write) throw err;
      const described = describeNetworkError(err, url, settings);
      if (!retryable(err) || attempt === settings.attempts) {
        if (attempt === 1) throw described;
        throw new NetworkError(`${described.message} (${attempt} attempts, ${seconds(Date.now() - started)} in all)`, described.code, described.hint);
      }
      why = described.message;
    }
    const delay = 200 * 2 ** (attempt - 1);
    settings.announce?.(`${why}; retrying in ${seconds(delay)} (${attempt}/${settings.attempts - 1})…`);
    await sleep(delay);
  }
}

/** 200 → "0.2 s", 9612 → "9.6 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** 16777216 → "16 MiB", 1500 → "1500 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${Number((bytes / MIB).toFixed(1))} MiB`;
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

