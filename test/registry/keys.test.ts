import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from './test-client.js';

// api.md §2 (keys, permissions) and §4 (keys, /api/auth).

describe('API keys', () => {
  let registry: Registry;
  let key: string;

  before(async () => {
    registry = await startRegistry();
    registry.createUser({ username: 'alice' });
    registry.createUser({ username: 'mallory' });
    registry.createOrganization({ name: 'acme', admin: 'alice' });
    key = registry.createKey({ user: 'alice' }, { name: 'main' });
    await registry.publish(await makeTarball({ name: 'owned', version: '1.0.0' }), { publisher: 'alice' });
  });
  after(() => registry.stop());

  test('create returns the secret once; list and show never do', async () => {
    for (const format of ['json', 'erlang'] as const) {
      const name = `laptop-${format}`;
      const created = await call(registry, 'POST', '/api/keys', { auth: key, format, body: { name } });
      assert.equal(created.status, 201);
      assert.equal(created.headers.location, `/api/keys/${name}`);
      assert.match(created.data.secret, /^[0-9a-f]{32}$/);
      assert.deepEqual(created.data.permissions, [{ domain: 'api', resource: null }]);
      assert.equal(created.data.authing_key, false);
      assert.equal(created.data.revoke_at, null);
      assert.equal(created.data.url, `${registry.url}/api/keys/${name}`);
      const shown = await call(registry, 'GET', `/api/keys/${name}`, { auth: key, format });
      assert.equal(shown.status, 200);
      assert.equal(shown.data.secret, null);
      // The new secret works.
      assert.equal((await call(registry, 'GET', '/api/users/me', { auth: created.data.secret })).status, 200);
    }
    const list = await call(registry, 'GET', '/api/keys', { auth: key });
    assert.equal(list.status, 200);
    const names = list.data.map((k: { name: string }) => k.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(list.data.every((k: { secret: unknown }) => k.secret === null));
    const main = list.data.find((k: { name: string }) => k.name === 'main');
    assert.equal(main.authing_key, true);
    assert.equal(main.last_use.user_agent, 'hexts-registry-test/1.0');
    assert.equal(main.last_use.ip, '127.0.0.1');
  });

  test('a live duplicate name gets -2, -3…', async () => {
    const names: string[] = [];
    for (let i = 0; i < 3; i++) names.push((await call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'dup' } })).data.name);
    assert.deepEqual(names, ['dup', 'dup-2', 'dup-3']);
  });

  test('permission validation', async () => {
    const cases: Array<[unknown, unknown]> = [
      [[{ domain: 'api', resource: 'admin' }], { permissions: { resource: 'invalid resource for given domain' } }],
      [[{ domain: 'repositories', resource: 'acme' }], { permissions: { resource: 'invalid resource for given domain' } }],
      [[{ domain: 'repository', resource: 'elsewhere' }], { permissions: { resource: 'you do not have access to this repository' } }],
      [[{ domain: 'package', resource: 'not_mine' }], { permissions: { resource: 'you do not have access to this package' } }],
      [[{ domain: 'bogus' }], { permissions: { domain: 'is invalid' } }],
    ];
    for (const [permissions, errors] of cases) {
      const res = await call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'p', permissions } });
      assert.equal(res.status, 422, JSON.stringify(permissions));
      assert.deepEqual(res.data.errors, errors, JSON.stringify(permissions));
    }
    const ok = await call(registry, 'POST', '/api/keys', {
      auth: key,
      body: { name: 'scoped', permissions: [{ domain: 'package', resource: 'owned' }, { domain: 'repository', resource: 'acme' }] },
    });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.data.permissions, [
      { domain: 'package', resource: 'hexpm/owned' },
      { domain: 'repository', resource: 'acme' },
    ]);
  });

  test('revoke_at: in the past refused, in the future an expiry', async () => {
    const past = await call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'p', revoke_at: '2000-01-01T00:00:00Z' } });
    assert.deepEqual(past.data.errors, { revoke_at: 'must be in the future' });
    const soon = new Date(registry.now().getTime() + 3600_000).toISOString();
    const created = await call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'expiring', revoke_at: soon } });
    assert.equal(created.status, 201);
    const secret = created.data.secret as string;
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth: secret })).status, 200);
    registry.advanceClock(3601);
    const expired = await call(registry, 'GET', '/api/users/me', { auth: secret });
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.data, { status: 401, message: 'API key revoked' });
  });

  test('permissions limit what a key does', async () => {
    const read = registry.createKey({ user: 'alice' }, { name: 'ro', permissions: [{ domain: 'api', resource: 'read' }] });
    assert.equal((await call(registry, 'GET', '/api/keys', { auth: read })).status, 200);
    const write = await call(registry, 'POST', '/api/keys', { auth: read, body: { name: 'x' } });
    assert.equal(write.status, 401);
    assert.deepEqual(write.data, { status: 401, message: 'key not authorized for this action' });
    const repoOnly = registry.createKey({ user: 'alice' }, { name: 'repo', permissions: [{ domain: 'repository', resource: 'acme' }] });
    // Even public GETs.
    const publicGet = await call(registry, 'GET', '/api/packages/owned', { auth: repoOnly });
    assert.equal(publicGet.status, 401);
    assert.equal(publicGet.data.message, 'key not authorized for this action');
  });

  test('revoke one, then all (the answer is the authenticating key)', async () => {
    const extra = registry.createKey({ user: 'mallory' }, { name: 'extra' });
    const auth = registry.createKey({ user: 'mallory' }, { name: 'auth' });
    const one = await call(registry, 'DELETE', '/api/keys/extra', { auth });
    assert.equal(one.status, 200);
    assert.equal(one.data.name, 'extra');
    assert.ok(Date.parse(one.data.revoke_at) <= registry.now().getTime());
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth: extra })).status, 401);
    assert.equal((await call(registry, 'DELETE', '/api/keys/extra', { auth })).status, 404);
    const all = await call(registry, 'DELETE', '/api/keys', { auth });
    assert.equal(all.status, 200);
    assert.equal(all.data.name, 'auth');
    assert.equal(all.data.authing_key, true);
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth })).data.message, 'API key revoked');
  });

  test('organization keys', async () => {
    const bearer = `Bearer ${registry.createToken('alice', ['api:read']).accessToken}`;
    const list = await call(registry, 'GET', '/api/orgs/acme/keys', { auth: bearer });
    assert.equal(list.status, 200);
    const created = await call(registry, 'POST', '/api/orgs/acme/keys', {
      auth: key,
      body: { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] },
    });
    assert.equal(created.status, 201);
    assert.equal(created.data.url, `${registry.url}/api/keys/ci`);
    const orgKey = created.data.secret as string;
    // An organization key only manages keys under its organization's path.
    assert.equal((await call(registry, 'GET', '/api/keys', { auth: orgKey })).status, 401);
    const full = registry.createKey({ organization: 'acme' }, { name: 'full' });
    assert.equal((await call(registry, 'GET', '/api/keys', { auth: full })).status, 404);
    assert.equal((await call(registry, 'GET', '/api/orgs/acme/keys', { auth: full })).status, 200);
    assert.equal((await call(registry, 'GET', '/api/orgs/nope/keys', { auth: key })).status, 404);
    const outsider = registry.createKey({ user: 'mallory' }, { name: 'outsider' });
    assert.equal((await call(registry, 'GET', '/api/orgs/acme/keys', { auth: outsider })).status, 404);
  });

  test('GET /api/auth', async () => {
    const repoKey = registry.createKey({ user: 'alice' }, { name: 'auth-repo', permissions: [{ domain: 'repository', resource: 'acme' }] });
    for (const format of ['json', 'erlang'] as const) {
      const ok = await call(registry, 'GET', '/api/auth?domain=repository&resource=acme', { auth: repoKey, format });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.data, { key: { name: 'auth-repo', owner: { type: 'user', name: 'alice' } } });
    }
    const orgKey = registry.createKey({ organization: 'acme' }, { name: 'org-repo', permissions: [{ domain: 'repository', resource: 'acme' }] });
    const org = await call(registry, 'GET', '/api/auth?domain=repository&resource=acme', { auth: orgKey });
    assert.deepEqual(org.data, { key: { name: 'org-repo', owner: { type: 'organization', name: 'acme' } } });

    const missingParam = await call(registry, 'GET', '/api/auth', { auth: repoKey });
    assert.deepEqual([missingParam.status, missingParam.data.message], [400, 'missing required parameters: "domain"']);
    const anonymous = await call(registry, 'GET', '/api/auth?domain=api');
    assert.deepEqual([anonymous.status, anonymous.data.message], [401, 'missing authentication information']);
    const scope = await call(registry, 'GET', '/api/auth?domain=api', { auth: repoKey });
    assert.deepEqual([scope.status, scope.data.message], [401, 'key not authorized for this action']);
    const bad = await call(registry, 'GET', '/api/auth?domain=repository&resource=acme', { auth: 'badkey' });
    assert.deepEqual([bad.status, bad.data.message], [401, 'invalid API key']);

    const mallory = registry.createKey({ user: 'mallory' }, { name: 'all-repos', permissions: [{ domain: 'repositories' }] });
    const noAccess = await call(registry, 'GET', '/api/auth?domain=repository&resource=acme', { auth: mallory });
    assert.deepEqual([noAccess.status, noAccess.data.message], [403, 'account not authorized for this action']);

    registry.setBilling('acme', false);
    try {
      const billing = await call(registry, 'GET', '/api/auth?domain=repository&resource=acme', { auth: repoKey });
      assert.deepEqual([billing.status, billing.data.message], [403, 'organization has no active billing subscription']);
    } finally {
      registry.setBilling('acme', true);
    }

    const bearer = `Bearer ${registry.createToken('alice').accessToken}`;
    const oauth = await call(registry, 'GET', '/api/auth?domain=repository&resource=acme', { auth: bearer });
    assert.equal(oauth.status, 204);
    assert.equal(oauth.body.length, 0);
  });

  test('hex_ keys (hexpm PR #1536): switched on, new keys carry a CRC-32; either header form authenticates', async () => {
    const switched = await call(registry, 'POST', '/_test/config', { body: { hex_keys: true } });
    assert.equal(switched.data.hex_keys, true);
    try {
      const created = await call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'hexfmt' } });
      assert.equal(created.status, 201);
      const secret = created.data.secret as string;
      assert.match(secret, /^hex_[0-9a-f]{40}$/);
      // The checksum is the CRC-32 of the 16 random bytes, big-endian (checked with zlib, not the registry's code).
      const bytes = Buffer.from(secret.slice(4), 'hex');
      assert.equal(bytes.readUInt32BE(16), crc32(bytes.subarray(0, 16)));
      // Without its prefix too: hexpm's HMAC is of the 40 digits, and only `hex_` asks for the checksum.
      for (const auth of [secret, `Bearer ${secret}`, ` ${secret} `, secret.slice(4)]) {
        const me = await call(registry, 'GET', '/api/users/me', { auth });
        assert.equal(me.status, 200, auth.slice(0, 10));
        assert.equal(me.data.username, 'alice');
      }
      // One character changed, or upper case: refused before any lookup, as hexpm refuses them.
      const flipped = `${secret.slice(0, 20)}${secret[20] === '0' ? '1' : '0'}${secret.slice(21)}`;
      for (const auth of [flipped, `Bearer ${flipped}`, `hex_${secret.slice(4).toUpperCase()}`]) {
        const refused = await call(registry, 'GET', '/api/users/me', { auth });
        assert.deepEqual([refused.status, refused.data.message], [401, 'invalid API key'], auth.slice(0, 10));
      }
      // A legacy key is no bearer: that is an OAuth token's place.
      assert.equal((await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${key}` })).status, 401);
      // The exchange takes the key as client_secret, prefix and all.
      const exchanged = await call(registry, 'POST', '/api/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: '78ea6566-89fd-481e-a1d6-7d9d78eacca8', client_secret: secret, scope: 'api' },
      });
      assert.equal(exchanged.status, 200, JSON.stringify(exchanged.data));
    } finally {
      await call(registry, 'POST', '/_test/config', { body: { hex_keys: false } });
    }
    assert.match(registry.createKey({ user: 'alice' }, { name: 'legacy-again' }), /^[0-9a-f]{32}$/);
  });
});
