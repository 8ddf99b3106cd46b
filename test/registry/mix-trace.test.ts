import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeEtf, encodeEtf } from '../../src/erlang/etf.js';
import { jsonToTerm, termToJson } from '../../src/erlang/json.js';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { startRegistry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call, type Response } from './test-client.js';

// Replays, in order, every request the real `mix hex` (Hex 2.5.1) sent in the recorded session
// (refs/traces/hex-2.5.1/requests.jsonl; the mock it ran against answered with made-up
// credentials). The mock's credentials are mapped to real ones arranged here, as if the
// session had run with HEX_OTP set (mix's 2FA step keeps its own codes). Each request must get
// the answer hex.pm would give, in the Erlang term format mix asked for.

interface TraceRequest {
  seq: number;
  label: string;
  method: string;
  url: string;
  raw_headers: string[];
  hex_erlang: boolean;
  body_base64: string;
  response: { status: number; body?: Record<string, unknown> };
}

const TRACE = readFileSync(new URL('../fixtures/registry/hex-2.5.1-requests.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as TraceRequest & { marker?: string })
  .filter((entry) => entry.marker === undefined);

const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const ERLANG = 'application/vnd.hex+erlang; charset=utf-8';

// What hex.pm answers each request, given the state arranged below.
const EXPECTED: Record<number, number> = {
  1: 200, 2: 400, 3: 200, 4: 200, 5: 200, // login
  6: 200, 7: 400, 8: 200, // login again (after revoking the old token)
  9: 201, 10: 200, 11: 401, 12: 201, 13: 200, // keys and organization auth
  14: 401, 15: 200, 16: 200, 17: 200, 18: 401, // deps.get against the repository, without a repository key
  19: 200, 20: 201, 21: 201, 22: 200, 23: 422, 24: 201, // private publish, then again without --replace
  25: 200, 26: 201, 27: 200, 28: 200, 29: 422, 30: 200, // public publish, then again
  31: 401, 32: 401, 33: 422, // the 2FA prompts, then the replace check
  34: 200, 35: 422, 36: 200, 37: 200, // HEX_API_KEY, whoami, deauth
};

test('the real mix client’s requests get hex.pm’s answers', async (t) => {
  const registry = await startRegistry();
  t.after(() => registry.stop());
  registry.createUser({ username: 'alice', email: 'alice@example.com' });
  registry.setTotp('alice', TOTP_SECRET);
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  await registry.publish(await makeTarball({ name: 'ecto', version: '2.2.12' }), { publisher: 'alice' });
  await registry.publish(await makeTarball({ name: 'other_private', version: '1.0.3' }), { publisher: 'alice', repository: 'acme' });

  const otp = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));
  // The mock's made-up values → real ones.
  const substitutions = new Map<string, string>([
    ['SOMEKEY', registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] })],
    ['env_api_key_0123456789', registry.createKey({ user: 'alice' }, { name: 'env' })],
  ]);
  const substitute = (value: unknown): unknown => {
    if (typeof value === 'string') return substitutions.get(value) ?? value;
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
    return value;
  };

  const results: Array<[number, number]> = [];
  for (const request of TRACE) {
    const headers: Record<string, string> = {};
    for (let i = 0; i < request.raw_headers.length; i += 2) headers[request.raw_headers[i]!.toLowerCase()] = request.raw_headers[i + 1]!;
    const expectContinue = headers.expect === '100-continue';
    const authorization = headers.authorization;
    for (const name of ['host', 'content-length', 'te', 'connection', 'expect', 'authorization']) delete headers[name];

    let auth: string | undefined;
    if (authorization?.startsWith('Bearer ')) auth = `Bearer ${substitutions.get(authorization.slice(7)) ?? authorization.slice(7)}`;
    else if (authorization !== undefined) auth = substitutions.get(authorization) ?? authorization;
    const otpStep = request.label.includes('-otp');
    if (headers['x-hex-otp'] === '123456') headers['x-hex-otp'] = otp();
    else if (!otpStep && auth?.startsWith('Bearer ') && request.method !== 'GET') headers['x-hex-otp'] = otp();

    let body: Buffer = Buffer.from(request.body_base64 ?? '', 'base64');
    if (request.hex_erlang && body.length > 0) body = encodeEtf(jsonToTerm(substitute(termToJson(decodeEtf(body)))));

    const res = await call(registry, request.method, request.url, {
      headers,
      auth,
      body: body.length > 0 ? body : undefined,
      expectContinue,
      noUserAgent: true,
    });
    results.push([request.seq, res.status]);
    checkShape(request, res, registry.url);

    // Follow the device flow: approve after the first pending poll; learn the tokens.
    const mockBody = request.response.body ?? {};
    if (request.url === '/api/oauth/device_authorization') {
      substitutions.set(mockBody.device_code as string, res.data.device_code);
      substitutions.set(`pending:${mockBody.device_code as string}`, res.data.user_code);
    }
    if (request.url === '/api/oauth/token' && res.status === 400 && res.data.error === 'authorization_pending') {
      const deviceCode = termToJson(decodeEtf(Buffer.from(request.body_base64, 'base64'))) as { device_code: string };
      registry.approveDevice(substitutions.get(`pending:${deviceCode.device_code}`)!, 'alice');
    }
    if (request.url === '/api/oauth/token' && res.status === 200) {
      substitutions.set(mockBody.access_token as string, res.data.access_token);
      substitutions.set(mockBody.refresh_token as string, res.data.refresh_token);
    }
  }
  assert.deepEqual(results, TRACE.map((r) => [r.seq, EXPECTED[r.seq]]));
});

