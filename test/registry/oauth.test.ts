import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type Registry } from '../../registry/server.js';
import { call } from './test-client.js';

// api.md §4 (OAuth) and §2 (tokens), client.md §2.1 (the device flow from mix's side).

const HEX_CLI = '78ea6566-89fd-481e-a1d6-7d9d78eacca8';
const HEXTS = 'ad76d541-63f7-4016-a615-22bd2296581f';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('OAuth', () => {
  let registry: Registry;

  before(async () => {
    registry = await startRegistry();
    registry.createUser({ username: 'alice' });
    registry.createOrganization({ name: 'acme', admin: 'alice' });
  });
  after(() => registry.stop());

  async function startDevice(clientId = HEX_CLI, format: 'json' | 'erlang' = 'json') {
    const res = await call(registry, 'POST', '/api/oauth/device_authorization', {
      format,
      body: { client_id: clientId, scope: 'api repositories', name: 'vm' },
    });
    assert.equal(res.status, 200);
    return res.data as { device_code: string; user_code: string };
  }

  const poll = (deviceCode: string, clientId = HEX_CLI, format: 'json' | 'erlang' = 'json') =>
    call(registry, 'POST', '/api/oauth/token', { format, body: { grant_type: DEVICE_GRANT, device_code: deviceCode, client_id: clientId } });

  test('device authorization answers with codes, URLs, expiry and interval', async () => {
    for (const format of ['json', 'erlang'] as const) {
      const res = await call(registry, 'POST', '/api/oauth/device_authorization', {
        format,
        body: { client_id: HEX_CLI, scope: 'api repositories', name: 'vm' },
      });
      assert.equal(res.status, 200);
      const data = res.data;
      assert.match(data.user_code, /^[23456789BCDFGHJKLMNPQRSTVWXYZ]{8}$/);
      assert.equal(typeof data.device_code, 'string');
      assert.equal(data.verification_uri, `${registry.url}/oauth/device`);
      assert.equal(data.verification_uri_complete, `${registry.url}/oauth/device?user_code=${data.user_code}`);
      assert.equal(data.expires_in, 600);
      assert.equal(data.interval, 5);
    }
    registry.configure({ deviceInterval: 0 });
    assert.equal((await startDevice()).user_code.length, 8);
    const res = await call(registry, 'POST', '/api/oauth/device_authorization', { body: { client_id: HEX_CLI } });
    assert.equal(res.data.interval, 0);
  });

  test('device flow: pending, approved, then tokens', async () => {
    for (const format of ['json', 'erlang'] as const) {
      const { device_code, user_code } = await startDevice(HEX_CLI, format);
      const pending = await poll(device_code, HEX_CLI, format);
      assert.equal(pending.status, 400);
      assert.deepEqual(pending.data, { error: 'authorization_pending', error_description: 'Authorization pending' });

      const approve = await call(registry, 'POST', '/_test/device/approve', { body: { user_code, username: 'alice' } });
      assert.equal(approve.status, 200);
      const granted = await poll(device_code, HEX_CLI, format);
      assert.equal(granted.status, 200);
      assert.equal(granted.data.token_type, 'bearer');
      assert.equal(granted.data.expires_in, 1800);
      assert.equal(granted.data.scope, 'api:read api:write repository:hexpm repository:acme');
      assert.equal(typeof granted.data.refresh_token, 'string');

      const jwt = claims(granted.data.access_token);
      assert.equal(jwt.iss, 'hexpm');
      assert.equal(jwt.aud, 'hexpm:api');
      assert.equal(jwt.sub, 'user:alice');
      assert.equal(jwt.scope, granted.data.scope);
      assert.equal((jwt.exp as number) - (jwt.iat as number), 1800);
      assert.equal(typeof jwt.jti, 'string');
      assert.equal(JSON.parse(Buffer.from(granted.data.access_token.split('.')[0], 'base64url').toString()).alg, 'ES256');

      const me = await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${granted.data.access_token}` });
      assert.equal(me.status, 200);
      assert.equal(me.data.username, 'alice');
    }
  });

  test('device flow: boxes unticked on the consent page narrow the token; api:read always stays, api:write needs 2FA', async () => {
    const approve = (user_code: string, scopes: unknown) => call(registry, 'POST', '/_test/device/approve', { body: { user_code, username: 'alice', scopes } });
    let { device_code, user_code } = await startDevice();
    assert.deepEqual((await approve(user_code, ['api:write'])).data, { error: 'tfa_required: Two-factor authentication is required for api:write permissions' });
    assert.deepEqual((await approve(user_code, ['api:read', 'package:owned'])).data, { error: 'invalid_scopes: Selected scopes not in original request' });
    assert.equal((await approve(user_code, ['repositories'])).status, 200);
    let granted = await poll(device_code);
    assert.equal(granted.data.scope, 'api:read repository:hexpm repository:acme');
    // A refresh keeps the narrowed grant.
    const refreshed = await call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'refresh_token', refresh_token: granted.data.refresh_token, client_id: HEX_CLI } });
    assert.equal(refreshed.data.scope, 'api:read repository:hexpm repository:acme');
    const write = await call(registry, 'POST', '/api/keys', { auth: `Bearer ${refreshed.data.access_token}`, body: { name: 'k' } });
    assert.deepEqual([write.status, write.data.message], [401, 'key not authorized for this action']);

    registry.setTotp('alice', 'JBSWY3DPEHPK3PXP');
    try {
      ({ device_code, user_code } = await startDevice());
      assert.equal((await approve(user_code, ['api:write'])).status, 200);
      granted = await poll(device_code);
      assert.equal(granted.data.scope, 'api:read api:write');
    } finally {
      registry.setTotp('alice', null);
    }
  });

  test('device flow: denied', async () => {
    const { device_code, user_code } = await startDevice();
    const deny = await call(registry, 'POST', '/_test/device/deny', { body: { user_code } });
    assert.equal(deny.status, 200);
    const res = await poll(device_code);
    assert.equal(res.status, 403);
    assert.deepEqual(res.data, { error: 'access_denied', error_description: 'Authorization denied by user' });
  });

  test('device flow: expiry follows the registry clock', async () => {
    const { device_code, user_code } = await startDevice();
    registry.advanceClock(601);
    const res = await poll(device_code);
    assert.equal(res.status, 400);
    assert.deepEqual(res.data, { error: 'expired_token', error_description: 'Device code has expired' });
    const approve = await call(registry, 'POST', '/_test/device/approve', { body: { user_code, username: 'alice' } });
    assert.equal(approve.status, 400);
  });

  test('device flow: unknown codes and clients', async () => {
    const unknown = await poll('no-such-code');
    assert.deepEqual([unknown.status, unknown.data.error, unknown.data.error_description], [400, 'invalid_grant', 'Invalid device code']);
    const { device_code } = await startDevice(HEXTS);
    const wrongClient = await poll(device_code, HEX_CLI);
    assert.deepEqual([wrongClient.status, wrongClient.data.error], [401, 'invalid_client']);
    const badClient = await call(registry, 'POST', '/api/oauth/device_authorization', { body: { client_id: 'nope', scope: 'api' } });
    assert.deepEqual([badClient.status, badClient.data], [401, { error: 'invalid_client', error_description: 'Invalid client' }]);
    const noClient = await call(registry, 'POST', '/api/oauth/device_authorization', { body: { scope: 'api' } });
    assert.deepEqual([noClient.status, noClient.data.error_description], [401, 'Missing client_id']);
    const badScope = await call(registry, 'POST', '/api/oauth/device_authorization', { body: { client_id: HEX_CLI, scope: 'api nonsense' } });
    assert.deepEqual([badScope.status, badScope.data], [400, { error: 'invalid_scope', error_description: 'Invalid scope' }]);
    const grant = await call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'password', client_id: HEX_CLI } });
    assert.deepEqual([grant.status, grant.data], [400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant type: "password"' }]);
  });

  test('refresh tokens rotate; the old one is revoked', async () => {
    const { refreshToken } = registry.createToken('alice');
    const first = await call(registry, 'POST', '/api/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: HEX_CLI },
    });
    assert.equal(first.status, 200);
    assert.notEqual(first.data.refresh_token, refreshToken);
    assert.equal(first.data.expires_in, 1800);
    const reused = await call(registry, 'POST', '/api/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: HEX_CLI },
    });
    assert.deepEqual([reused.status, reused.data.error_description], [400, 'Refresh token has been revoked']);
    const second = await call(registry, 'POST', '/api/oauth/token', {
      format: 'erlang',
      body: { grant_type: 'refresh_token', refresh_token: first.data.refresh_token, client_id: HEX_CLI },
    });
    assert.equal(second.status, 200);
    // The access token of a rotated grant stops working.
    const old = await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${first.data.access_token}` });
    assert.equal(old.status, 401);
    const garbage = await call(registry, 'POST', '/api/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: 'garbage', client_id: HEX_CLI },
    });
    assert.deepEqual([garbage.status, garbage.data.error_description], [400, 'Invalid refresh token']);
  });

  test('refresh tokens last 30 days; rotation keeps the session’s end', async () => {
    const refresh = (token: string) =>
      call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'refresh_token', refresh_token: token, client_id: HEX_CLI } });
    const unused = registry.createToken('alice').refreshToken;
    const rotated = registry.createToken('alice').refreshToken;
    registry.advanceClock(10 * 86400);
    const second = await refresh(rotated);
    assert.equal(second.status, 200);
    registry.advanceClock(21 * 86400);
    // The first token's JWT has expired; the rotated one is a new JWT, but its session ended.
    assert.equal((await refresh(unused)).data.error_description, 'Invalid refresh token');
    const expired = await refresh(second.data.refresh_token);
    assert.deepEqual([expired.status, expired.data], [400, { error: 'invalid_grant', error_description: 'Refresh token has expired' }]);
  });

  test('access tokens expire after 30 minutes on the registry clock', async () => {
    const { accessToken } = registry.createToken('alice');
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${accessToken}` })).status, 200);
    registry.advanceClock(1801);
    const res = await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${accessToken}` });
    assert.equal(res.status, 401);
    assert.equal(res.data.message, 'invalid API key');
  });

  test('revoke kills the token; revoke_by_hash the whole session; both answer 200 empty', async () => {
    const a = registry.createToken('alice');
    const revoke = await call(registry, 'POST', '/api/oauth/revoke', { format: 'erlang', body: { token: a.accessToken, client_id: HEX_CLI } });
    assert.equal(revoke.status, 200);
    assert.equal(revoke.body.length, 0);
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${a.accessToken}` })).status, 401);
    const refresh = await call(registry, 'POST', '/api/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: a.refreshToken, client_id: HEX_CLI },
    });
    assert.equal(refresh.data.error_description, 'Refresh token has been revoked');

    const unknown = await call(registry, 'POST', '/api/oauth/revoke', { body: { token: 'whatever', client_id: HEX_CLI } });
    assert.equal(unknown.status, 200);

    const b = registry.createToken('alice');
    const rotated = await call(registry, 'POST', '/api/oauth/token', {
      body: { grant_type: 'refresh_token', refresh_token: b.refreshToken, client_id: HEX_CLI },
    });
    const hash = createHash('sha256').update(rotated.data.refresh_token).digest('hex');
    const byHash = await call(registry, 'POST', '/api/oauth/revoke_by_hash', { body: { token_hash: hash } });
    assert.equal(byHash.status, 200);
    assert.equal((await call(registry, 'GET', '/api/users/me', { auth: `Bearer ${rotated.data.access_token}` })).status, 401);
  });

  test('client_credentials exchanges an API key for a token without refresh', async () => {
    const key = registry.createKey({ user: 'alice' }, { name: 'exchange', permissions: [{ domain: 'repositories' }, { domain: 'api', resource: 'read' }] });
    const ok = await call(registry, 'POST', '/api/oauth/token', {
      format: 'erlang',
      body: { grant_type: 'client_credentials', client_id: HEX_CLI, client_secret: key, scope: 'repositories api:read' },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.data.scope, 'api:read repository:hexpm repository:acme');
    assert.equal(ok.data.refresh_token, undefined);
    const tooMuch = await call(registry, 'POST', '/api/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: HEX_CLI, client_secret: key, scope: 'api:write' },
    });
    assert.deepEqual([tooMuch.status, tooMuch.data], [400, { error: 'invalid_scope', error_description: 'Requested scopes exceed API key permissions' }]);
    const missing = await call(registry, 'POST', '/api/oauth/token', { body: { grant_type: 'client_credentials', client_id: HEX_CLI } });
    assert.deepEqual([missing.status, missing.data.error], [400, 'invalid_request']);
    const bad = await call(registry, 'POST', '/api/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: HEX_CLI, client_secret: 'nope', scope: 'api' },
    });
    assert.deepEqual([bad.status, bad.data], [401, { error: 'invalid_client', error_description: 'Invalid API key' }]);

    const orgKey = registry.createKey({ organization: 'acme' }, { name: 'org', permissions: [{ domain: 'repository', resource: 'acme' }] });
    const org = await call(registry, 'POST', '/api/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: HEXTS, client_secret: orgKey, scope: 'repositories' },
    });
    assert.equal(org.data.scope, 'repository:acme');
    assert.equal(claims(org.data.access_token).sub, 'org:acme');
  });
});

describe('2FA on OAuth writes', () => {
  let registry: Registry;

  before(async () => {
    registry = await startRegistry();
    registry.createUser({ username: 'alice' });
    registry.createUser({ username: 'bob' });
  });
  after(() => registry.stop());

  const SECRET = 'JBSWY3DPEHPK3PXP';

  const totp = (secret: string, unixSeconds: number) => totpCode(base32Decode(secret)!, unixSeconds);

  test('TOTP codes follow RFC 6238 (SHA-1 test vectors, 6 digits)', () => {
    const secret = Buffer.from('12345678901234567890');
    assert.equal(totpCode(secret, 59), '287082');
    assert.equal(totpCode(secret, 1111111109), '081804');
    assert.equal(totpCode(secret, 2000000000), '279037');
  });

  test('2FA off: OAuth writes are refused, reads work', async () => {
    const { accessToken } = registry.createToken('bob');
    const write = await call(registry, 'POST', '/api/keys', { auth: `Bearer ${accessToken}`, body: { name: 'k' } });
    assert.equal(write.status, 403);
    assert.deepEqual(write.data, { status: 403, message: 'Two-factor authentication must be enabled for API write access' });
    assert.equal((await call(registry, 'GET', '/api/keys', { auth: `Bearer ${accessToken}` })).status, 200);
  });

  test('required, invalid and valid codes; API keys need none', async () => {
    const setup = await call(registry, 'POST', '/_test/users/alice/totp', { body: { secret: SECRET } });
    assert.equal(setup.status, 204);
    const { accessToken } = registry.createToken('alice');
    const auth = `Bearer ${accessToken}`;
    for (const format of ['json', 'erlang'] as const) {
      const missing = await call(registry, 'POST', '/api/keys', { auth, format, body: { name: 'k' } });
      assert.equal(missing.status, 401);
      assert.equal(missing.headers['www-authenticate'], 'Bearer realm="hex", error="totp_required"');
      assert.equal(missing.data.message, 'Two-factor authentication required. Include X-Hex-OTP header with your TOTP code.');
    }
    const wrong = await call(registry, 'POST', '/api/keys', { auth, body: { name: 'k' }, headers: { 'x-hex-otp': '000000' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="hex", error="invalid_totp"');
    assert.equal(wrong.data.message, 'Invalid two-factor authentication code');
    const now = registry.now().getTime() / 1000;
    const right = await call(registry, 'POST', '/api/keys', { auth, body: { name: 'k' }, headers: { 'x-hex-otp': totp(SECRET, now) } });
    assert.equal(right.status, 201);
    const previousStep = await call(registry, 'POST', '/api/keys', { auth, body: { name: 'k' }, headers: { 'x-hex-otp': totp(SECRET, now - 30) } });
    assert.equal(previousStep.status, 201);
    const key = registry.createKey({ user: 'alice' }, { name: 'plain' });
    assert.equal((await call(registry, 'POST', '/api/keys', { auth: key, body: { name: 'k' } })).status, 201);
  });

  test('too many wrong codes give 429', async () => {
    registry.createUser({ username: 'carol' });
    registry.setTotp('carol', SECRET);
    const { accessToken } = registry.createToken('carol');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await call(registry, 'POST', '/api/keys', { auth: `Bearer ${accessToken}`, body: { name: 'k' }, headers: { 'x-hex-otp': '111111' } });
      statuses.push(res.status);
      if (res.status === 429) assert.equal(res.data.message, 'Too many failed two-factor authentication attempts. Please try again later.');
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  });
});
