import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { CliError } from '../errors.js';
import { isLoopbackHost } from '../util/net.js';

// Connection-level rules shared by the API client (undici) and the uploader (node:https):
// which URLs may be used, which CAs are trusted, and how network failures read.

/** A request that never got an HTTP answer: refused, reset, timed out, TLS failure. */
export class NetworkError extends CliError {
  constructor(message: string, readonly code: string | undefined, hint?: string) {
    super(message, hint);
    this.name = 'NetworkError';
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
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
  throw new CliError(`unsupported URL scheme ${url.protocol} in ${url.href}`);
}

export function describeNetworkError(err: unknown, url: URL, timeoutMs: number): NetworkError {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code;
  const host = url.host;
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

