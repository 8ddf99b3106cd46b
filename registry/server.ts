import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as arrange from './arrange.js';
import { Core, HEXPM } from './core.js';
import { generateEcKeyPair } from './crypto.js';
import { parseFault, Faults, type Fault } from './faults.js';
import {
  BadRequest,
  bytes,
  errorReply,
  Halt,
  negotiate,
  parseBody,
  renderBody,
  view,
  type Ctx,
  type Format,
  type Reply,
} from './http.js';
import { MiniRepos, type MiniOptions, type MiniRelease } from './mini.js';
import { HEX_CLI_CLIENT_ID } from './oauth.js';
import { Messages, type Message } from './notices.js';
import { rebuildRepository } from './packages.js';
import { runApiPipeline } from './pipeline.js';
import { generateRepositoryKeyPair } from './repository/files.js';
import { RequestLog, type LoggedRequest } from './request-log.js';
import { matchRoute, type Route } from './router.js';
import { authRoutes } from './routes/auth.js';
import { docsRoutes } from './routes/docs.js';
import { keyRoutes } from './routes/keys.js';
import { browserRoutes, miscRoutes } from './routes/misc.js';
import { oauthRoutes } from './routes/oauth.js';
import { organizationRoutes } from './routes/organizations.js';
import { ownerRoutes } from './routes/owners.js';
import { packageRoutes } from './routes/packages.js';
import { releaseRoutes } from './routes/releases.js';
import { repoRoutes } from './routes/repo.js';
import { repositoryRoutes } from './routes/repositories.js';
import { retirementRoutes } from './routes/retirements.js';
import { testRoutes } from './routes/test.js';
import { userRoutes } from './routes/users.js';
import { Clock, DEFAULT_CONFIG, emptyData, Storage, type Config, type Data, type Secrets } from './state.js';
import { serveDirectory, staticRoot } from './static.js';
import { makeCertificates, type Certificates } from './tls.js';

// A hex.pm-compatible registry on https://127.0.0.1 for tests: the API under /api (pipeline.ts,
// routes/), the repository under /repo (routes/repo.ts) and test controls under /_test
// (routes/test.ts, faults.ts, request-log.ts). State lives in state.ts and core.ts. Optionally
// a static repository directory under /static (static.ts) and a mini_repo-style server under
// /mini (mini.ts).

export interface RegistryOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Persist state here and reload it on start (keys and certificates included). */
  dataDir?: string;
  /** Accept `Authorization: Basic` (hex.pm has switched it off). */
  basicAuth?: boolean;
  /** Serve with these instead of a fresh CA and certificate (e.g. an expired one). */
  certificates?: Certificates;
  /** Serve this directory read-only under /static/ (a repository `mix hex.registry build` wrote). */
  staticDir?: string;
  /** Serve these repositories mini_repo-style under /mini/. */
  mini?: MiniOptions;
}

export interface MiniEndpoint {
  /** https://127.0.0.1:PORT/mini/api; a client's API URL for REPO is `${apiUrl}/repos/REPO`. */
  apiUrl: string;
  /** https://127.0.0.1:PORT/mini/repos/REPO, the repository's files. */
  repoUrl(repo: string): string;
  /** The PEM (PKCS#1) REPO's files are signed for; throws for an unconfigured REPO. */
  publicKeyPem(repo: string): string;
  /** What was published to REPO, package by package; throws for an unconfigured REPO. */
  published(repo: string): Record<string, MiniRelease[]>;
}

export interface Registry {
  /** https://127.0.0.1:PORT */
  url: string;
  apiUrl: string;
  repoUrl: string;
  port: number;
  caCertPem: string;
  /** A PEM file with the CA, for HEX_CACERTS_PATH. */
  caCertPath: string;
  repoPublicKeyPem: string;
  repoPublicKeyPath: string;
  /** https://127.0.0.1:PORT/static, when started with `staticDir`. */
  staticUrl: string | null;
  /** The mini_repo-style server, when started with `mini`. */
  mini: MiniEndpoint | null;
  /**
   * HEX_API_URL, HEX_REPO_URL, HEX_CACERTS_PATH, HEXTS_REPO_PUBLIC_KEY_PATH, and
   * HEXTS_OAUTH_CLIENT_ID: the client hexts logs in with here, as a self-hosted hexpm's operators
   * would give it (the Hex CLI's id, which this registry registers as hexpm's seeds do).
   */
  env(): Record<string, string>;
  /** Closes the server and every connection; waits for state to be written. */
  stop(): Promise<void>;

