// The transport against a hostile registry (issue 14), over real HTTPS: a server in front of
// the local registry (hostile-front.ts) that redirects, trickles or answers nonsense where a
// test says so, and a thief on another origin that records whatever reaches it.
//
// | Attack                                                   | Command                          | Expected                                                    |
// |----------------------------------------------------------|----------------------------------|-------------------------------------------------------------|
// | 307 of GET /api/users/me (key in Authorization) → thief  | user whoami                      | exit 1 naming both origins; the thief gets nothing          |
// | 307 / 308 of POST /api/users (password in body) → thief  | user register --password-stdin   | the same                                                    |
// | 307 of POST /api/oauth/token (client_secret) → thief     | package fetch --organization     | the same (the organization key never leaves)                |
// | 302 of a private tarball (Authorization) → thief         | package fetch --organization     | the same                                                    |
// | 307 of the upload POST …/releases → thief                 | publish package --yes            | the same; nothing published                                 |
// | 308 of POST /api/oauth/device_authorization → thief      | user auth --no-browser           | the same                                                    |
// | 307 of POST /api/users to the same origin                | user register --password-stdin   | followed: the body sent again, the account made             |
// | 302 of a public tarball, 301 of an anonymous API GET     | package fetch, info              | followed to the other origin, without credentials           |
// |   → the registry's own origin                            |                                  |                                                             |
// | a tarball trickled with Content-Length, HEX_HTTP_TIMEOUT=1 | package fetch                  | exit 1 "did not finish its answer within 1 s (… of N bytes   |
// |                                                          |                                  | received; …)" after 3 tries; nothing written                |
// | an API answer trickled without Content-Length            | info                             | exit 1, the same; raising HEX_HTTP_TIMEOUT lets a steady     |
// |                                                          |                                  | trickle finish                                              |
// | 429 with x-ratelimit-reset 1e20 (API and repository)     | info, package fetch              | exit 1 "the registry answered something hexts does not      |
// |                                                          |                                  | understand: …", never "unexpected failure"                  |
// | 302 with an unparsable Location                          | info                             | the same                                                    |
// | http://x.localhost (DNS would answer 127.0.0.1)          | info                             | refused before any lookup or connection                     |
// | http://localhost (DNS would answer: no such host)        | info, package fetch              | connected to 127.0.0.1 without asking DNS                   |
// | user:password@ in HEX_API_URL / HEX_REPO_URL             | --verbose user whoami, fetch     | the password nowhere: not in output, the pinned-key warning, |
// |                                                          |                                  | repository-keys.json, caches or the credential index        |
import assert from 'node:assert/strict';
import dns from 'node:dns';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { startRepoProxy, type RepoProxy } from '../helpers/repo-proxy.js';
import { makeTarball } from '../../registry/tarballs.js';
import { rawRequest, startHostileFront, type HostileFront } from './hostile-front.js';
import { tree } from './state.js';

let registry: Registry;
let front: HostileFront;
let aliceKey: string;
let orgKey: string;
let tinyTarball: Buffer;
const cleanups: Array<() => void> = [];
const PASSWORD = 'correct horse battery staple';

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: PASSWORD });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }] });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  tinyTarball = await makeTarball({ name: 'tiny', version: '1.0.0' });
  await registry.publish(tinyTarball, { publisher: 'alice' });
  await registry.publish(await makeTarball({ name: 'secret', version: '1.0.0' }), { publisher: 'alice', repository: 'acme' });
  front = await startHostileFront(registry);
});
after(async () => {
  await front.stop();
  await registry.stop();
  cleanups.forEach((c) => c());
});
afterEach(() => {
  front.clear();
  registry.clearRequests();
});

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-transport-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** hexts against the hostile front, from a fresh HOME. */
const viaFront = (argv: string[], options: { env?: Record<string, string | undefined>; stdin?: string; cwd?: string; dir?: string } = {}): Promise<CliResult> => {
  const dir = options.dir ?? home();
  return runCli(argv, { env: cliEnv(registry, dir, { ...front.env(), ...options.env }), stdin: options.stdin, cwd: options.cwd ?? dir });
};

