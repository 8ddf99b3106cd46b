import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from './test-client.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('users', () => {
  let registry: Registry;

  before(async () => {
    registry = await startRegistry();
  });
  after(() => registry.stop());

  test('POST /api/users registers an unverified user', async () => {
    for (const format of ['json', 'erlang'] as const) {
      const username = `new_${format}`;
      const res = await call(registry, 'POST', '/api/users', {
        format,
        body: { username, password: 'long enough', email: `${username}@Example.com`, full_name: 'New User' },
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers.location, `/api/users/${username}`);
      assert.equal(res.data.username, username);
      assert.equal(res.data.full_name, 'New User');
      assert.equal(res.data.email, `${username}@example.com`);
      assert.equal(res.data.url, `${registry.url}/api/users/${username}`);
      assert.deepEqual(res.data.handles, {});
    }
    // Unverified: everything but key creation is refused.
    registry.configure({ basicAuth: true });
    try {
      const me = await call(registry, 'GET', '/api/users/me', { auth: basic('new_json', 'long enough') });
      assert.equal(me.status, 403);
      assert.deepEqual(me.data, { status: 403, message: 'email not verified' });
      const key = await call(registry, 'POST', '/api/keys', { auth: basic('new_json', 'long enough'), body: { name: 'k' } });
      assert.equal(key.status, 201);
      registry.verifyUser('new_json');
      const verified = await call(registry, 'GET', '/api/users/me', { auth: basic('new_json', 'long enough') });
      assert.equal(verified.status, 200);
    } finally {
      registry.configure({ basicAuth: false });
    }
  });

  test('registration errors use hexpm’s messages', async () => {
    registry.createUser({ username: 'taken', email: 'taken@example.com' });
    const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ username: 'ab', password: 'long enough', email: 'a@b.co' }, { username: 'should be at least 3 character(s)' }],
      [{ username: 'Bad Name', password: 'long enough', email: 'a@b.co' }, { username: 'has invalid format' }],
      [{ username: 'hexpm', password: 'long enough', email: 'a@b.co' }, { username: 'is reserved' }],
      [{ username: 'taken', password: 'long enough', email: 'other@b.co' }, { username: 'has already been taken' }],
      [{ username: 'fresh', password: 'short', email: 'a@b.co' }, { password: 'should be at least 8 character(s)' }],
      [{ username: 'fresh', password: 'long enough' }, { emails: "can't be blank" }],
      [{ username: 'fresh', password: 'long enough', email: 'taken@example.com' }, { emails: { email: 'already in use' } }],
      [{ username: 'fresh', password: 'long enough', email: 'nope' }, { emails: { email: 'has invalid format' } }],
      [{ password: 'long enough', email: 'a@b.co' }, { username: "can't be blank" }],
    ];
    for (const [body, errors] of cases) {
      const res = await call(registry, 'POST', '/api/users', { body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.deepEqual(res.data, { status: 422, message: 'Validation error(s)', errors }, JSON.stringify(body));
    }
  });

  test('GET /api/users/me has organizations and all owned packages', async () => {
    registry.createUser({ username: 'owner', email: 'owner@example.com' });
    registry.createOrganization({ name: 'bigco', admin: 'owner' });
    await registry.publish(await makeTarball({ name: 'public_pkg', version: '1.0.0' }), { publisher: 'owner' });
    const key = registry.createKey({ user: 'owner' }, { name: 'k' });
    for (const format of ['json', 'erlang'] as const) {
      const res = await call(registry, 'GET', '/api/users/me', { auth: key, format });
      assert.equal(res.status, 200);
      assert.deepEqual(res.data.organizations, [{ name: 'bigco', role: 'admin' }]);
      assert.deepEqual(res.data.owned_packages, { public_pkg: `${registry.url}/api/packages/public_pkg` });
      assert.deepEqual(res.data.packages, [
        {
          name: 'public_pkg',
          repository: 'hexpm',
          url: `${registry.url}/api/packages/public_pkg`,
          html_url: `${registry.url}/packages/public_pkg`,
        },
      ]);
    }
    const anonymous = await call(registry, 'GET', '/api/users/me');
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.data, { status: 401, message: 'missing authentication information' });
    // An organization credential has no user.
    const orgKey = registry.createKey({ organization: 'bigco' }, { name: 'org' });
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth: orgKey })).status, 404);
  });

  test('GET /api/users/:name by name or public email', async () => {
    registry.createUser({ username: 'shown', email: 'shown@example.com', fullName: 'Shown' });
    const byName = await call(registry, 'GET', '/api/users/shown');
    assert.equal(byName.status, 200);
    assert.equal(byName.data.full_name, 'Shown');
    assert.deepEqual(byName.data.packages, []);
    const byEmail = await call(registry, 'GET', '/api/users/shown@example.com');
    assert.equal(byEmail.data.username, 'shown');
    assert.equal((await call(registry, 'GET', '/api/users/nobody')).status, 404);
  });

  test('Basic auth is off by default, as on hex.pm now', async () => {
    registry.createUser({ username: 'basic', email: 'basic@example.com', password: 'basic password' });
    const res = await call(registry, 'GET', '/api/users/me', { auth: basic('basic', 'basic password') });
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="hex"');
    assert.deepEqual(res.data, {
      status: 401,
      message: 'Basic authentication is disabled. Update your client to use OAuth or an API key.',
    });
  });

  test('Basic auth when switched on: username or email and password', async () => {
    registry.createUser({ username: 'basic2', email: 'basic2@example.com', password: 'basic password' });
    registry.configure({ basicAuth: true });
    try {
      assert.equal((await call(registry, 'GET', '/api/users/me', { auth: basic('basic2', 'basic password') })).data.username, 'basic2');
      assert.equal((await call(registry, 'GET', '/api/users/me', { auth: basic('basic2@example.com', 'basic password') })).status, 200);
      const wrong = await call(registry, 'GET', '/api/users/me', { auth: basic('basic2', 'wrong password') });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.data.message, 'invalid username and password combination');
      const malformed = await call(registry, 'GET', '/api/users/me', { auth: 'Basic !!!' });
      assert.equal(malformed.data.message, 'invalid authentication information');
    } finally {
      registry.configure({ basicAuth: false });
    }
  });
});

test('the basicAuth start option switches Basic auth on', async (t) => {
  const registry = await startRegistry({ basicAuth: true });
  t.after(() => registry.stop());
  registry.createUser({ username: 'alice', password: 'alice password' });
  const res = await call(registry, 'POST', '/api/keys', { auth: basic('alice', 'alice password'), body: { name: 'vm-api' } });
  assert.equal(res.status, 201);
});