  // In-process versions of the /_test controls.
  createUser(options: arrange.NewUserOptions): void;
  verifyUser(username: string): void;
  setTotp(username: string, secret: string | null): void;
  createOrganization(options: { name: string; admin: string; billingActive?: boolean; seats?: number | null }): void;
  addMember(organization: string, username: string, role: 'admin' | 'write' | 'read'): void;
  setBilling(organization: string, active: boolean): void;
  /** The organization requires single sign-on (`personalKeys`: whether members' personal keys still reach it), or not (null). */
  setSso(organization: string, policy: { personalKeys: 'allow' | 'block' } | null): void;
  /** The identity-provider step of an SSO verification URI's `code`, as `username`. */
  completeSso(code: string, username: string): void;
  /** Returns the key's secret. */
  createKey(owner: { user: string } | { organization: string }, params: { name: string; permissions?: unknown; revoke_at?: string }): string;
  createToken(username: string, scopes?: string[]): { accessToken: string; refreshToken: string };
  /** `scopes`: the boxes the user leaves ticked on the consent page (default: every requested scope). */
  approveDevice(userCode: string, username: string, scopes?: string[]): void;
  denyDevice(userCode: string): void;
  advanceClock(seconds: number): void;
  now(): Date;
  configure(changes: Partial<Config>): Config;
  /** Same JSON as POST /_test/faults. */
  addFault(fault: Record<string, unknown>): void;
  clearFaults(): void;
  /** An `x-hex-message` header on matching answers (POST /_test/messages). */
  addMessage(message: Message): void;
  clearMessages(): void;
  requests(): LoggedRequest[];
  clearRequests(): void;
  publish(tarball: Buffer, options: { publisher: string; repository?: string; replace?: boolean }): Promise<{ version: string; checksum: string }>;
  /** Same as POST /_test/retirements: retires a release (null unretires). */
  retire(options: Parameters<typeof arrange.retireRelease>[1]): void;
  /** Same as POST /_test/advisories. */
  addAdvisory(options: arrange.NewAdvisory): void;
  /** Stores a docs tarball for a published release, served at the repository's docs/NAME-VERSION.tar.gz. */
  publishDocs(name: string, version: string, tarball: Buffer, options?: { repository?: string }): void;
}

