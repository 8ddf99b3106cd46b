import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRegistry, type Registry } from '../../registry/server.js';
import { call } from './test-client.js';

// Rate limits (api.md §6), the fault switch and the request log.

const TINY = readFileSync(new URL('../fixtures/registry/tiny-1.0.0.tar', import.meta.url));

describe('rate limits', () => {
  let registry: Registry;

  before(async () => {
    registry = await startRegistry();
    registry.createUser({ username: 'alice' });
  });
  after(() => registry.stop());

  test('every /api response carries the x-ratelimit headers', async () => {
    const res = await call(registry, 'GET', '/api/packages');
    assert.equal(res.headers['x-ratelimit-limit'], '100');
    assert.equal(Number(res.headers['x-ratelimit-remaining']), 99);
    const reset = Number(res.headers['x-ratelimit-reset']);
    const now = registry.now().getTime() / 1000;
    assert.ok(reset > now && reset <= now + 60, `${reset} vs ${now}`);
    assert.equal((await call(registry, 'GET', '/repo/names')).headers['x-ratelimit-limit'], undefined);
  });

  test('over the limit: 429 naming the user, IP or organization; the window resets', async () => {
    await call(registry, 'POST', '/_test/config', { body: { rate_limit: 3, ip_rate_limit: 2 } });
    const key = registry.createKey({ user: 'alice' }, { name: 'k' });
    registry.advanceClock(60);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await call(registry, 'GET', '/api/users/me', { auth: key, format: i === 3 ? 'erlang' : 'json' });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.match(last!.data.message, /^API rate limit exceeded for user \d+$/);
    assert.equal(last!.headers['x-ratelimit-remaining'], '0');

    const anonymous = [];
    for (let i = 0; i < 3; i++) anonymous.push(await call(registry, 'GET', '/api/packages'));
    assert.deepEqual(anonymous.map((r) => r.status), [200, 200, 429]);
    assert.equal(anonymous[2]!.data.message, 'API rate limit exceeded for IP 127.0.0.1');

    registry.advanceClock(60);
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth: key })).status, 200);
    registry.configure({ rateLimit: 500, ipRateLimit: 100 });
  });
});