/** One `error:` line matching `message`, its hint next, exit 1. */
function assertError(result: CliResult, message: RegExp, hint?: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trimEnd().split('\n');
  const at = lines.findIndex((l) => l.startsWith('error: '));
  assert.ok(at >= 0, `no error line in:\n${result.stderr}`);
  assert.match(lines[at]!, message);
  if (hint) assert.match(lines.slice(at + 1).join('\n'), hint);
  assert.doesNotMatch(result.stderr, /unexpected failure/);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('redirects: a credential or a body never leaves the origin it was sent to', () => {
  const crossOrigin = (method: string, prefix = '') =>
    new RegExp(`^error: ${prefix}refusing to follow a redirect of a ${method} request from ${escape(front.url)} to ${escape(front.thief.url)}: a request with a credential or a body never leaves the origin it was sent to$`);
  const HINT = /^If the registry has moved to https:\/\/127\.0\.0\.1:\d+, point hexts there \(HEX_API_URL, HEX_REPO_URL\)/m;

  /** Nothing reached the thief: not a request, let alone a secret. */
  const thiefGotNothing = (secrets: string[]) => {
    for (const captured of front.thief.captured) {
      for (const secret of secrets) assert.ok(!rawRequest(captured).includes(secret), `the thief got ${secret.slice(0, 6)}… in ${captured.method} ${captured.path}`);
    }
    assert.deepEqual(front.thief.captured.map((c) => `${c.method} ${c.path}`), []);
  };

  test('GET /api/users/me with the key in Authorization, 307 to another origin', async () => {
    front.redirect({ method: 'GET', path: '/api/users/me' }, 307, 'thief');
    const result = await viaFront(['user', 'whoami'], { env: { HEX_API_KEY: aliceKey } });
    assertError(result, crossOrigin('GET'), HINT);
    thiefGotNothing([aliceKey]);
  });

  for (const status of [307, 308]) {
    test(`POST /api/users with the password in the body, ${status} to another origin`, async () => {
      front.redirect({ method: 'POST', path: '/api/users' }, status, 'thief');
      const password = `register-${status}-a-long-password`;
      const result = await viaFront(['user', 'register', '--username', `carol${status}`, '--email', `carol${status}@example.com`, '--password-stdin'], { stdin: `${password}\n` });
      assertError(result, crossOrigin('POST'), HINT);
      thiefGotNothing([password]);
      assert.deepEqual(registry.requests().filter((r) => r.method === 'POST'), [], 'the registry never got the account either');
    });
  }

  test('the key exchange (POST /api/oauth/token, client_secret = the organization key), 307 to another origin', async () => {
    front.redirect({ method: 'POST', path: '/api/oauth/token' }, 307, 'thief');
    const out = scratchDir();
    const result = await viaFront(['package', 'fetch', 'secret', '--organization', 'acme', '-o', out], { env: { HEX_API_KEY: orgKey, HEXTS_REPO_OAUTH_EXCHANGE: 'true' } });
    assertError(result, crossOrigin('POST'), HINT);
    thiefGotNothing([orgKey]);
    assert.ok(front.received.some((r) => r.method === 'POST' && r.path === '/api/oauth/token'), 'the exchange went to the front');
    assert.deepEqual(tree(out), {});
  });

  test('a private tarball (GET with Authorization), 302 to another origin', async () => {
    front.redirect({ method: 'GET', path: '/repo/repos/acme/tarballs/' }, 302, 'thief');
    const out = scratchDir();
    const result = await viaFront(['package', 'fetch', 'secret', '--organization', 'acme', '-o', out], { env: { HEX_API_KEY: orgKey } });
    assertError(result, crossOrigin('GET'), HINT);
    thiefGotNothing([orgKey]);
    assert.deepEqual(tree(out), {});
  });

  test('the upload of a release (POST /api/packages/NAME/releases), 307 to another origin: nothing published', async () => {
    front.redirect({ method: 'POST', path: '/api/packages/moved_pkg/releases' }, 307, 'thief');
    const project = makeProject({ app: 'moved_pkg', version: '1.0.0' });
    cleanups.push(project.cleanup);
    const result = await viaFront(['publish', 'package', '--yes'], { env: { HEX_API_KEY: aliceKey }, cwd: project.dir });
    assertError(result, crossOrigin('POST', 'Publishing failed: '), HINT);
    thiefGotNothing([aliceKey]);
    assert.equal((await viaFront(['info', 'moved_pkg'])).code, 1, 'not published');
  });

  test('the device flow (POST /api/oauth/device_authorization), 308 to another origin', async () => {
    front.redirect({ method: 'POST', path: '/api/oauth/device_authorization' }, 308, 'thief');
    const result = await viaFront(['user', 'auth', '--no-browser']);
    assertError(result, crossOrigin('POST'), HINT);
    thiefGotNothing([]);
  });

  test('a 307 within the origin is followed, the body sent again', async () => {
    front.redirect({ method: 'POST', path: '/api/users' }, 307, 'self');
    const result = await viaFront(['user', 'register', '--username', 'dave', '--email', 'dave@example.com', '--password-stdin'], { stdin: 'dave-has-a-long-password\n' });
    assert.equal(result.code, 0, result.stderr);
    const posts = front.received.filter((r) => r.method === 'POST' && r.path === '/api/users');
    assert.equal(posts.length, 2);
    assert.deepEqual(posts[1]!.body, posts[0]!.body);
    assert.equal(registry.requests().filter((r) => r.method === 'POST' && r.path === '/api/users').length, 1);
  });

  test('public data without a credential may come from another origin, and no credential goes there', async () => {
    front.redirect({ method: 'GET', path: '/repo/tarballs/tiny-1.0.0.tar' }, 302, 'registry');
    front.redirect({ method: 'GET', path: '/api/packages/tiny' }, 301, 'registry');
    const out = scratchDir();
    const fetched = await viaFront(['package', 'fetch', 'tiny', '-o', out]);
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.deepEqual(readFileSync(join(out, 'tiny-1.0.0.tar')), tinyTarball);
    const info = await viaFront(['info', 'tiny']);
    assert.equal(info.code, 0, info.stderr);
    const direct = registry.requests().filter((r) => r.path === '/repo/tarballs/tiny-1.0.0.tar' || r.path === '/api/packages/tiny');
    assert.deepEqual(direct.map((r) => [r.method, r.path, r.authorization]), [['GET', '/repo/tarballs/tiny-1.0.0.tar', null], ['GET', '/api/packages/tiny', null]]);
  });
});

describe('bounded in time: a trickling server does not keep a command alive', () => {
  test('a tarball trickled a byte at a time (Content-Length announced): the deadline, stated, after three tries; nothing written', async () => {
    front.trickle({ method: 'GET', path: '/repo/tarballs/tiny-1.0.0.tar', count: 3 }, { bytes: 1, everyMs: 50, forMs: 20_000 });
    const out = scratchDir();
    const result = await viaFront(['package', 'fetch', 'tiny', '-o', out], { env: { HEX_HTTP_TIMEOUT: '1' } });
    assertError(result,
      new RegExp(`^error: 127\\.0\\.0\\.1:\\d+ did not finish its answer within 1 s \\(\\d+ bytes of ${tinyTarball.length} bytes received; the limit is 1 s \\(HEX_HTTP_TIMEOUT\\) plus 1 s per MiB\\) \\(3 attempts, [\\d.]+ s in all\\)$`),
      /^The server is sending too slowly: try again later, or raise HEX_HTTP_TIMEOUT \(seconds\)\.$/m);
    assert.deepEqual(tree(out), {});
  });

  test('an API answer trickled without Content-Length: the same bound', async () => {
    front.trickle({ method: 'GET', path: '/api/packages/tiny', count: 3 }, { bytes: 1, everyMs: 50, forMs: 20_000, chunked: true });
    const result = await viaFront(['info', 'tiny'], { env: { HEX_HTTP_TIMEOUT: '1' } });
    assertError(result,
      /^error: 127\.0\.0\.1:\d+ did not finish its answer within 1 s \(\d+ bytes received; the limit is 1 s \(HEX_HTTP_TIMEOUT\) plus 1 s per MiB\) \(3 attempts, [\d.]+ s in all\)$/,
      /raise HEX_HTTP_TIMEOUT/);
  });

  test('a slow but steady answer: raising HEX_HTTP_TIMEOUT lets it finish', async () => {
    const pace = { bytes: Math.ceil(tinyTarball.length / 30), everyMs: 50, forMs: 20_000 };
    front.trickle({ method: 'GET', path: '/repo/tarballs/tiny-1.0.0.tar', count: 3 }, pace);
    const out = scratchDir();
    assertError(await viaFront(['package', 'fetch', 'tiny', '-o', out], { env: { HEX_HTTP_TIMEOUT: '0.5' } }), /did not finish its answer within 0\.5 s/);
    front.clear();
    front.trickle({ method: 'GET', path: '/repo/tarballs/tiny-1.0.0.tar' }, pace);
    const raised = await viaFront(['package', 'fetch', 'tiny', '-o', out], { env: { HEX_HTTP_TIMEOUT: '30' } });
    assert.equal(raised.code, 0, raised.stderr);
    assert.deepEqual(readFileSync(join(out, 'tiny-1.0.0.tar')), tinyTarball);
  });
});

describe('answers hexts cannot read are errors that say so', () => {
  const NOT_UNDERSTOOD = /^error: the registry answered something hexts does not understand: /;

  test('429 with an x-ratelimit-reset no clock can show, from the API and from the repository', async () => {
    front.answer({ method: 'GET', path: '/api/packages/tiny' }, 429, { 'content-type': 'application/json', 'x-ratelimit-reset': '1e20' }, '{"status":429,"message":"API rate limit exceeded"}');
    assertError(await viaFront(['info', 'tiny']), /^error: the registry answered something hexts does not understand: x-ratelimit-reset "1e20" is not a time$/, /misbehaving/);
    front.answer({ method: 'GET', path: '/repo/tarballs/tiny-1.0.0.tar' }, 429, { 'x-ratelimit-reset': '-7' });
    assertError(await viaFront(['package', 'fetch', 'tiny', '-o', scratchDir()]), /^error: the registry answered something hexts does not understand: x-ratelimit-reset "-7" is not a time$/);
  });

  test('a redirect whose Location is not a URL', async () => {
    front.answer({ method: 'GET', path: '/api/packages/tiny' }, 302, { location: 'https://[oops/' });
    assertError(await viaFront(['info', 'tiny']), new RegExp(`${NOT_UNDERSTOOD.source}a redirect to "https://\\[oops/", which is not a URL$`));
    front.answer({ method: 'GET', path: '/repo/packages/tiny' }, 301, { location: 'http://exa mple.com/' });
    assertError(await viaFront(['package', 'fetch', 'tiny', '-o', scratchDir()]), new RegExp(`${NOT_UNDERSTOOD.source}a redirect to "http://exa mple\\.com/", which is not a URL$`));
  });
});

describe('loopback means loopback', () => {
  let proxy: RepoProxy;
  const asked: string[] = [];
  const systemLookup = dns.lookup;
  before(async () => {
    proxy = await startRepoProxy(registry);
    // A resolver that lies: *.localhost is this machine, and localhost itself does not exist.
    (dns as { lookup: unknown }).lookup = (hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
      asked.push(hostname);
      if (hostname === 'localhost') return process.nextTick(() => callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname })));
      if (hostname.endsWith('.localhost')) return systemLookup('127.0.0.1', options as dns.LookupOptions, callback as never);
      return systemLookup(hostname, options as dns.LookupOptions, callback as never);
    };
  });
  after(async () => {
    (dns as { lookup: unknown }).lookup = systemLookup;
    await proxy.stop();
  });
  afterEach(() => {
    asked.length = 0;
    proxy.reset();
  });

  const plain = (host: string) => {
    const port = new URL(proxy.url).port;
    return { HEX_API_URL: `http://${host}:${port}/api`, HEX_REPO_URL: `http://${host}:${port}/repo` };
  };

  test('http://x.localhost is refused before any lookup or connection', async () => {
    const dir = home();
    const result = await runCli(['info', 'tiny'], { env: cliEnv(registry, dir, plain('x.localhost')) });
    assertError(result, /^error: api_url must be an https:\/\/ URL \(plain http:\/\/ only to this machine: 127\.0\.0\.1, ::1, localhost\): "http:\/\/x\.localhost:\d+\/api" \(using HEX_API_URL\)$/);
    assert.deepEqual(asked, []);
    assert.equal(proxy.connections, 0);
  });

  test('http://localhost reaches this machine without asking DNS', async () => {
    const dir = home();
    const info = await runCli(['info', 'tiny'], { env: cliEnv(registry, dir, plain('localhost')) });
    assert.equal(info.code, 0, info.stderr);
    const out = scratchDir();
    const fetched = await runCli(['package', 'fetch', 'tiny', '-o', out], { env: cliEnv(registry, dir, plain('localhost')) });
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.deepEqual(readFileSync(join(out, 'tiny-1.0.0.tar')), tinyTarball);
    assert.deepEqual(asked, []);
    assert.ok(proxy.requests.some((r) => r.path === '/repo/tarballs/tiny-1.0.0.tar'));
  });
});

