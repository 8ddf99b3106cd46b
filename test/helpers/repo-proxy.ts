import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request } from 'node:https';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from './registry.js';

// A plain-http reverse proxy on 127.0.0.1 in front of the local registry (hexts allows
// http:// only to loopback): it counts connections and requests in flight, can slow every
// answer down, and can rewrite the answer for a path, as a man in the middle would.

export interface ProxiedRequest {
  path: string;
  authorization: boolean;
  status: number;
}

type Rewrite = (body: Buffer, upstream: (path: string, headers?: Record<string, string>) => Promise<Buffer>) => Buffer | Promise<Buffer>;

export interface RepoProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request answered, in order. */
  requests: ProxiedRequest[];
  /** The most requests that were in flight at once. */
  maxInFlight: number;
  /** TCP connections the client opened. */
  connections: number;
  /** Each answer waits this long before it is forwarded. */
  delayMs: number;
  /** Replaces the body of the answer to `path` (exact, without query). */
  rewrite(path: string, change: Rewrite): void;
  reset(): void;
  stop(): Promise<void>;
}

export async function startRepoProxy(registry: Registry): Promise<RepoProxy> {
  const target = new URL(registry.url);
  const rewrites = new Map<string, Rewrite>();
  const sockets = new Set<Socket>();
  let inFlight = 0;

  const upstream = (path: string, headers: IncomingHttpHeaders | Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const forwarded = { ...headers, host: target.host };
      const req = request({ host: target.hostname, port: target.port, path, method: 'GET', headers: forwarded, ca: registry.caCertPem }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  const proxy: RepoProxy = {
    url: '',
    requests: [],
    maxInFlight: 0,
    connections: 0,
    delayMs: 0,
    rewrite: (path, change) => void rewrites.set(path, change),
    reset: () => {
      rewrites.clear();
      proxy.requests = [];
      proxy.maxInFlight = 0;
      proxy.connections = 0;
      proxy.delayMs = 0;
    },
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };

  const server: Server = createServer((req, res) => {
    inFlight++;
    proxy.maxInFlight = Math.max(proxy.maxInFlight, inFlight);
    const path = req.url ?? '/';
    (async () => {
      if (proxy.delayMs) await sleep(proxy.delayMs);
      const answer = await upstream(path, req.headers);
      const change = rewrites.get(path.split('?')[0]!);
      let body = answer.body;
      if (change && answer.status === 200) body = await change(body, async (p, h) => (await upstream(p, h)).body);
      const headers = { ...answer.headers, 'content-length': String(body.length) };
      proxy.requests.push({ path, authorization: req.headers.authorization !== undefined, status: answer.status });
      res.writeHead(answer.status, headers);
      res.end(body);
    })()
      .catch(() => res.destroy())
      .finally(() => inFlight--);
  });
  server.on('connection', (socket: Socket) => {
    proxy.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return proxy;
}
