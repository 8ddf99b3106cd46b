import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from './test-client.js';

// What hex.pm says besides its answers (registry/notices.ts): the x-hex-message deprecation of
// users' repository keys, read-only maintenance, and the generic /_test/messages switch.
// Sources: hexpm's deprecate-user-repository-keys, disable-user-repository-keys and
// improve-read-only-mode branches (their tests give these statuses, bodies and headers).

const HEX_CLI = '78ea6566-89fd-481e-a1d6-7d9d78eacca8';
const USE_INSTEAD = 'Use mix hex.user auth for development or an organization key (mix hex.organization key ORGANIZATION generate) for CI';
const WARN = `"User API keys with repository permissions are deprecated and will stop working on 2026-12-31. ${USE_INSTEAD}";level=warn`;
const FATAL = `"User API keys no longer grant repository access. ${USE_INSTEAD}";level=fatal`;

let registry: Registry;
let userRepoKey: string;
let userApiKey: string;
let orgKey: string;

before(async () => {
  registry = await startRegistry();
  registry.createUser({ username: 'alice' });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  await registry.publish(await makeTarball({ name: 'secret', version: '0.1.0' }), { publisher: 'alice', repository: 'acme' });
  userRepoKey = registry.createKey({ user: 'alice' }, { name: 'repo', permissions: [{ domain: 'repository', resource: 'acme' }, { domain: 'api', resource: 'read' }] });
  userApiKey = registry.createKey({ user: 'alice' }, { name: 'api', permissions: [{ domain: 'api', resource: null }] });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
});
after(() => registry.stop());

const authCheck = (key: string) => call(registry, 'GET', '/api/auth?domain=repository&resource=acme', { auth: key });
const exchange = (key: string, scope = 'repository:acme') =>
  call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'client_credentials', client_id: HEX_CLI, client_secret: key, scope } });
const repoNames = (key: string) => call(registry, 'GET', '/repo/repos/acme/names', { auth: key });

describe('users\' keys with repository permissions', () => {
  test('allowed (hexpm main): no message anywhere', async () => {
    registry.configure({ userRepositoryKeys: 'allowed' });
    for (const res of [await authCheck(userRepoKey), await exchange(userRepoKey), await repoNames(userRepoKey)]) {
      assert.ok(res.status < 300, String(res.status));
      assert.equal(res.headers['x-hex-message'], undefined);
    }
  });

  test('deprecated: the warning on /api/auth, the exchange and the repository; access as before; organization keys untouched', async () => {
    registry.configure({ userRepositoryKeys: 'deprecated' });
    const auth = await authCheck(userRepoKey);
    assert.equal(auth.status, 200);
    assert.equal(auth.headers['x-hex-message'], WARN);
    const token = await exchange(userRepoKey);
    assert.equal(token.status, 200);
    assert.equal(token.headers['x-hex-message'], WARN);
    const names = await repoNames(userRepoKey);
    assert.equal(names.status, 200);
    assert.equal(names.headers['x-hex-message'], WARN);
    // The API alone, another key, an organization's key, a token: nothing to say.
    assert.equal((await call(registry, 'GET', '/api/auth?domain=api', { auth: userRepoKey })).headers['x-hex-message'], undefined);
    assert.equal((await exchange(userRepoKey, 'api:read')).headers['x-hex-message'], undefined);
    for (const res of [await authCheck(orgKey), await exchange(orgKey), await repoNames(orgKey), await repoNames(`Bearer ${token.data.access_token}`)]) {
      assert.ok(res.status < 300, String(res.status));
      assert.equal(res.headers['x-hex-message'], undefined);
    }
  });

  test('disabled: refused with the fatal message; a key without repository permissions is refused without it', async () => {
    registry.configure({ userRepositoryKeys: 'disabled' });
    const auth = await authCheck(userRepoKey);
    assert.equal(auth.status, 401);
    assert.equal(auth.data.message, 'key not authorized for this action');
    assert.equal(auth.headers['x-hex-message'], FATAL);
    const token = await exchange(userRepoKey);
    assert.equal(token.status, 400);
    assert.deepEqual(token.data, { error: 'invalid_scope', error_description: 'user keys no longer grant repository access, use an organization key' });
    assert.equal(token.headers['x-hex-message'], FATAL);
    const names = await repoNames(userRepoKey);
    assert.equal(names.status, 403);
    assert.equal(names.headers['x-hex-message'], FATAL);
    const plain = await authCheck(userApiKey);
    assert.equal(plain.status, 401);
    assert.equal(plain.headers['x-hex-message'], undefined);
    assert.equal((await exchange(userApiKey)).headers['x-hex-message'], FATAL, 'any user key asking for a repository scope');
    for (const res of [await authCheck(orgKey), await exchange(orgKey), await repoNames(orgKey)]) {
      assert.ok(res.status < 300, String(res.status));
      assert.equal(res.headers['x-hex-message'], undefined);
    }
    registry.configure({ userRepositoryKeys: 'allowed' });
  });
});