const API_ROUTES: Route[] = [
  ...miscRoutes,
  ...userRoutes,
  ...oauthRoutes,
  ...authRoutes,
  ...keyRoutes,
  ...organizationRoutes,
  ...repositoryRoutes,
  ...packageRoutes,
  ...releaseRoutes,
  ...retirementRoutes,
  ...docsRoutes,
  ...ownerRoutes,
];

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const storage = new Storage(options.dataDir ?? null);
  const loaded = await storage.loadState();
  const data: Data = loaded?.data ?? emptyData(Date.now(), { ...DEFAULT_CONFIG });
  data.advisories ??= []; // state written before advisories were kept
  // Settings added since the state was saved take their defaults.
  data.config = { ...DEFAULT_CONFIG, ...data.config };
  const secrets: Secrets = loaded?.secrets ?? (await newSecrets());
  if (options.basicAuth !== undefined) data.config.basicAuth = options.basicAuth;
  // State written before single sign-on existed.
  data.orgSessions ??= [];
  data.ssoAuthorizations ??= [];
  if (options.certificates) Object.assign(secrets, certificateSecrets(options.certificates));

  const core = new Core(data, secrets, new Clock(data), storage);
  core.changed();
  rebuildRepository(core, HEXPM);
  for (const organization of data.organizations) rebuildRepository(core, organization.name);

  const fileDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'hexts-registry-')));
  await mkdir(fileDir, { recursive: true });
  const caCertPath = join(fileDir, 'ca.pem');
  const repoPublicKeyPath = join(fileDir, 'repo_public_key.pem');
  await writeFile(caCertPath, secrets.caCertPem);
  await writeFile(repoPublicKeyPath, secrets.repoPublicKeyPem);

  const staticDir = options.staticDir === undefined ? null : await staticRoot(options.staticDir);
  const mini = options.mini ? new MiniRepos(options.mini, () => `${core.url}/mini`) : null;
  const faults = new Faults();
  const messages = new Messages();
  const log = new RequestLog();
  const routes = [...API_ROUTES, ...repoRoutes, ...browserRoutes];
  const controlRoutes = testRoutes({ faults, messages, log, mini });
  const aborter = new AbortController();
  const sockets = new Set<Socket>();

  const server: Server = createServer({ cert: secrets.serverCertPem, key: secrets.serverKeyPem, minVersion: 'TLSv1.2' });
  const handle = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => {
    handleRequest({ core, req, res, expectContinue, routes, controlRoutes, staticDir, mini, faults, messages, log, signal: aborter.signal }).catch((err: unknown) => {
      if (!aborter.signal.aborted) console.error('registry: request failed', err);
      res.destroy();
    });
  };
  server.on('request', (req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  core.url = `https://127.0.0.1:${port}`;

  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      aborter.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await storage.flush();
      if (!options.dataDir) await rm(fileDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  return {
    url: core.url,
    apiUrl: `${core.url}/api`,
    repoUrl: `${core.url}/repo`,
    port,
    caCertPem: secrets.caCertPem,
    caCertPath,
    repoPublicKeyPem: secrets.repoPublicKeyPem,
    repoPublicKeyPath,
    staticUrl: staticDir === null ? null : `${core.url}/static`,
    mini: mini && {
      apiUrl: `${core.url}/mini/api`,
      repoUrl: (repo) => `${core.url}/mini/repos/${repo}`,
      publicKeyPem: (repo) => mini.publicKeyPem(repo) ?? unknownMiniRepo(repo),
      published: (repo) => mini.published(repo) ?? unknownMiniRepo(repo),
    },
    env: () => ({
      HEX_API_URL: `${core.url}/api`,
      HEX_REPO_URL: `${core.url}/repo`,
      HEX_CACERTS_PATH: caCertPath,
      HEXTS_REPO_PUBLIC_KEY_PATH: repoPublicKeyPath,
      HEXTS_OAUTH_CLIENT_ID: HEX_CLI_CLIENT_ID,
    }),
    stop,
    createUser: (o) => void arrange.createUser(core, o),
    verifyUser: (username) => arrange.verifyUser(core, username),
    setTotp: (username, secret) => arrange.setTotp(core, username, secret),
    createOrganization: (o) => void arrange.newOrganization(core, o),
    addMember: (organization, username, role) => arrange.addOrganizationMember(core, organization, username, role),
    setBilling: (organization, active) => arrange.setBilling(core, organization, active),
    setSso: (organization, policy) => arrange.setSso(core, organization, policy),
    completeSso: (code, username) => arrange.completeSso(core, code, username),
    createKey: (owner, params) => arrange.newKey(core, owner, params),
    createToken: (username, scopes) => arrange.newToken(core, username, scopes),
    approveDevice: (userCode, username, scopes) => arrange.approveDeviceCode(core, userCode, username, scopes),
    denyDevice: (userCode) => arrange.denyDeviceCode(core, userCode),
    advanceClock: (seconds) => arrange.advanceClock(core, seconds),
    now: () => new Date(core.now()),
    configure: (changes) => arrange.configure(core, changes),
    addFault: (fault) => faults.add(parseFault(fault)),
    clearFaults: () => faults.clear(),
    addMessage: (message) => messages.add(message),
    clearMessages: () => messages.clear(),
    requests: () => log.list(),
    clearRequests: () => log.clear(),
    publish: async (tarball, o) => {
      const release = await arrange.publishTarball(core, tarball, o);
      return { version: release.version, checksum: release.outerChecksum };
    },
    retire: (o) => arrange.retireRelease(core, o),
    addAdvisory: (o) => arrange.addAdvisory(core, o),
    publishDocs: (name, version, tarball, o = {}) => arrange.publishDocsTarball(core, name, version, tarball, o.repository),
  };
}

function unknownMiniRepo(repo: string): never {
  throw new Error(`no mini repository ${repo}`);
}

async function newSecrets(): Promise<Secrets> {
  const jwt = generateEcKeyPair();
  const repo = generateRepositoryKeyPair();
  return {
    appSecret: randomBytes(32).toString('hex'),
    jwtPrivateKeyPem: jwt.privateKeyPem,
    jwtPublicKeyPem: jwt.publicKeyPem,
    repoPrivateKeyPem: repo.privateKeyPem,
    repoPublicKeyPem: repo.publicKeyPem,
    ...certificateSecrets(await makeCertificates()),
  };
}

function certificateSecrets(certificates: Certificates): Pick<Secrets, 'caCertPem' | 'caKeyPem' | 'serverCertPem' | 'serverKeyPem'> {
  return {
    caCertPem: certificates.caCertPem,
    caKeyPem: certificates.caKeyPem,
    serverCertPem: certificates.certPem,
    serverKeyPem: certificates.keyPem,
  };
}

// ---------------------------------------------------------------- one request

interface RequestContext {
  core: Core;
  req: IncomingMessage;
  res: ServerResponse;
  expectContinue: boolean;
  routes: Route[];
  controlRoutes: Route[];
  /** Real path of the --static directory. */
  staticDir: string | null;
  mini: MiniRepos | null;
  faults: Faults;
  messages: Messages;
  log: RequestLog;
  signal: AbortSignal;
}

async function handleRequest(rc: RequestContext): Promise<void> {
  const { req, res } = rc;
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart < 0 ? '' : url.slice(queryStart + 1);
  const method = req.method ?? 'GET';
  const control = rawPath.startsWith('/_test/');
  const entry = control ? null : rc.log.start(req);

  let bodyRead: Buffer | null = null;
  let bodyIncomplete = false;
  let continued = false;
  // Past `limit` the rest is read and dropped (so the client sees the 413, not a reset).
  const readBody = (limit: number): Promise<Buffer> => {
    if (bodyRead) return Promise.resolve(bodyRead);
    if (rc.expectContinue && !continued) {
      continued = true;
      res.writeContinue();
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (entry) entry.body_bytes = size;
        if (size <= limit) chunks.push(chunk);
      });
      req.once('end', () => {
        if (size > limit) {
          reject(new Halt(errorReply(413)));
          return;
        }
        bodyRead = Buffer.concat(chunks);
        resolve(bodyRead);
      });
      req.once('error', (err) => {
        bodyIncomplete = true;
        reject(err);
      });
    });
  };

  const fault = control ? null : rc.faults.take(method, rawPath);
  if (fault?.type === 'reset_before_body') {
    req.socket.destroy();
    return;
  }
  if (fault?.type === 'reset_after_body') {
    await readBody(Number.MAX_SAFE_INTEGER).catch(() => undefined);
    req.socket.destroy();
    return;
  }
  if (fault?.type === 'delay') {
    try {
      await sleep(fault.delayMs, undefined, { signal: rc.signal });
    } catch {
      return;
    }
    if (req.socket.destroyed) return;
  }

  const ctx: Ctx = {
    core: rc.core,
    req,
    method,
    rawPath,
    rawQuery,
    params: {},
    pathParams: {},
    format: negotiate(req.headers.accept, null) ?? 'json',
    remoteIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    auth: { credential: null, user: null, organization: null, email: null },
    expectContinue: rc.expectContinue,
    body: null,
    readBody,
  };
  const extraHeaders: Record<string, string> = {};
  const message = control ? undefined : rc.messages.take(method, rawPath);
  // Node writes header values one byte per character; hex.pm's are UTF-8.
  if (message !== undefined) extraHeaders['x-hex-message'] = Buffer.from(message, 'utf8').toString('latin1');
  let reply: Reply;
  try {
    reply = fault ? (faultReply(fault, rc.core) ?? (await route(rc, ctx, extraHeaders))) : await route(rc, ctx, extraHeaders);
  } catch (err) {
    if (err instanceof Halt) reply = err.reply;
    else {
      console.error('registry: handler failed', err);
      reply = errorReply(500);
    }
  }
  // A body the client was never asked for (or that was cut short) leaves the connection unusable.
  const closeConnection = bodyIncomplete || (rc.expectContinue && bodyRead === null);
  // The Date header tells the registry's own (test-movable) time, as a real server's clock would.
  const date = new Date(rc.core.now()).toUTCString();
  writeReply(res, reply, ctx.format, { date, ...extraHeaders, ...(closeConnection ? { connection: 'close' } : {}) }, fault);
  if (entry) entry.status = reply.status;
}

