import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeEtf } from '../../src/erlang/etf.js';
import { binary, ErlMap } from '../../src/erlang/term.js';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from './test-client.js';

// api.md §1: negotiation, bodies, errors, datetimes, caching.

describe('API conventions', () => {
  let registry: Registry;
  let key: string;

  before(async () => {
    registry = await startRegistry();
    registry.createUser({ username: 'alice', email: 'alice@example.com', password: 'correct horse' });
    key = registry.createKey({ user: 'alice' }, { name: 'main' });
  });
  after(() => registry.stop());

  test('JSON for application/json, vnd.hex+json, */* and no Accept', async () => {
    for (const accept of ['application/json', 'application/vnd.hex+json', '*/*', 'text/html;q=0.1, */*']) {
      const res = await call(registry, 'GET', '/api/users/alice', { headers: { accept } });
      assert.equal(res.status, 200, accept);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(res.data.username, 'alice');
    }
    const none = await call(registry, 'GET', '/api/users/alice', { headers: { accept: '' } });
    assert.equal(none.headers['content-type'], 'application/json; charset=utf-8');
  });

  test('Erlang term format for application/vnd.hex+erlang', async () => {
    const res = await call(registry, 'GET', '/api/users/alice', { format: 'erlang' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.hex+erlang; charset=utf-8');
    assert.equal(res.body[0], 131);
    assert.equal(res.data.username, 'alice');
  });

  test('406 for a type the API does not speak', async () => {
    const res = await call(registry, 'GET', '/api/users/alice', { headers: { accept: 'text/html' } });
    assert.equal(res.status, 406);
  });

  test('?_format= picks the format', async () => {
    const res = await call(registry, 'GET', '/api/users/alice?_format=erlang', { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.hex+erlang; charset=utf-8');
  });

  test('datetimes keep microseconds in JSON and whole seconds in ETF', async () => {
    const json = await call(registry, 'GET', '/api/users/alice');
    const etf = await call(registry, 'GET', '/api/users/alice', { format: 'erlang' });
    assert.match(json.data.inserted_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.match(etf.data.inserted_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(etf.data.inserted_at, json.data.inserted_at.replace(/\.\d+Z$/, 'Z'));
  });

  test('a missing User-Agent is refused', async () => {
    const res = await call(registry, 'GET', '/api/users/alice', { noUserAgent: true });
    assert.equal(res.status, 400);
    assert.deepEqual(res.data, { status: 400, message: 'User-Agent header is required' });
  });

  test('request bodies as JSON, form or ETF', async () => {
    const name = (n: number) => `json-key-${n}`;
    const viaJson = await call(registry, 'POST', '/api/keys', { auth: key, body: { name: name(1) } });
    assert.equal(viaJson.status, 201);
    assert.equal(viaJson.data.name, name(1));
    const viaForm = await call(registry, 'POST', '/api/keys', {
      auth: key,
      body: 'name=form-key&permissions[][domain]=api&permissions[][resource]=read',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(viaForm.status, 201);
    assert.deepEqual(viaForm.data.permissions, [{ domain: 'api', resource: 'read' }]);
    const viaEtf = await call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'etf-key' }, format: 'erlang' });
    assert.equal(viaEtf.status, 201);
    assert.equal(viaEtf.data.name, 'etf-key');
    assert.match(viaEtf.data.secret, /^[0-9a-f]{32}$/);
  });

  test('an unparsable or compressed ETF body is a 400', async () => {
    const headers = { 'content-type': 'application/vnd.hex+erlang' };
    const garbage = await call(registry, 'POST', '/api/keys', { auth: key, body: Buffer.from([131, 255, 1]), headers });
    assert.equal(garbage.status, 400);
    assert.deepEqual(garbage.data, { status: 400, message: 'Bad request' });
    const term = encodeEtf(new ErlMap([[binary('name'), binary('x')]]));
    const compressed = Buffer.concat([Buffer.from([131, 80, 0, 0, 0, term.length - 1]), term.subarray(1)]);
    const res = await call(registry, 'POST', '/api/keys', { auth: key, body: compressed, headers });
    assert.equal(res.status, 400);
    const badJson = await call(registry, 'POST', '/api/keys', { auth: key, body: '{"name":', headers: { 'content-type': 'application/json' } });
    assert.equal(badJson.status, 400);
  });

  test('errors have hexpm’s shape and default messages', async () => {
    const missing = await call(registry, 'GET', '/api/users/nobody');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.data, { status: 404, message: 'Page not found' });
    const invalid = await call(registry, 'POST', '/api/keys', { auth: key, body: {} });
    assert.equal(invalid.status, 422);
    assert.deepEqual(invalid.data, { status: 422, message: 'Validation error(s)', errors: { name: "can't be blank" } });
    const etf = await call(registry, 'GET', '/api/users/nobody', { format: 'erlang' });
    assert.deepEqual(etf.data, { status: 404, message: 'Page not found' });
  });

  test('%00 in the URL is a 400; an unknown route a 404', async () => {
    assert.equal((await call(registry, 'GET', '/api/users/a%00b')).status, 400);
    assert.equal((await call(registry, 'GET', '/api/packages?search=a%00')).status, 400);
    const unknown = await call(registry, 'GET', '/api/nothing/here');
    assert.equal(unknown.status, 404);
  });

  test('a bad credential fails even a public GET', async () => {
    const res = await call(registry, 'GET', '/api/packages', { auth: 'not-a-key' });
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Basic realm=hex');
    assert.deepEqual(res.data, { status: 401, message: 'invalid API key' });
  });

  test('show endpoints send ETag and Last-Modified and answer 304', async () => {
    const first = await call(registry, 'GET', '/api/users/alice');
    assert.equal(first.headers['cache-control'], 'private, max-age=60');
    assert.equal(first.headers['vary'], 'accept, accept-encoding');
    const etag = first.headers.etag!;
    assert.match(etag, /^[0-9a-f]{32}$/);
    assert.ok(first.headers['last-modified']);
    const again = await call(registry, 'GET', '/api/users/alice', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const since = await call(registry, 'GET', '/api/users/alice', { headers: { 'if-modified-since': first.headers['last-modified']! } });
    assert.equal(since.status, 304);
    const other = await call(registry, 'GET', '/api/users/alice', { headers: { 'if-none-match': 'something-else' } });
    assert.equal(other.status, 200);
  });

  test('map keys come in Erlang order, as hexpm sends them', async () => {
    const res = await call(registry, 'GET', '/api/users/alice');
    const keys = Object.keys(JSON.parse(res.body.toString('utf8')) as object);
    assert.deepEqual(keys, [...keys].sort());
  });

  test('GET /api lists the URL templates', async () => {
    const res = await call(registry, 'GET', '/api');
    assert.equal(res.status, 200);
    assert.equal(res.data.package_url, `${registry.url}/api/packages/{name}`);
    assert.equal(res.data.documentation_url, 'http://docs.hexpm.apiary.io');
  });

  test('short URLs only for hex.pm domains', async () => {
    const ok = await call(registry, 'POST', '/api/short_url', { body: { url: 'https://hex.pm/packages/tiny' } });
    assert.equal(ok.status, 201);
    assert.match(ok.data.url, new RegExp(`^${registry.url}/l/[A-Za-z0-9]{5}$`));
    const followed = await call(registry, 'GET', new URL(ok.data.url as string).pathname);
    assert.equal(followed.status, 302);
    assert.equal(followed.headers.location, 'https://hex.pm/packages/tiny');
    const cases: Array<[string, string]> = [
      ['ftp://hex.pm/x', 'must use http or https scheme'],
      ['https://example.com/x', 'domain must match hex.pm, *.hex.pm, hexdocs.pm, *.hexdocs.pm, or *.hexorgs.pm'],
    ];
    for (const [url, message] of cases) {
      const res = await call(registry, 'POST', '/api/short_url', { body: { url } });
      assert.equal(res.status, 422);
      assert.deepEqual(res.data.errors, { url: message });
    }
  });

  test('every read endpoint says the same in JSON and in ETF (datetimes to the second)', async () => {
    registry.createOrganization({ name: 'acme', admin: 'alice' });
    await registry.publish(await makeTarball({ name: 'parity', version: '1.0.0', requirements: [] }), { publisher: 'alice' });
    await registry.publish(await makeTarball({ name: 'hidden', version: '0.1.0' }), { publisher: 'alice', repository: 'acme' });
    const paths = [
      '/api',
      '/api/users/me',
      '/api/users/alice',
      '/api/keys',
      '/api/keys/main',
      '/api/orgs',
      '/api/orgs/acme',
      '/api/orgs/acme/members',
      '/api/orgs/acme/members/alice',
      '/api/orgs/acme/keys',
      '/api/repos',
      '/api/repos/acme',
      '/api/packages',
      '/api/packages/parity',
      '/api/packages/parity/releases/1.0.0',
      '/api/packages/parity/owners',
      '/api/packages/parity/owners/alice',
      '/api/repos/acme/packages',
      '/api/repos/acme/packages/hidden',
      '/api/auth?domain=api',
      '/api/packages/none',
      '/api/packages/parity/releases/x',
    ];
    const seconds = (value: unknown): unknown =>
      typeof value === 'string' && /^\d{4}-\d\d-\d\dT[\d:]+\.\d{6}Z$/.test(value)
        ? value.replace(/\.\d{6}Z$/, 'Z')
        : Array.isArray(value)
          ? value.map(seconds)
          : value && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, seconds(v)]))
            : value;
    for (const path of paths) {
      const json = await call(registry, 'GET', path, { auth: key });
      const etf = await call(registry, 'GET', path, { auth: key, format: 'erlang' });
      assert.equal(etf.status, json.status, path);
      assert.equal(etf.headers['content-type'], 'application/vnd.hex+erlang; charset=utf-8', path);
      assert.deepEqual(etf.data, seconds(json.data), path);
    }
  });
});