describe('a password in the registry\'s URLs stays out of output and files', () => {
  const SECRET = 'url-sentinel-5e1f/9a';
  const withUserinfo = (url: string) => url.replace('https://', `https://reguser:${encodeURIComponent(SECRET)}@`);

  /** No form of the password in the output or in any file under `dir`. */
  const assertNowhere = (result: CliResult, dir: string) => {
    for (const form of [SECRET, encodeURIComponent(SECRET), 'url-sentinel']) {
      assert.ok(!result.stdout.includes(form) && !result.stderr.includes(form), `the password (${form}) is in the output:\n${result.stderr}`);
      for (const file of readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
        const path = join(file.parentPath, file.name);
        assert.ok(!readFileSync(path).includes(form), `the password is in ${path}`);
      }
    }
  };

  test('the repository URL: --verbose lines, the first-use key warning and repository-keys.json', async () => {
    const dir = home();
    const env = cliEnv(registry, dir, { HEX_REPO_URL: withUserinfo(registry.repoUrl), HEXTS_REPO_PUBLIC_KEY_PATH: undefined });
    const result = await runCli(['--verbose', 'package', 'fetch', 'tiny', '-o', join(dir, 'out')], { env, cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`Pinned the public key of ${escape(registry.repoUrl)} on first use`));
    assert.match(result.stderr, new RegExp(`^> GET ${escape(registry.repoUrl)}/packages/tiny$`, 'm'));
    const pins = JSON.parse(readFileSync(join(dir, '.config', 'hexts', 'repository-keys.json'), 'utf8'));
    assert.deepEqual(Object.keys(pins.keys), [registry.repoUrl]);
    assertNowhere(result, dir);
  });

  test('the API URL: --verbose lines, the login\'s registry, the credential index', async () => {
    const dir = home();
    const env = cliEnv(registry, dir, { HEX_API_URL: withUserinfo(registry.apiUrl) });
    const login = await runCli(['--verbose', 'user', 'auth', '--key', '-'], { env, stdin: aliceKey, cwd: dir });
    assert.equal(login.code, 0, login.stderr);
    assertNowhere(login, dir);
    const whoami = await runCli(['--verbose', 'user', 'whoami'], { env, cwd: dir });
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.match(whoami.stdout, new RegExp(`Registry: ${escape(registry.apiUrl)}$`, 'm'));
    assertNowhere(whoami, dir);
    assert.ok(existsSync(join(dir, '.config', 'hexts', 'credentials-index.json')));
  });
});
