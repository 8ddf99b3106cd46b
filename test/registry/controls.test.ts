import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { Agent, request } from 'node:https';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry } from '../../registry/server.js';
import { call } from './test-client.js';

// The /_test controls over HTTP (what a test driving hexts as a separate process uses), and
// stop() with a client still holding a keep-alive connection, and one waiting for its answer.

test('arranging state through /_test', async (t) => {
  const registry = await startRegistry();
  t.after(() => registry.stop());
  const post = (path: string, body: unknown) => call(registry, 'POST', path, { body });

  assert.equal((await post('/_test/users', { username: 'alice', password: 'alice password', verified: false })).status, 201);
  assert.equal((await post('/_test/users', { username: 'bob' })).status, 201);
  const key = (await post('/_test/keys', { username: 'alice', name: 'k' })).data.secret as string;
  const unverified = await call(registry, 'GET', '/api/users/me', { auth: key });
  assert.equal(unverified.status, 403);
  assert.equal((await post('/_test/users/alice/verify', {})).status, 204);
  assert.equal((await call(registry, 'GET', '/api/users/me', { auth: key })).status, 200);

  assert.equal((await post('/_test/orgs', { name: 'acme', admin: 'alice', billing_active: false })).status, 201);
  assert.equal((await post('/_test/orgs/acme/members', { username: 'bob', role: 'write' })).status, 204);
  const orgs = await call(registry, 'GET', '/api/orgs', { auth: key });
  assert.deepEqual(orgs.data.map((o: { name: string; billing_active: boolean }) => [o.name, o.billing_active]), [['acme', false]]);
  assert.equal((await post('/_test/orgs/acme/billing', { active: true })).status, 204);
  const orgKey = (await post('/_test/keys', { organization: 'acme', name: 'ci' })).data.secret as string;
  assert.equal((await call(registry, 'GET', '/api/orgs/acme', { auth: orgKey })).data.billing_active, true);

  const tokens = (await post('/_test/tokens', { username: 'bob', scope: 'api:read repositories' })).data;
  const me = await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${tokens.access_token}` });
  assert.equal(me.data.username, 'bob');

  const before = Date.parse((await post('/_test/clock', { advance_seconds: 0 })).data.now);
  const after = Date.parse((await post('/_test/clock', { advance_seconds: 3600 })).data.now);
  assert.ok(after - before >= 3600_000 && after - before < 3660_000);
  assert.equal((await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${tokens.access_token}` })).status, 401);

  const config = await post('/_test/config', { device_interval: 0, basic_auth: true });
  assert.deepEqual(config.data, { device_interval: 0, basic_auth: true, rate_limit: 500, ip_rate_limit: 100, hex_keys: false, read_only: false, user_repository_keys: 'allowed' });
  const basic = `Basic ${Buffer.from('alice:alice password').toString('base64')}`;
  assert.equal((await call(registry, 'GET', '/api/users/me', { auth: basic })).status, 200);

  // A release with docs: the repository serves them at docs/NAME-VERSION.tar.gz, and the API says so.
  assert.equal((await post('/_test/releases', { name: 'demo', version: '1.0.0', publisher: 'alice', docs: true })).status, 201);
  assert.equal((await post('/_test/releases', { name: 'demo', version: '1.1.0', publisher: 'alice' })).status, 201);
  const docs = await call(registry, 'GET', '/repo/docs/demo-1.0.0.tar.gz');
  assert.equal(docs.status, 200);
  assert.match(gunzipSync(docs.body).toString('latin1'), /^index\.html\0[^]*<h1>demo v1\.0\.0<\/h1>/);
  assert.equal((await call(registry, 'GET', '/api/packages/demo/releases/1.0.0')).data.has_docs, true);
  assert.equal((await call(registry, 'GET', '/repo/docs/demo-1.1.0.tar.gz')).status, 404);

  // A given tarball, published byte for byte: here mix's own build of fancy_pkg, whose files are in readdir order.
  for (const [name, version] of [['jason', '1.4.4'], ['decimal', '2.1.1']]) assert.equal((await post('/_test/releases', { name, version, publisher: 'alice' })).status, 201);
  const fancy = readFileSync(new URL('../fixtures/corpus/ref_fancy/expected/fancy_pkg-0.2.0-rc.1.tar', import.meta.url));
  const given = await post('/_test/releases', { tarball: fancy.toString('base64'), publisher: 'alice' });
  assert.deepEqual([given.status, given.data], [201, { name: 'fancy_pkg', version: '0.2.0-rc.1', checksum: createHash('sha256').update(fancy).digest('hex') }]);
  assert.deepEqual((await call(registry, 'GET', '/repo/tarballs/fancy_pkg-0.2.0-rc.1.tar')).body, fancy);

  const errors = [
    await post('/_test/users/nobody/verify', {}),
    await post('/_test/config', { nonsense: 1 }),
    await post('/_test/config', { rate_limit: 'many' }),
    await post('/_test/config', { user_repository_keys: 'maybe' }),
    await post('/_test/messages', { value: 7 }),
    await post('/_test/messages', { value: '"bell\u0007";level=warn' }),
    await post('/_test/orgs', { name: 'x', admin: 'alice' }),
    await post('/_test/releases', { tarball: Buffer.from('not a tarball').toString('base64'), publisher: 'alice' }),
    await post('/_test/device/approve', { user_code: 'BCDFGHJK', username: 'alice' }),
    await post('/_test/device/approve', { user_code: 'BCDFGHJK', username: 'alice', scopes: 'api' }),
    await call(registry, 'POST', '/_test/users', { body: '{', headers: { 'content-type': 'application/json' } }),
  ];
  for (const res of errors) {
    assert.equal(res.status, 400);
    assert.equal(typeof res.data.error, 'string');
  }
  assert.equal((await call(registry, 'GET', '/_test/nothing')).status, 404);
});

// The watchdog is for a hang (server.close() alone waits for open connections), not a speed target.
test('stop() closes keep-alive connections, and one still waiting for its answer', { timeout: 120_000 }, async () => {
  const registry = await startRegistry();
  const agent = new Agent({ keepAlive: true, ca: registry.caCertPem });
  try {
    const idle = await new Promise<Socket>((resolve, reject) => {
      const req = request(new URL('/api', registry.url), { agent, headers: { 'user-agent': 'keep-alive-test' } }, (res) => {
        res.resume();
        res.on('end', () => {
          assert.equal(res.headers.connection, 'keep-alive');
          resolve(req.socket!);
        });
      });
      req.on('error', reject);
      req.end();
    });
    const idleClosed = once(idle, 'close');
    // An answer held back far longer than any test runs: only stop() can end that connection.
    registry.addFault({ type: 'delay', delay_ms: 3_600_000, path: '/api/packages/held' });
    const waiting = call(registry, 'GET', '/api/packages/held');
    waiting.catch(() => {});
    while (!registry.requests().some((r) => r.path === '/api/packages/held')) await sleep(10);
    await registry.stop();
    await idleClosed;
    await assert.rejects(waiting, /socket hang up|ECONNRESET/);
    assert.deepEqual(registry.requests().map((r) => [r.path, r.status]), [['/api', 200], ['/api/packages/held', null]]);
  } finally {
    agent.destroy();
  }
});