describe('faults and the request log', () => {
  let registry: Registry;
  let key: string;

  before(async () => {
    registry = await startRegistry();
    registry.createUser({ username: 'alice' });
    key = registry.createKey({ user: 'alice' }, { name: 'k' });
    await registry.publish(TINY, { publisher: 'alice' });
  });
  after(() => registry.stop());

  const addFault = async (fault: Record<string, unknown>) => {
    const res = await call(registry, 'POST', '/_test/faults', { body: fault });
    assert.equal(res.status, 204, JSON.stringify(res.data));
  };

  test('status bursts apply to the next N matching requests', async () => {
    await addFault({ type: 'status', status: 503, path: '/api/packages', count: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(registry, 'GET', '/api/packages/tiny')).status);
    assert.deepEqual(statuses, [503, 503, 200]);
    await addFault({ type: 'status', status: 500, path: '/api/', method: 'POST' });
    assert.equal((await call(registry, 'GET', '/api/packages/tiny')).status, 200);
    const failed = await call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'x' } });
    assert.deepEqual([failed.status, failed.data], [500, { status: 500, message: 'Internal server error' }]);
  });

  test('429 with a chosen reset time', async () => {
    await addFault({ type: 'rate_limited', path: '/api/users', reset_after_seconds: 7 });
    const res = await call(registry, 'GET', '/api/users/alice');
    assert.equal(res.status, 429);
    assert.equal(res.headers['x-ratelimit-remaining'], '0');
    assert.equal(Number(res.headers['x-ratelimit-reset']), Math.floor(registry.now().getTime() / 1000) + 7);
  });

  test('connection resets before and after the body', async () => {
    registry.clearRequests();
    await addFault({ type: 'reset_before_body', path: '/api/keys' });
    await assert.rejects(call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'reset1' } }));
    await addFault({ type: 'reset_after_body', path: '/api/keys' });
    await assert.rejects(call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'reset2' } }));
    const logged = registry.requests();
    assert.deepEqual(logged.map((r) => r.status), [null, null]);
    assert.equal(logged[1]!.body_bytes, Buffer.byteLength(JSON.stringify({ name: 'reset2' })));
    // Nothing was processed.
    const keys = await call(registry, 'GET', '/api/keys', { auth: key });
    assert.ok(!keys.data.some((k: { name: string }) => k.name.startsWith('reset')));
  });

  // The watchdog is for a hang, not a speed target.
  test('a delayed response outlasts a client that gives up; the fault applies once', { timeout: 120_000 }, async (t) => {
    registry.clearRequests();
    // Held back far longer than the test runs: the next request is answered while this one still waits.
    await addFault({ type: 'delay', delay_ms: 3_600_000, path: '/api/packages/tiny' });
    const giveUp = new AbortController();
    // Should the fault hold the next request too, the watchdog ends the test, and this lets go of both.
    t.after(() => {
      registry.clearFaults();
      giveUp.abort();
    });
    let answered = false;
    const delayed = call(registry, 'GET', '/api/packages/tiny', { signal: giveUp.signal }).finally(() => (answered = true));
    delayed.catch(() => {});
    const tiny = () => registry.requests().filter((r) => r.path === '/api/packages/tiny');
    while (tiny().length === 0) await sleep(10);
    const next = await call(registry, 'GET', '/api/packages/tiny', { signal: giveUp.signal });
    assert.equal(next.status, 200, 'the fault applied once');
    assert.equal(answered, false, 'the delayed request still waits');
    giveUp.abort();
    await assert.rejects(delayed, { name: 'AbortError' });
    assert.deepEqual(tiny().map((r) => r.status), [null, 200]);
  });


  test('truncated bodies and downloads', async () => {
    await addFault({ type: 'truncate_body', path: '/api/packages/tiny' });
    const cut = await call(registry, 'GET', '/api/packages/tiny');
    assert.equal(cut.status, 200);
    assert.equal(Number(cut.headers['content-length']), cut.body.length);
    assert.throws(() => JSON.parse(cut.body.toString('utf8')));
    await addFault({ type: 'truncate_download', path: '/repo/tarballs/' });
    await assert.rejects(call(registry, 'GET', '/repo/tarballs/tiny-1.0.0.tar'));
    assert.deepEqual((await call(registry, 'GET', '/repo/tarballs/tiny-1.0.0.tar')).body, TINY);
  });

  test('answer: any JSON the test chooses (null too) in place of the registry answer, once', async () => {
    await addFault({ type: 'answer', path: '/api/packages/tiny', body: null });
    const nothing = await call(registry, 'GET', '/api/packages/tiny');
    assert.deepEqual([nothing.status, nothing.headers['content-type'], nothing.body.toString()], [200, 'application/json', 'null']);
    await addFault({ type: 'answer', path: '/api/packages/tiny', status: 201, body: [{ name: 'x' }] });
    const list = await call(registry, 'GET', '/api/packages/tiny');
    assert.deepEqual([list.status, list.data], [201, [{ name: 'x' }]]);
    assert.equal((await call(registry, 'GET', '/api/packages/tiny')).data.name, 'tiny', 'the fault applied once');
    assert.equal((await call(registry, 'POST', '/_test/faults', { body: { type: 'answer', path: '/api/' } })).status, 400, 'an answer needs a body');
  });

  test('DELETE /_test/faults clears them; bad faults are refused', async () => {
    await addFault({ type: 'status', status: 502, path: '/api/', count: 5 });
    assert.equal((await call(registry, 'DELETE', '/_test/faults')).status, 204);
    assert.equal((await call(registry, 'GET', '/api/packages/tiny')).status, 200);
    const bad = await call(registry, 'POST', '/_test/faults', { body: { type: 'explode', path: '/' } });
    assert.equal(bad.status, 400);
  });

  test('the request log: method, path, selected headers, hashed Authorization, status', async () => {
    registry.clearRequests();
    await call(registry, 'GET', '/api/users/me?x=1', { auth: key, headers: { 'x-hex-otp': '123456' } });
    await call(registry, 'POST', '/api/packages/tiny/releases', {
      auth: key,
      body: TINY,
      expectContinue: true,
      headers: { 'content-type': 'application/octet-stream' },
    });
    const res = await call(registry, 'GET', '/_test/requests');
    assert.equal(res.status, 200);
    const [me, upload] = res.data;
    assert.equal(res.data.length, 2, 'test routes are not logged');
    assert.equal(me.method, 'GET');
    assert.equal(me.path, '/api/users/me?x=1');
    assert.equal(me.status, 200);
    assert.equal(me.headers['x-hex-otp'], '123456');
    assert.equal(me.headers.authorization, undefined);
    assert.equal(me.authorization, `sha256:${createHash('sha256').update(key).digest('hex')}`);
    assert.ok(!JSON.stringify(res.data).includes(key));
    assert.equal(upload.headers.expect, '100-continue');
    assert.equal(upload.body_bytes, TINY.length);
    assert.equal(upload.status, 200);
    assert.equal((await call(registry, 'DELETE', '/_test/requests')).status, 204);
    assert.deepEqual(registry.requests(), []);
  });
});