async function route(rc: RequestContext, ctx: Ctx, extraHeaders: Record<string, string>): Promise<Reply> {
  let segments: string[];
  try {
    segments = ctx.rawPath.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    return errorReply(400);
  }
  if (ctx.rawPath.startsWith('/_test/')) {
    const match = matchRoute(rc.controlRoutes, ctx.method, segments);
    if (!match) return view(404, { error: 'no such test route' });
    const body = await ctx.readBody(50 * 1024 * 1024);
    ctx.format = 'json';
    try {
      ctx.params = { ...parseBody('application/json', body), ...match.params };
    } catch (err) {
      if (err instanceof BadRequest) return view(400, { error: 'the body must be JSON' });
      throw err;
    }
    return match.route.handler(ctx);
  }
  if (rc.staticDir !== null && segments[0] === 'static' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    return serveDirectory(ctx, rc.staticDir, segments.slice(1));
  }
  if (rc.mini && segments[0] === 'mini') return rc.mini.handle(ctx, segments);
  const match = matchRoute(rc.routes, ctx.method, segments);
  if (!match) return errorReply(404);
  ctx.pathParams = match.params;
  if (ctx.rawPath === '/api' || ctx.rawPath.startsWith('/api/')) return runApiPipeline(ctx, match.route, extraHeaders);
  ctx.params = { ...match.params };
  return match.route.handler(ctx);
}