function checkShape(request: TraceRequest, res: Response, url: string): void {
  const what = `#${request.seq} ${request.method} ${request.url}`;
  if (request.url.startsWith('/repo/')) {
    if (res.status === 200) assert.ok(res.body.length > 0 || request.url.endsWith('.csv'), what);
    return;
  }
  if (res.body.length > 0) assert.equal(res.headers['content-type'], ERLANG, what);
  const data = res.data;
  if (request.url === '/api/oauth/device_authorization') {
    assert.deepEqual(Object.keys(data).sort(), ['device_code', 'expires_in', 'interval', 'user_code', 'verification_uri', 'verification_uri_complete'], what);
  } else if (request.url === '/api/oauth/token') {
    if (res.status === 200) {
      assert.equal(data.token_type, 'bearer', what);
      assert.equal(typeof data.refresh_token, 'string', what);
      assert.equal(data.scope, 'api:read api:write repository:hexpm repository:acme', what);
    } else assert.deepEqual(data, { error: 'authorization_pending', error_description: 'Authorization pending' }, what);
  } else if (request.url === '/api/oauth/revoke') {
    assert.equal(res.body.length, 0, what);
  } else if (request.url === '/api/users/me') {
    assert.equal(data.username, 'alice', what);
    assert.deepEqual(data.organizations, [{ name: 'acme', role: 'admin' }], what);
  } else if (request.url === '/api/keys' || request.url === '/api/orgs/acme/keys') {
    if (request.method === 'POST') assert.match(data.secret, /^[0-9a-f]{32}$/, what);
    else assert.deepEqual(data.map((k: { name: string }) => k.name), ['ci', 'vm'], what);
  } else if (request.url.startsWith('/api/auth')) {
    if (res.status === 200) assert.deepEqual(data, { key: { name: 'ci', owner: { type: 'organization', name: 'acme' } } }, what);
    else assert.deepEqual(data, { status: 401, message: 'invalid API key' }, what);
  } else if (request.url.endsWith('/docs')) {
    assert.equal(res.headers.location, `${url}/repo/repos/acme/docs/secret-0.1.0.tar.gz`, what);
  } else if (request.url.includes('/releases')) {
    if (res.status === 201) assert.ok(data.html_url.startsWith(`${url}/packages/`), what);
    else if (res.status === 422) assert.deepEqual(data.errors, { inserted_at: 'must include the --replace flag to update an existing release' }, what);
    else assert.match(res.headers['www-authenticate'] as string, /error="(totp_required|invalid_totp)"/, what);
  } else if (request.url === '/api/repos/hexpm/packages/tiny') {
    assert.equal(data.name, 'tiny', what);
  }
}