describe('read-only maintenance', () => {
  before(() => registry.configure({ readOnly: true }));
  after(() => registry.configure({ readOnly: false }));

  test('API writes answer 503 temporarily_unavailable with Retry-After, before authentication; reads go on', async () => {
    const write = await call(registry, 'POST', '/api/keys', { auth: 'not even a key', body: { name: 'k', permissions: [{ domain: 'api' }] } });
    assert.equal(write.status, 503);
    assert.deepEqual(write.data, {
      status: 503,
      error: 'temporarily_unavailable',
      message: 'Hex.pm is temporarily read-only for maintenance. This action is unavailable; please try again in a few minutes.',
    });
    assert.equal(write.headers['retry-after'], '60');
    assert.equal(write.headers['cache-control'], 'no-store');
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth: userApiKey })).status, 200);
    assert.equal((await call(registry, 'GET', '/repo/repos/acme/names', { auth: orgKey })).status, 200);
  });

  test('an upload is refused before its body is asked for', async () => {
    const tarball = await makeTarball({ name: 'later', version: '1.0.0' });
    const upload = await call(registry, 'POST', '/api/publish', { auth: userApiKey, body: tarball, expectContinue: true, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(upload.status, 503);
    assert.equal(upload.continued, false);
  });

  test('OAuth: refresh, device login and revocation wait; an API key\'s exchange goes on', async () => {
    const tokens = registry.createToken('alice', ['api']);
    const refresh = await call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'refresh_token', client_id: HEX_CLI, refresh_token: tokens.refreshToken } });
    assert.equal(refresh.status, 503);
    assert.deepEqual(refresh.data, { error: 'temporarily_unavailable', error_description: 'OAuth operation unavailable while the service is read-only' });
    assert.equal(refresh.headers['retry-after'], '60');
    const device = await call(registry, 'POST', '/api/oauth/device_authorization', { body: { client_id: HEX_CLI, scope: 'api' } });
    assert.equal(device.status, 503);
    assert.equal(device.data.error, 'temporarily_unavailable');
    assert.equal((await call(registry, 'POST', '/api/oauth/revoke', { body: { client_id: HEX_CLI, token: tokens.refreshToken } })).status, 503);
    assert.equal((await exchange(orgKey)).status, 200);
    assert.equal((await call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'magic', client_id: HEX_CLI } })).status, 400);
    registry.configure({ readOnly: false });
    const later = await call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'refresh_token', client_id: HEX_CLI, refresh_token: tokens.refreshToken } });
    assert.equal(later.status, 200, 'the refresh token was not spent');
    registry.configure({ readOnly: true });
  });
});

test('/_test/messages: a header value on the answers to matching requests, counted or until cleared', async () => {
  const post = (body: unknown) => call(registry, 'POST', '/_test/messages', { body });
  assert.equal((await post({ value: '"on the API";level=warn', path: '/api/', method: 'get', count: 1 })).status, 204);
  assert.equal((await post({ value: '"everywhere"' })).status, 204);
  assert.equal((await call(registry, 'GET', '/api/users/me', { auth: userApiKey })).headers['x-hex-message'], '"on the API";level=warn');
  assert.equal((await call(registry, 'GET', '/api/users/me', { auth: userApiKey })).headers['x-hex-message'], '"everywhere"');
  assert.equal((await call(registry, 'GET', '/repo/names')).headers['x-hex-message'], '"everywhere"');
  assert.equal((await call(registry, 'DELETE', '/_test/messages')).status, 204);
  assert.equal((await call(registry, 'GET', '/repo/names')).headers['x-hex-message'], undefined);
  // UTF-8 goes out as UTF-8.
  registry.addMessage({ value: '"déjà vu";level=warn', count: 1 });
  const raw = (await call(registry, 'GET', '/repo/names')).headers['x-hex-message'] as string;
  assert.equal(Buffer.from(raw, 'latin1').toString('utf8'), '"déjà vu";level=warn');
});