function faultReply(fault: Fault, core: Core): Reply | null {
  if (fault.type === 'status') {
    const headers: Record<string, string> = fault.wwwAuthenticate ? { 'www-authenticate': fault.wwwAuthenticate } : {};
    return errorReply(fault.status!, { message: fault.message, headers });
  }
  if (fault.type === 'answer') return bytes(fault.status!, Buffer.from(JSON.stringify(fault.body)), 'application/json');
  if (fault.type === 'rate_limited') {
    const reset = Math.floor(core.now() / 1000) + fault.resetAfterSeconds!;
    return errorReply(429, {
      message: 'API rate limit exceeded for IP 127.0.0.1',
      headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
    });
  }
  return null;
}

function writeReply(res: ServerResponse, reply: Reply, format: Format, extraHeaders: Record<string, string>, fault: Fault | null): void {
  const headers: Record<string, string> = { vary: 'accept-encoding', ...extraHeaders, ...reply.headers };
  let data: Buffer = Buffer.alloc(0);
  const noBody = reply.status === 204 || reply.status === 304;
  if (reply.body.kind === 'view' && !noBody) {
    const rendered = renderBody(format, reply.body.value);
    data = rendered.data;
    headers['content-type'] = rendered.contentType;
  } else if (reply.body.kind === 'bytes' && !noBody) {
    data = reply.body.data;
    if (reply.body.contentType !== null) headers['content-type'] = reply.body.contentType;
  }
  if (fault?.type === 'truncate_download' && data.length > 1) {
    headers['content-length'] = String(data.length);
    res.writeHead(reply.status, headers);
    res.write(data.subarray(0, Math.floor(data.length / 2)), () => res.socket?.destroy());
    return;
  }
  if (fault?.type === 'truncate_body') data = data.subarray(0, Math.floor(data.length / 2));
  if (!noBody) headers['content-length'] = String(data.length);
  res.writeHead(reply.status, headers);
  res.end(data);
}
