import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { Deadline, describeNetworkError, loopbackLookup, NetworkError, proxyFor, ProxyTunnelError, type ProxySettings } from './network.js';

// One upload exchange (release and docs tarballs) with `Expect: 100-continue`: the server
// checks the credential, the OTP and the announced size before a byte of the body is sent,
// so a refusal costs no upload. undici does not support Expect on HTTP/1.1, hence node:https
// here, with the same rules as the rest of the transport (transport.ts sends through this and
// follows redirects): TLS verification always on, extra CAs, proxies, `localhost` without
// DNS, and a deadline scaled to the size of the tarball.

export interface UploadRequest {
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
  ca?: string[];
  proxy?: ProxySettings;
  onProgress?: (sent: number, total: number) => void;
}

export interface UploadResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Whether any of the body went out (the server said 100 Continue). */
  bodySent: boolean;
}

/** The connection failed after the body started to go out: the server may have acted on it. */
export class UploadInterruptedError extends NetworkError {}

const CHUNK = 64 * 1024;
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** A TLS connection to the target through an HTTP CONNECT tunnel. */
function tunnel(proxy: URL, target: URL, ca: string[] | undefined) {
  return (_options: unknown, done: (err: Error | null, socket?: Duplex) => void) => {
    const authority = `${target.hostname}:${target.port || 443}`;
    const headers: Record<string, string> = { host: authority };
    if (proxy.username) {
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers['proxy-authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    const connect = (proxy.protocol === 'https:' ? httpsRequest : httpRequest)({
      host: proxy.hostname,
      port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
      lookup: loopbackLookup,
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
    });
    connect.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        done(new ProxyTunnelError(res.statusCode ?? 0));
        return;
      }
      const host = target.hostname.replace(/^\[|\]$/g, '');
      const tls = tlsConnect({ socket, servername: isIP(host) ? undefined : host, host, ca, rejectUnauthorized: true });
      tls.once('secureConnect', () => done(null, tls));
      tls.once('error', (err) => done(err));
    });
    connect.once('error', (err) => done(err));
    connect.end();
  };
}

export function upload(request: UploadRequest): Promise<UploadResponse> {
  const { url, body } = request;
  const proxy = proxyFor(url, request.proxy);
  const options: RequestOptions & { ca?: string[]; servername?: string; rejectUnauthorized?: boolean } = {
    method: 'POST',
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || undefined,
    path: url.pathname + url.search,
    headers: {
      ...request.headers,
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
      expect: '100-continue',
    },
    agent: false,
    timeout: request.timeoutMs,
    lookup: loopbackLookup,
  };
  if (url.protocol === 'https:') {
    options.ca = request.ca;
    options.rejectUnauthorized = true;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!isIP(host)) options.servername = host; // SNI carries names only
    if (proxy) {
      // node uses createConnection only without an agent; with `agent: false` it would connect straight to the registry.
      options.agent = undefined;
      options.createConnection = tunnel(proxy, url, request.ca) as unknown as RequestOptions['createConnection'];
    }
  } else if (proxy) {
    // Plain http (loopback only) through a proxy: the absolute URL goes in the request line.
    Object.assign(options, { hostname: proxy.hostname, port: proxy.port || 80, path: url.href });
  }

  return new Promise((resolve, reject) => {
    let bodySent = false;
    let settled = false;
    const finish = (err: Error | null, response?: UploadResponse) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(response!);
    };
    const failure = (err: unknown): Error => {
      const described = describeNetworkError(err, url, request);
      if (!bodySent) return described;
      return new UploadInterruptedError(
        `${described.message} while the upload was under way`,
        described.code,
        'The registry may or may not have received it.',
      );
    };

    const req: ClientRequest = (url.protocol === 'https:' ? httpsRequest : httpRequest)(options);
    const deadline = new Deadline(request.timeoutMs, url.host, body.length, (err) => {
      finish(failure(err));
      req.destroy(err);
    });
    req.on('close', () => deadline.stop());
    req.on('continue', () => {
      bodySent = true;
      void writeBody(req, body, request.onProgress).catch((err) => req.destroy(err));
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const announced = Number(res.headers['content-length'] ?? NaN);
      // An announced size beyond the limit would also stretch the deadline: refused at once.
      if (announced > MAX_ANSWER_BYTES) res.destroy(new Error('the answer is too large'));
      deadline.answer(Number.isFinite(announced) ? announced : undefined);
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        deadline.add(chunk.length);
        if (size > MAX_ANSWER_BYTES) res.destroy(new Error('the answer is too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        deadline.stop();
        finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), bodySent });
        // Refused before the body went out: this connection cannot be reused, drop it.
        if (!bodySent) req.destroy();
      });
      res.on('error', (err) => finish(failure(err)));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' })));
    req.on('error', (err) => finish(failure(err)));
    req.flushHeaders();
  });
}

async function writeBody(req: ClientRequest, body: Buffer, onProgress?: (sent: number, total: number) => void): Promise<void> {
  let sent = 0;
  onProgress?.(0, body.length);
  while (sent < body.length) {
    const chunk = body.subarray(sent, sent + CHUNK);
    sent += chunk.length;
    if (!req.write(chunk)) await new Promise<void>((resolve) => req.once('drain', resolve));
    onProgress?.(sent, body.length);
  }
  req.end();
}
