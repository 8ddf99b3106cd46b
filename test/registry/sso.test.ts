import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from './test-client.js';

// Organization single sign-on as hexpm enforces it (its organization-sso-phase-4 branch):
// tokens minted without a live organization access session leave the organization out and
// say so, POST /api/oauth/sso_authorization, the 403s with hexpm's texts, and organization keys
// untouched.

const HEX_CLI = '78ea6566-89fd-481e-a1d6-7d9d78eacca8';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('organization single sign-on', () => {
  let registry: Registry;
  let orgKey: string;
  let aliceKey: string;
  const ssoRequired = () => `organization acme requires authenticating through its identity provider, sign in at ${registry.url}/sso/org/acme`;
  const personalKey = 'organization acme does not accept personal API keys, use an organization key for automation or run mix hex.user auth';

  before(async () => {
    registry = await startRegistry();
    registry.configure({ deviceInterval: 0 });
    registry.createUser({ username: 'alice' });
    registry.createUser({ username: 'bob' });
    registry.createOrganization({ name: 'acme', admin: 'alice' });
    registry.createOrganization({ name: 'bravo', admin: 'alice' });
    await registry.publish(await makeTarball({ name: 'billing', version: '1.0.0' }), { publisher: 'alice', repository: 'acme' });
    orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'api', resource: 'read' }, { domain: 'repository', resource: 'acme' }] });
    aliceKey = registry.createKey({ user: 'alice' }, { name: 'laptop', permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }] });
  });
  after(() => registry.stop());

  async function deviceTokens(username = 'alice'): Promise<{ access_token: string; refresh_token: string; scope: string; sso_reauth_required?: string[] }> {
    const start = await call(registry, 'POST', '/api/oauth/device_authorization', { body: { client_id: HEX_CLI, scope: 'api repositories' } });
    registry.approveDevice(start.data.user_code, username);
    const granted = await call(registry, 'POST', '/api/oauth/token', { body: { grant_type: DEVICE_GRANT, device_code: start.data.device_code, client_id: HEX_CLI } });
    assert.equal(granted.status, 200);
    return granted.data;
  }

  const refresh = (refreshToken: string) =>
    call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: HEX_CLI } });

  const ssoAuthorization = (auth: string | undefined, organizations: unknown) =>
    call(registry, 'POST', '/api/oauth/sso_authorization', { auth, body: { organizations } });

  const codeOf = (uri: string) => new URL(uri).searchParams.get('code')!;

  test('without SSO nothing changes: full scopes, no sso_reauth_required', async () => {
    const tokens = await deviceTokens();
    assert.equal(tokens.scope, 'api:read api:write repository:hexpm repository:acme repository:bravo');
    assert.equal('sso_reauth_required' in tokens, false);
  });

  test('a token minted without organization access leaves the organization out, names it, and gets 403 from its API', async () => {
    registry.setSso('acme', { personalKeys: 'allow' });
    try {
      const tokens = await deviceTokens();
      assert.equal(tokens.scope, 'api:read api:write repository:hexpm repository:bravo');
      assert.deepEqual(tokens.sso_reauth_required, ['acme']);
      const bearer = `Bearer ${tokens.access_token}`;
      for (const path of ['/api/orgs/acme', '/api/repos/acme/packages/billing', '/api/orgs/acme/keys']) {
        const refused = await call(registry, 'GET', path, { auth: bearer });
        assert.deepEqual([refused.status, refused.data], [403, { status: 403, message: ssoRequired() }], path);
      }
      assert.equal((await call(registry, 'GET', '/api/orgs/bravo', { auth: bearer })).status, 200);
      assert.equal((await call(registry, 'GET', '/repo/repos/acme/names', { auth: bearer })).status, 403);
      // Not a member: still indistinguishable from a missing organization.
      const bob = await deviceTokens('bob');
      assert.equal('sso_reauth_required' in bob, false);
      assert.equal((await call(registry, 'GET', '/api/orgs/acme', { auth: `Bearer ${bob.access_token}` })).status, 404);
    } finally {
      registry.setSso('acme', null);
    }
  });

  test('sso_authorization: only an OAuth session, only governing organizations, a list of names', async () => {
    registry.setSso('acme', { personalKeys: 'allow' });
    try {
      const bearer = `Bearer ${(await deviceTokens()).access_token}`;
      const missing = await ssoAuthorization(undefined, ['acme']);
      assert.deepEqual([missing.status, missing.data.message], [401, 'missing authentication information']);
      const key = await ssoAuthorization(aliceKey, ['acme']);
      assert.deepEqual([key.status, key.data.message], [422, 'SSO re-authorization is for an OAuth session, run mix hex.user auth to get one']);
      for (const organizations of [['bravo'], ['acme', 'nosuchorg']]) {
        const refused = await ssoAuthorization(bearer, organizations);
        assert.deepEqual([refused.status, refused.data.message], [422, 'SSO authentication is not required for the requested organizations'], organizations.join());
      }
      for (const organizations of ['acme', [], [''], [42]]) {
        const refused = await ssoAuthorization(bearer, organizations);
        assert.deepEqual([refused.status, refused.data.message], [422, 'organizations must be a list of organization names'], JSON.stringify(organizations));
      }
      const granted = await ssoAuthorization(bearer, ['acme', 'acme']);
      assert.equal(granted.status, 201);
      assert.deepEqual(Object.keys(granted.data).sort(), ['expires_in', 'verification_uri']);
      assert.match(granted.data.verification_uri, new RegExp(`^${registry.url}/sso/authorize\\?code=[\\w-]{40,}$`));
      assert.equal(granted.data.expires_in, 600);
    } finally {
      registry.setSso('acme', null);
    }
  });

  test('after the identity-provider step the session refreshes into the scope it was missing, for a day', async () => {
    registry.setSso('acme', { personalKeys: 'allow' });
    try {
      const tokens = await deviceTokens();
      const granted = await ssoAuthorization(`Bearer ${tokens.access_token}`, ['acme']);
      const code = codeOf(granted.data.verification_uri);
      assert.throws(() => registry.completeSso(code, 'bob'), /no open SSO authorization/);
      registry.completeSso(code, 'alice');
      assert.throws(() => registry.completeSso(code, 'alice'), /no open SSO authorization/, 'used once');

      const renewed = await refresh(tokens.refresh_token);
      assert.equal(renewed.status, 200);
      assert.equal(renewed.data.scope, 'api:read api:write repository:hexpm repository:acme repository:bravo');
      assert.equal('sso_reauth_required' in renewed.data, false);
      const bearer = `Bearer ${renewed.data.access_token}`;
      assert.equal((await call(registry, 'GET', '/api/repos/acme/packages/billing', { auth: bearer })).status, 200);
      assert.equal((await call(registry, 'GET', '/repo/repos/acme/names', { auth: bearer })).status, 200);
      // Another session of the same user has no organization access.
      assert.deepEqual((await deviceTokens()).sso_reauth_required, ['acme']);

      registry.advanceClock(24 * 60 * 60 + 1);
      const later = await refresh(renewed.data.refresh_token);
      assert.deepEqual(later.data.sso_reauth_required, ['acme']);
      assert.equal((await call(registry, 'GET', '/api/orgs/acme', { auth: `Bearer ${later.data.access_token}` })).status, 403);
    } finally {
      registry.setSso('acme', null);
    }
  });

  test('a verification URI expires after ten minutes', async () => {
    registry.setSso('acme', { personalKeys: 'allow' });
    try {
      const granted = await ssoAuthorization(`Bearer ${(await deviceTokens()).access_token}`, ['acme']);
      registry.advanceClock(601);
      assert.throws(() => registry.completeSso(codeOf(granted.data.verification_uri), 'alice'), /no open SSO authorization/);
    } finally {
      registry.setSso('acme', null);
    }
  });

  test('personal keys reach the organization unless it blocks them; its own keys always do', async () => {
    registry.setSso('acme', { personalKeys: 'allow' });
    try {
      assert.equal((await call(registry, 'GET', '/api/repos/acme/packages/billing', { auth: aliceKey })).status, 200);
      assert.equal((await call(registry, 'GET', '/repo/repos/acme/names', { auth: aliceKey })).status, 200);

      registry.setSso('acme', { personalKeys: 'block' });
      for (const path of ['/api/repos/acme/packages/billing', '/api/auth?domain=repository&resource=acme']) {
        const refused = await call(registry, 'GET', path, { auth: aliceKey });
        assert.deepEqual([refused.status, refused.data], [403, { status: 403, message: personalKey }], path);
      }
      const repo = await call(registry, 'GET', '/repo/repos/acme/names', { auth: aliceKey });
      assert.deepEqual([repo.status, repo.body.toString()], [403, `${personalKey}\n`]);
      // An exchange of the personal key is granted without the organization, and names nothing.
      const exchanged = await call(registry, 'POST', '/api/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: HEX_CLI, client_secret: aliceKey, scope: 'repository:acme repository:bravo' },
      });
      assert.equal(exchanged.status, 200);
      assert.equal(exchanged.data.scope, 'repository:bravo');
      assert.equal('sso_reauth_required' in exchanged.data, false);

      for (const path of ['/api/repos/acme/packages/billing', '/repo/repos/acme/names', '/api/auth?domain=repository&resource=acme']) {
        assert.equal((await call(registry, 'GET', path, { auth: orgKey })).status < 300, true, path);
      }
      const orgToken = await call(registry, 'POST', '/api/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: HEX_CLI, client_secret: orgKey, scope: 'repository:acme' },
      });
      assert.equal(orgToken.data.scope, 'repository:acme');
      assert.equal((await call(registry, 'GET', '/repo/repos/acme/names', { auth: `Bearer ${orgToken.data.access_token}` })).status, 200);
    } finally {
      registry.setSso('acme', null);
    }
  });

  test('the /_test/ switches', async () => {
    const on = await call(registry, 'POST', '/_test/orgs/acme/sso', { body: { required: true, personal_keys: 'block' } });
    assert.equal(on.status, 204);
    const tokens = await deviceTokens();
    assert.deepEqual(tokens.sso_reauth_required, ['acme']);
    const granted = await ssoAuthorization(`Bearer ${tokens.access_token}`, ['acme']);
    const wrong = await call(registry, 'POST', '/_test/sso/authorize', { body: { code: 'nope', username: 'alice' } });
    assert.deepEqual([wrong.status, wrong.data.error], [400, 'no open SSO authorization with this code for alice']);
    const done = await call(registry, 'POST', '/_test/sso/authorize', { body: { code: codeOf(granted.data.verification_uri), username: 'alice' } });
    assert.deepEqual([done.status, done.data], [200, { status: 'authorized' }]);
    assert.equal('sso_reauth_required' in (await refresh(tokens.refresh_token)).data, false);
    const bad = await call(registry, 'POST', '/_test/orgs/acme/sso', { body: { required: true, personal_keys: 'sometimes' } });
    assert.equal(bad.status, 400);
    const off = await call(registry, 'POST', '/_test/orgs/acme/sso', { body: { required: false } });
    assert.equal(off.status, 204);
    assert.equal('sso_reauth_required' in (await deviceTokens()), false);
  });
});
