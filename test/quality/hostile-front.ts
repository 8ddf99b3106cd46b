import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from '../helpers/registry.js';
import { makeCertificates } from '../../registry/tls.js';

// A hostile registry, over real HTTPS: a server in front of the local registry that forwards
// every request (method, headers, body) and its answer unchanged, except where a test tells it
// to misbehave for the next request matching a method and a path prefix:
//   - redirect it (301/302/303/307/308) to another origin — a listener that records all it
//     gets (the thief), the registry's own origin — or to its own origin;
//   - trickle the answer, a few bytes at a time, for a while, then send the rest;
//   - answer with a status and headers of its choosing (an absurd rate-limit reset, an
//     unparsable Location).
// The front, the thief and the registry each have their own origin (another port).

export interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The request head and body as bytes, for a search for secrets in every form. */
export function rawRequest(captured: Captured): Buffer {
  const head = `${captured.method} ${captured.path}\n${Object.entries(captured.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n`;
  return Buffer.concat([Buffer.from(head), captured.body]);
}

type Misdeed =
  | { kind: 'redirect'; status: number; to: 'thief' | 'registry' | 'self' | string }
  | { kind: 'trickle'; bytes: number; everyMs: number; forMs: number; chunked: boolean }
  | { kind: 'answer'; status: number; headers: Record<string, string>; body?: string };

interface Rule {
  method?: string;
  path: string;
  count: number;
  misdeed: Misdeed;
}

export interface Listener {
  url: string;
  stop(): Promise<void>;
}

export interface Thief extends Listener {
  /** Every request it received, whole. */
  captured: Captured[];
}

export interface HostileFront extends Listener {
  apiUrl: string;
  repoUrl: string;
  thief: Thief;
  /** A PEM file with the CAs of the front, the thief and the registry (HEX_CACERTS_PATH). */
  caCertPath: string;
  /** The registry's env() with the front's URLs and CAs. */
  env(): Record<string, string>;
  /** What the front received, in order. */
  received: Captured[];
  redirect(match: { method?: string; path: string; count?: number }, status: number, to: 'thief' | 'registry' | 'self' | string): void;
  /** `bytes` of the answer every `everyMs` for `forMs`, then the rest at once; `chunked`: no Content-Length. */
  trickle(match: { method?: string; path: string; count?: number }, pace: { bytes: number; everyMs: number; forMs: number; chunked?: boolean }): void;
  answer(match: { method?: string; path: string; count?: number }, status: number, headers: Record<string, string>, body?: string): void;
  clear(): void;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An HTTPS listener on 127.0.0.1 whose sockets all close on stop. */
async function listen(server: Server): Promise<{ url: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

export async function startHostileFront(registry: Registry): Promise<HostileFront> {
  const certs = await makeCertificates();
  const dir = mkdtempSync(join(tmpdir(), 'hexts-hostile-'));
  const caCertPath = join(dir, 'ca.pem');
  writeFileSync(caCertPath, `${certs.caCertPem}\n${registry.caCertPem}`);
  const target = new URL(registry.url);
  let rules: Rule[] = [];

  const captured: Captured[] = [];
  const thiefServer = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    void readBody(req).then((body) => {
      captured.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const thiefListener = await listen(thiefServer);
  const thief: Thief = { ...thiefListener, captured };

  const upstream = (method: string, path: string, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const forwarded: IncomingHttpHeaders = { ...headers, host: target.host, 'content-length': String(body.length) };
      delete forwarded.expect;
      delete forwarded['transfer-encoding'];
      delete forwarded.connection;
      const req = request({ host: target.hostname, port: target.port, path, method, headers: forwarded, ca: registry.caCertPem, agent: false }, (res) => {
        void readBody(res).then((answer) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: answer }), reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  const take = (method: string, path: string): Misdeed | undefined => {
    const rule = rules.find((r) => (!r.method || r.method === method) && path.startsWith(r.path));
    if (!rule) return undefined;
    if (--rule.count === 0) rules = rules.filter((r) => r !== rule);
    return rule.misdeed;
  };

  const received: Captured[] = [];
  let frontUrl = '';
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method!;
    const path = req.url!;
    const body = await readBody(req);
    received.push({ method, path, headers: req.headers, body });
    const misdeed = take(method, path.split('?')[0]!);
    if (misdeed?.kind === 'redirect') {
      const origin = misdeed.to === 'thief' ? thief.url : misdeed.to === 'registry' ? registry.url : misdeed.to === 'self' ? frontUrl : misdeed.to;
      res.writeHead(misdeed.status, { location: `${origin}${path}`, 'content-length': '0' }).end();
      return;
    }
    if (misdeed?.kind === 'answer') {
      res.writeHead(misdeed.status, misdeed.headers).end(misdeed.body ?? '');
      return;
    }
    const answer = await upstream(method, path, req.headers, body);
    const headers: IncomingHttpHeaders = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    if (misdeed?.kind !== 'trickle') {
      res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) }).end(answer.body);
      return;
    }
    if (misdeed.chunked) delete headers['content-length'];
    else headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers as Record<string, string>);
    let gone = false;
    res.on('close', () => (gone = true));
    const until = Date.now() + misdeed.forMs;
    let sent = 0;
    while (sent < answer.body.length && Date.now() < until && !gone) {
      res.write(answer.body.subarray(sent, sent + misdeed.bytes));
      sent += misdeed.bytes;
      await sleep(misdeed.everyMs);
    }
    if (!gone) res.end(answer.body.subarray(sent));
  };
  const server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  const frontListener = await listen(server);
  frontUrl = frontListener.url;

  const add = (match: { method?: string; path: string; count?: number }, misdeed: Misdeed) =>
    rules.push({ method: match.method, path: match.path, count: match.count ?? 1, misdeed });

  return {
    url: frontUrl,
    apiUrl: `${frontUrl}/api`,
    repoUrl: `${frontUrl}/repo`,
    thief,
    caCertPath,
    received,
    env: () => ({ ...registry.env(), HEX_API_URL: `${frontUrl}/api`, HEX_REPO_URL: `${frontUrl}/repo`, HEX_CACERTS_PATH: caCertPath }),
    redirect: (match, status, to) => add(match, { kind: 'redirect', status, to }),
    trickle: (match, pace) => add(match, { kind: 'trickle', chunked: false, ...pace }),
    answer: (match, status, headers, body) => add(match, { kind: 'answer', status, headers, body }),
    clear: () => {
      rules = [];
      received.length = 0;
      captured.length = 0;
    },
    stop: async () => {
      await frontListener.stop();
      await thief.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
