// The API client against the local registry over real HTTPS: no part of our HTTP stack is
// replaced. Faults come from the registry's test switch (/_test/faults).
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiClient, NetworkError, NotApiAnswerError, parseHexMessage, userAgent } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import * as keys from '../../src/api/keys.js';
import * as releases from '../../src/api/releases.js';
import * as users from '../../src/api/users.js';
import { CliError } from '../../src/errors.js';
import { totpCode, base32Decode } from '../../registry/crypto.js';
import { makeCertificates } from '../../registry/tls.js';
import { clientFor, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
let aliceKey: string;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'test', permissions: [{ domain: 'api', resource: null }] });
});
after(() => registry.stop());

const keyAuth = (key: string) => ({ authorization: async () => ({ value: key, credential: 'a test key' }) });
const currentCode = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));
const logged = (method: string, prefix: string) => registry.requests().filter((r) => r.method === method && r.path.startsWith(prefix));

describe('JSON round trips', () => {
  test('register then read back a user', async () => {
    const client = clientFor(registry);
    try {
      await users.register(client, { username: 'bob', email: 'bob@example.com', password: 'a long password' });
      const read = await users.get(client, 'bob');
      assert.equal(read.username, 'bob');
      // Fields hexts does not read come through as they were sent.
      assert.match((read as { inserted_at?: string }).inserted_at!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    } finally {
      await client.close();
    }
  });

  test('requests carry Accept JSON, the User-Agent and the raw key', async () => {
    registry.clearRequests();
    const client = clientFor(registry, { auth: keyAuth(aliceKey), userAgent: userAgent('9.9.9', { CI: 'true' }) });
    try {
      const me = await users.me(client);
      assert.equal(me.username, 'alice');
    } finally {
      await client.close();
    }
    const [request] = logged('GET', '/api/users/me');
    assert.equal(request!.headers.accept, 'application/json');
    assert.match(request!.headers['user-agent']!, /^hexts\/9\.9\.9 \(node\/\d+\.\d+\.\d+\) \(CI\)$/);
    const { createHash } = await import('node:crypto');
    assert.equal(request!.authorization, `sha256:${createHash('sha256').update(aliceKey).digest('hex')}`);
  });
});

describe('error shapes', () => {
  test('401 without credentials: the server message, verbatim', async () => {
    const client = clientFor(registry);
    try {
      await assert.rejects(users.me(client), (err: ApiError) => {
        assert.equal(err.status, 401);
        assert.equal(err.message, 'missing authentication information');
        assert.deepEqual(err.lines(), ['missing authentication information']);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  test('404 with the default message', async () => {
    const client = clientFor(registry);
    try {
      await assert.rejects(client.get('/packages/no_such_package'), (err: ApiError) => err.status === 404 && err.message === 'Page not found');
    } finally {
      await client.close();
    }
  });

  test('422 errors tree rendered as mix prints it, nested maps indented', async () => {
    const client = clientFor(registry);
    try {
      await assert.rejects(users.register(client, { username: 'carol', email: 'x', password: 'short' }), (err: ApiError) => {
        assert.equal(err.status, 422);
        assert.deepEqual(err.lines(), [
          'Validation error(s)',
          '  emails:',
          '    email: has invalid format',
          '  password: should be at least 8 character(s)',
        ]);
        return true;
      });
      await assert.rejects(users.register(client, { username: 'alice', email: 'alice2@example.com', password: 'a long password' }), (err: ApiError) => {
        assert.deepEqual(err.lines(), ['Validation error(s)', '  username: has already been taken']);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  test('401 for a key that lacks the domain; 403 for a non-owner on hexpm; 404 for a low role in an organization', async () => {
    registry.createOrganization({ name: 'shapes', admin: 'alice' });
    registry.createUser({ username: 'reader', password: 'correct horse battery' });
    registry.addMember('shapes', 'reader', 'read');
    await registry.publish(readFileSync(new URL('../fixtures/registry/tiny-1.0.0.tar', import.meta.url)), { publisher: 'alice' });
    const readerKey = registry.createKey({ user: 'reader' }, { name: 'r', permissions: [{ domain: 'api', resource: null }] });
    const repoOnly = registry.createKey({ user: 'alice' }, { name: 'repo', permissions: [{ domain: 'repository', resource: 'shapes' }] });
    const repoClient = clientFor(registry, { auth: keyAuth(repoOnly) });
    const readerClient = clientFor(registry, { auth: keyAuth(readerKey) });
    try {
      await assert.rejects(users.me(repoClient), (err: ApiError) => err.status === 401 && err.message === 'key not authorized for this action');
      await assert.rejects(releases.retire(readerClient, 'tiny', '1.0.0', 'other', 'not mine'), (err: ApiError) =>
        err.status === 403 && err.message === 'account not authorized for this action');
      // hexpm hides an organization from a member whose role is too low, as if it did not exist.
      await assert.rejects(
        keys.create(readerClient, { name: 'x', permissions: [{ domain: 'repository', resource: 'shapes' }] }, 'shapes'),
        (err: ApiError) => err.status === 404 && err.message === 'Page not found',
      );
    } finally {
      await repoClient.close();
      await readerClient.close();
    }
  });
});

describe('two-factor authentication', () => {
  test('totp_required then invalid_totp then a good code: three tries, the code sent as x-hex-otp', async () => {
    registry.createUser({ username: 'tfa', password: 'correct horse battery' });
    registry.setTotp('tfa', TOTP_SECRET);
    const { accessToken } = registry.createToken('tfa', ['api']);
    const asked: boolean[] = [];
    const client = clientFor(registry, {
      auth: keyAuth(`Bearer ${accessToken}`),
      otp: { code: async (invalid) => (asked.push(invalid), asked.length === 1 ? '000000' : currentCode()) },
    });
    registry.clearRequests();
    try {
      const key = await keys.create(client, { name: 'with-otp', permissions: [{ domain: 'api', resource: null }] });
      assert.equal(key.name, 'with-otp');
    } finally {
      await client.close();
    }
    assert.deepEqual(asked, [false, true]);
    const posts = logged('POST', '/api/keys');
    assert.deepEqual(posts.map((p) => p.status), [401, 401, 201]);
    assert.equal(posts[0]!.headers['x-hex-otp'], undefined);
    assert.equal(posts[1]!.headers['x-hex-otp'], '000000');
  });

  test('gives up after three codes', async () => {
    const { accessToken } = registry.createToken('tfa', ['api']);
    let asked = 0;
    const client = clientFor(registry, { auth: keyAuth(`Bearer ${accessToken}`), otp: { code: async () => (asked++, '111111') } });
    try {
      await assert.rejects(keys.create(client, { name: 'never', permissions: [] }), (err: ApiError) => err.status === 401 && err.authError === 'invalid_totp');
    } finally {
      await client.close();
    }
    assert.equal(asked, 3);
  });
});

describe('OAuth refresh', () => {
  test('a 401 token_expired challenge refreshes once and retries', async () => {
    registry.addFault({ type: 'status', status: 401, path: '/api/users/me', message: 'token expired', www_authenticate: 'Bearer realm="hex", error="token_expired"' });
    let refreshed = 0;
    let token = 'Bearer stale';
    const fresh = registry.createToken('alice', ['api']).accessToken;
    const client = clientFor(registry, {
      auth: { authorization: async () => ({ value: token, credential: 'a test token' }), refresh: async () => ((token = `Bearer ${fresh}`), ++refreshed > 0) },
    });
    try {
      assert.equal((await users.me(client)).username, 'alice');
    } finally {
      await client.close();
    }
    assert.equal(refreshed, 1);
  });

  test('a refused Bearer token gets one refresh, then the error stands', async () => {
    let refreshed = 0;
    const client = clientFor(registry, { auth: { authorization: async () => ({ value: 'Bearer not-a-token', credential: 'a test token' }), refresh: async () => (refreshed++, true) } });
    try {
      await assert.rejects(users.me(client), (err: ApiError) => err.status === 401 && err.message === 'invalid API key');
    } finally {
      await client.close();
    }
    assert.equal(refreshed, 1);
  });
});

describe('retries, timeouts and dropped connections', () => {
  test('GET is retried after 500 and 503 and succeeds on the third try', async () => {
    registry.clearRequests();
    registry.addFault({ type: 'status', status: 503, path: '/api/users/alice', count: 1 });
    registry.addFault({ type: 'status', status: 500, path: '/api/users/alice', count: 1 });
    const client = clientFor(registry);
    try {
      assert.equal((await users.get(client, 'alice')).username, 'alice');
    } finally {
      await client.close();
    }
    assert.deepEqual(logged('GET', '/api/users/alice').map((r) => r.status), [503, 500, 200]);
  });

  test('GET gives up after two retries with the last status', async () => {
    registry.addFault({ type: 'status', status: 502, path: '/api/users/alice', count: 3 });
    const client = clientFor(registry);
    try {
      await assert.rejects(users.get(client, 'alice'), (err: ApiError) => err.status === 502);
    } finally {
      await client.close();
    }
  });

  test('POST is never retried: one 500, one request', async () => {
    registry.clearRequests();
    registry.addFault({ type: 'status', status: 500, path: '/api/keys', method: 'POST' });
    const client = clientFor(registry, { auth: keyAuth(aliceKey) });
    try {
      await assert.rejects(keys.create(client, { name: 'once', permissions: [] }), (err: ApiError) => err.status === 500 && err.message === 'Internal server error');
    } finally {
      await client.close();
    }
    assert.equal(logged('POST', '/api/keys').length, 1);
  });

  test('a POST whose connection drops after the body: one request, and the outcome is called unknown', async () => {
    registry.clearRequests();
    registry.addFault({ type: 'reset_after_body', path: '/api/keys', method: 'POST' });
    const client = clientFor(registry, { auth: keyAuth(aliceKey) });
    try {
      await assert.rejects(keys.create(client, { name: 'dropped', permissions: [] }), (err: NetworkError) => {
        assert.ok(err instanceof NetworkError);
        assert.match(err.message, /may or may not have been carried out/);
        return true;
      });
    } finally {
      await client.close();
    }
    assert.equal(logged('POST', '/api/keys').length, 1);
  });

  test('a GET whose connection is reset is retried', async () => {
    registry.clearRequests();
    registry.addFault({ type: 'reset_before_body', path: '/api/users/alice' });
    const client = clientFor(registry);
    try {
      assert.equal((await users.get(client, 'alice')).username, 'alice');
    } finally {
      await client.close();
    }
    assert.equal(logged('GET', '/api/users/alice').length, 2);
  });

  test('a response slower than the timeout: each retry announced, then a timeout error with the tries and their real total', async () => {
    registry.clearRequests();
    registry.addFault({ type: 'delay', delay_ms: 2500, path: '/api/users/alice', count: 3 });
    const announced: string[] = [];
    const client = clientFor(registry, { timeoutMs: 1000, announce: (line) => announced.push(line) });
    const host = new URL(registry.url).host;
    try {
      await assert.rejects(users.get(client, 'alice'), (err: NetworkError) => {
        assert.ok(err instanceof NetworkError);
        const [, total] = err.message.match(/^127\.0\.0\.1:\d+ did not answer within 1 s \(3 attempts, (\d+(?:\.\d)?) s in all\)$/) ?? assert.fail(err.message);
        // Three tries that each waited out the 1 s timeout (connecting included), and the two pauses between them.
        assert.ok(Number(total) >= 3, err.message);
        assert.match(err.hint!, /HEX_HTTP_TIMEOUT/);
        return true;
      });
    } finally {
      await client.close();
    }
    assert.deepEqual(announced, [
      `${host} did not answer within 1 s; retrying in 0.2 s (1/2)…`,
      `${host} did not answer within 1 s; retrying in 0.4 s (2/2)…`,
    ]);
    assert.equal(logged('GET', '/api/users/alice').length, 3);
  });

  test('a 5xx burst: each retry announced with the status; nothing announced for a write', async () => {
    registry.addFault({ type: 'status', status: 503, path: '/api/users/alice', count: 2 });
    registry.addFault({ type: 'status', status: 500, path: '/api/keys', method: 'POST' });
    const announced: string[] = [];
    const client = clientFor(registry, { auth: keyAuth(aliceKey), announce: (line) => announced.push(line) });
    const host = new URL(registry.url).host;
    try {
      assert.equal((await users.get(client, 'alice')).username, 'alice');
      await assert.rejects(keys.create(client, { name: 'unannounced', permissions: [] }), (err: ApiError) => err.status === 500);
    } finally {
      await client.close();
    }
    assert.deepEqual(announced, [
      `${host} answered with status 503; retrying in 0.2 s (1/2)…`,
      `${host} answered with status 503; retrying in 0.4 s (2/2)…`,
    ]);
  });

  test('429 says how long to wait, from x-ratelimit-reset', async () => {
    registry.addFault({ type: 'rate_limited', path: '/api/users/alice', reset_after_seconds: 42 });
    const client = clientFor(registry);
    try {
      await assert.rejects(users.get(client, 'alice'), (err: ApiError) => {
        assert.equal(err.status, 429);
        assert.equal(err.message, 'API rate limit exceeded for IP 127.0.0.1');
        assert.match(err.hint!, /^Rate limited: try again in (4[0-2]) s/);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  test('a real rate limit from the registry', async () => {
    registry.advanceClock(61); // a fresh window
    registry.configure({ rateLimit: 2 });
    const client = clientFor(registry, { auth: keyAuth(aliceKey) });
    try {
      await users.me(client);
      await users.me(client);
      await assert.rejects(users.me(client), (err: ApiError) => err.status === 429 && /^API rate limit exceeded for user/.test(err.message));
    } finally {
      registry.configure({ rateLimit: 500 });
      registry.advanceClock(61);
      await client.close();
    }
  });

  test('a truncated JSON answer is a clear error', async () => {
    registry.addFault({ type: 'truncate_body', path: '/api/users/alice' });
    const client = clientFor(registry);
    try {
      await assert.rejects(users.get(client, 'alice'), (err: CliError) => /invalid JSON answer \(status 200\)/.test(err.message));
    } finally {
      await client.close();
    }
  });
});

describe('TLS and schemes', () => {
  test('a server whose CA is not trusted is refused, naming HEX_CACERTS_PATH', async () => {
    const other = await makeCertificates();
    const dir = mkdtempSync(join(tmpdir(), 'hexts-ca-'));
    writeFileSync(join(dir, 'other.pem'), other.caCertPem);
    for (const caCertsPath of [undefined, join(dir, 'other.pem')]) {
      const client = clientFor(registry, { caCertsPath });
      try {
        await assert.rejects(users.get(client, 'alice'), (err: NetworkError) => {
          assert.match(err.message, /TLS certificate of 127\.0\.0\.1:\d+ is not trusted/);
          assert.match(err.hint!, /HEX_CACERTS_PATH/);
          return true;
        });
      } finally {
        await client.close();
      }
    }
  });

  test('plain http:// to another host is refused before any connection; loopback is allowed', async () => {
    let connections = 0;
    const server = createHttpServer((_req, res) => res.end('{}')).on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      assert.throws(() => new ApiClient({ apiUrl: 'http://hex.example.com/api', userAgent: 'x', timeoutMs: 1000 }), (err: CliError) =>
        /refusing to send a request over plain http:\/\/ to hex\.example\.com/.test(err.message));
      const port = (server.address() as AddressInfo).port;
      const local = new ApiClient({ apiUrl: `http://127.0.0.1:${port}/api`, userAgent: 'x', timeoutMs: 1000 });
      await local.get('/anything');
      await local.close();
      assert.equal(connections, 1);
    } finally {
      server.close();
    }
  });
});

describe('redirects', () => {
  let server: ReturnType<typeof createHttpsServer>;
  let base: string;
  const seen: Array<{ path: string; authorization?: string }> = [];

  before(async () => {
    const certs = await makeCertificates();
    server = createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      seen.push({ path: req.url!, authorization: req.headers.authorization });
      const hop = req.url!.match(/^\/api\/hop\/(\d+)$/);
      if (hop && Number(hop[1]) > 0) {
        res.writeHead(Number(hop[1]) % 2 ? 302 : 307, { location: `/api/hop/${Number(hop[1]) - 1}` }).end();
      } else if (req.url === '/api/away') {
        res.writeHead(301, { location: `${registry.apiUrl}/users/alice` }).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    caPath = join(mkdtempSync(join(tmpdir(), 'hexts-ca-')), 'ca.pem');
    writeFileSync(caPath, `${certs.caCertPem}\n${registry.caCertPem}`);
  });
  after(() => server.close());
  let caPath: string;

  test('up to three are followed', async () => {
    const client = new ApiClient({ apiUrl: base, userAgent: 'x', timeoutMs: 2000, caCertsPath: caPath });
    try {
      assert.deepEqual((await client.get('/hop/3')).body, { ok: true });
      await assert.rejects(client.get('/hop/4'), (err: CliError) => /^Too many redirects/.test(err.message));
    } finally {
      await client.close();
    }
  });

  test('a request with a credential is not redirected to another origin; an anonymous GET is', async () => {
    seen.length = 0;
    registry.clearRequests();
    const client = new ApiClient({ apiUrl: base, userAgent: 'x', timeoutMs: 2000, caCertsPath: caPath, auth: keyAuth(aliceKey) });
    try {
      await assert.rejects(client.get('/away'), (err: CliError) => {
        assert.equal(err.message, `refusing to follow a redirect of a GET request from ${new URL(base).origin} to ${registry.url}: a request with a credential or a body never leaves the origin it was sent to`);
        return true;
      });
    } finally {
      await client.close();
    }
    assert.equal(seen[0]!.authorization, aliceKey);
    assert.deepEqual(logged('GET', '/api/users/alice'), []);
    const anonymous = new ApiClient({ apiUrl: base, userAgent: 'x', timeoutMs: 2000, caCertsPath: caPath });
    try {
      assert.equal(((await anonymous.get('/away')).body as { username: string }).username, 'alice');
    } finally {
      await anonymous.close();
    }
    assert.equal(logged('GET', '/api/users/alice')[0]!.authorization, null);
  });
});

test('requests and uploads go through an https_proxy (CONNECT) unless no_proxy names the host', async () => {
  const tunnels: string[] = [];
  const proxy = createHttpServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, clientSocket, head) => {
    tunnels.push(req.url!);
    const [host, port] = req.url!.split(':');
    const upstream = connect(Number(port), host!, () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    upstream.on('error', () => clientSocket.destroy());
    clientSocket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  try {
    const viaProxy = clientFor(registry, { proxy: { https: proxyUrl }, auth: keyAuth(aliceKey) });
    assert.equal((await users.get(viaProxy, 'alice')).username, 'alice');
    // Uploads go their own way (node:https, for Expect: 100-continue), through the same proxy.
    await assert.rejects(viaProxy.upload({ path: '/publish', body: Buffer.from('not a tarball') }), (err: ApiError) => err.status === 422);
    await viaProxy.close();
    assert.deepEqual(tunnels, [new URL(registry.url).host, new URL(registry.url).host]);

    const direct = clientFor(registry, { proxy: { https: proxyUrl, noProxy: '127.0.0.1' }, auth: keyAuth(aliceKey) });
    assert.equal((await users.get(direct, 'alice')).username, 'alice');
    await assert.rejects(direct.upload({ path: '/publish', body: Buffer.from('not a tarball') }), (err: ApiError) => err.status === 422);
    await direct.close();
    assert.equal(tunnels.length, 2);
  } finally {
    proxy.close();
  }
});

describe('proxies that fail', () => {
  /** A port with nothing listening on it. */
  async function deadPort(): Promise<number> {
    const server = createHttpServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    return port;
  }

  test('a dead proxy is named as the proxy, not as the registry refusing, for GETs and uploads; its password never shown', async () => {
    const port = await deadPort();
    const client = clientFor(registry, { proxy: { https: `http://user:proxy-secret@127.0.0.1:${port}` }, auth: keyAuth(aliceKey) });
    const refused = `cannot connect to the proxy 127.0.0.1:${port} (for ${new URL(registry.url).host}): connection refused`;
    const named = (retried: boolean) => (err: NetworkError) => {
      assert.ok(err instanceof NetworkError);
      if (retried) assert.match(err.message, /\(3 attempts, \d+(\.\d)? s in all\)$/);
      assert.equal(err.message.replace(/ \(3 attempts.*$/, ''), refused);
      assert.equal(err.hint, 'Check https_proxy (`hexts info` shows the proxy and where it is set), or list 127.0.0.1 in no_proxy.');
      assert.ok(!`${err.message} ${err.hint}`.includes('proxy-secret'));
      return true;
    };
    try {
      await assert.rejects(users.get(client, 'alice'), named(true));
      await assert.rejects(client.upload({ path: '/publish', body: Buffer.from('tarball') }), named(false));
    } finally {
      await client.close();
    }
  });

  test('a proxy that refuses the tunnel: its status, and what to do (credentials for a 407)', async () => {
    let status = 502;
    const proxy = createHttpServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (_req, socket) => socket.end(`HTTP/1.1 ${status} Refused\r\n\r\n`));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const client = clientFor(registry, { proxy: { https: `http://${proxyHost}` }, auth: keyAuth(aliceKey) });
    const refusal = (hint: RegExp) => (err: NetworkError) => {
      assert.equal(err.message, `the proxy ${proxyHost} refused the connection to ${new URL(registry.url).host} (status ${status})`);
      assert.match(err.hint!, hint);
      return true;
    };
    try {
      await assert.rejects(users.get(client, 'alice'), refusal(/^The proxy could not reach 127\.0\.0\.1:\d+\. Check https_proxy/));
      await assert.rejects(client.upload({ path: '/publish', body: Buffer.from('tarball') }), refusal(/could not reach/));
      status = 407;
      await assert.rejects(users.get(client, 'alice'), refusal(/^The proxy wants credentials: put them in its URL/));
      await assert.rejects(client.upload({ path: '/publish', body: Buffer.from('tarball') }), refusal(/wants credentials/));
    } finally {
      await client.close();
      proxy.close();
    }
  });
});

describe('answers that are not the Hex API\'s', () => {
  // A registry's web site, as hex.pm's answers an API URL missing /api: pages for its own
  // routes (406 in JSON where the route only serves HTML, as Phoenix does), and in front of
  // /api something that answers with pages of its own (a firewall's block page, a load
  // balancer's error page).
  let site: ReturnType<typeof createHttpsServer>;
  let base: string;
  let caPath: string;
  before(async () => {
    const certs = await makeCertificates();
    site = createHttpsServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      const page = (status: number, title: string) =>
        res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><html><head><title>${title}</title></head><body></body></html>`);
      if (req.url === '/api/blocked') page(403, 'Access denied');
      else if (req.url === '/api/down') page(502, 'Bad Gateway');
      else if (req.url!.startsWith('/packages/')) res.writeHead(406, { 'content-type': 'application/json' }).end('{"status":406,"message":"Not Acceptable"}');
      else page(200, 'Hex');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(site.address() as AddressInfo).port}`;
    caPath = join(mkdtempSync(join(tmpdir(), 'hexts-ca-')), 'ca.pem');
    writeFileSync(caPath, certs.caCertPem);
  });
  after(() => site.close());

  test('an API URL without /api: the web site\'s page or 406 is named, with the URL to try', async () => {
    const client = new ApiClient({ apiUrl: base, userAgent: 'x', timeoutMs: 2000, caCertsPath: caPath });
    const host = new URL(base).host;
    const hint = `The API URL ${base} does not end in /api: try ${base}/api (HEX_API_URL, --api-url or \`hexts config api_url\`).`;
    try {
      await assert.rejects(users.get(client, 'alice'), (err: NotApiAnswerError) => {
        assert.ok(err instanceof NotApiAnswerError);
        assert.equal(err.message, `the answer from ${host} is not the Hex API's (status 200, text/html, "Hex")`);
        assert.equal(err.hint, hint);
        return true;
      });
      await assert.rejects(client.get('/packages/jason'), (err: NotApiAnswerError) => {
        assert.equal(err.message, `the answer from ${host} is not the Hex API's (status 406, application/json)`);
        assert.equal(err.hint, hint);
        return true;
      });
    } finally {
      await client.close();
    }
  });

  test('under /api: a block page says something else answered; a 5xx page stays a status error', async () => {
    const client = new ApiClient({ apiUrl: `${base}/api`, userAgent: 'x', timeoutMs: 2000, caCertsPath: caPath });
    try {
      await assert.rejects(client.get('/blocked'), (err: NotApiAnswerError) => {
        assert.equal(err.message, `the answer from ${new URL(base).host} is not the Hex API's (status 403, text/html, "Access denied")`);
        assert.match(err.hint!, /a proxy or firewall may be answering instead of the registry/);
        return true;
      });
      await assert.rejects(client.get('/down'), (err: ApiError) => err instanceof ApiError && err.status === 502);
    } finally {
      await client.close();
    }
  });
});

test('x-hex-message is read as the Hex client reads it (whitespace, levels, quotes), control characters escaped', () => {
  assert.equal(parseHexMessage('"this key is old"'), undefined, 'no level: not shown');
  assert.deepEqual(parseHexMessage('  "this key is old" ; level = warn'), { text: 'this key is old', level: 'warn' });
  assert.deepEqual(parseHexMessage('"this key is old";level=fatal  '), { text: 'this key is old', level: 'fatal' });
  assert.equal(parseHexMessage('"later";level=info'), undefined);
  assert.equal(parseHexMessage('"later";lvl=warn'), undefined);
  // No escapes inside the quotes: the text ends at the second quote, and what follows is no level.
  assert.equal(parseHexMessage('"stop \\"now\\"";level=warn'), undefined);
  assert.deepEqual(parseHexMessage('"bell\u0007 csi\u00c2\u009b";level=warn'), { text: 'bell\\x07 csi\\x9b', level: 'warn' });
});

test('--verbose logging names each request, the credential it carries (in words) and the status, never the secret', async () => {
  const lines: string[] = [];
  const client = clientFor(registry, { auth: keyAuth(aliceKey), log: (l) => lines.push(l) });
  try {
    await users.me(client);
  } finally {
    await client.close();
  }
  assert.match(lines[0]!, /^> GET https:\/\/127\.0\.0\.1:\d+\/api\/users\/me \(authorization: \[REDACTED\], a test key\)$/);
  assert.match(lines[1]!, /^< 200 GET \/api\/users\/me \(\d+ bytes, \d+ ms\)/);
  assert.ok(!lines.join('\n').includes(aliceKey));
});
