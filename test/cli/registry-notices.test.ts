// What a registry says besides its answers, end to end against the local registry: the
// `x-hex-message` header (warnings shown once per run as mix words them, fatal messages as the
// error), hex.pm's deprecation of users' repository keys, read-only maintenance (retried, then
// reported as such, never as a login problem), and logins whose session has ended.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { hextsHomeIn, storedSecret } from '../helpers/keychain.js';
import { makeProject } from '../helpers/projects.js';
import { clientFor, cliEnv, deviceLogin, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
let userRepoKey: string;
let orgKey: string;
let apiKey: string;
let host: string;
const cleanups: Array<() => void> = [];
const HEX_CLI = '78ea6566-89fd-481e-a1d6-7d9d78eacca8';
const USE_INSTEAD = 'Use mix hex.user auth for development or an organization key (mix hex.organization key ORGANIZATION generate) for CI';

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

before(async () => {
  registry = await testRegistry();
  host = new URL(registry.url).host;
  registry.createUser({ username: 'pub', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  await registry.publish(await makeTarball({ name: 'tiny', version: '1.0.0' }), { publisher: 'pub' });
  await registry.publish(await makeTarball({ name: 'billing', version: '0.3.0' }), { publisher: 'pub', repository: 'acme' });
  userRepoKey = registry.createKey({ user: 'pub' }, { name: 'repo', permissions: [{ domain: 'repository', resource: 'acme' }] });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  apiKey = registry.createKey({ user: 'pub' }, { name: 'api', permissions: [{ domain: 'api', resource: null }] });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

const apiLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('API '));
const fetchTiny = (dir: string, extra: Record<string, string> = {}) =>
  runCli(['package', 'fetch', 'tiny', '1.0.0', '-o', join(dir, 'out')], { env: cliEnv(registry, dir, extra) });
const fetchBilling = (dir: string, extra: Record<string, string> = {}) =>
  runCli(['package', 'fetch', 'billing', '--organization', 'acme', '-o', join(dir, 'out')], { env: cliEnv(registry, dir, extra) });

describe('x-hex-message', () => {
  after(() => registry.clearMessages());

  test('a warning: on stderr as mix words it, once per run however many answers carry it; control characters escaped, UTF-8 kept', async () => {
    const dir = home();
    registry.addMessage({ value: '  "Hex 2.6 drops this; déjà\tvu \u009b31m" ; level = warn ' });
    registry.clearRequests();
    const result = await fetchTiny(dir);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(registry.requests().length >= 2, 'several answers carried it');
    assert.deepEqual(apiLines(result.stderr), ['API warning: Hex 2.6 drops this; déjà\\x09vu \\x9b31m']);
    assert.doesNotMatch(result.stdout, /API/);
    registry.clearMessages();
  });

  test('what mix does not show is not shown: no level, another level, no quotes, no closing quote', async () => {
    const dir = home();
    for (const value of ['"no level"', '"odd";level=info', 'bare;level=warn', '"unclosed;level=warn']) {
      registry.addMessage({ value });
      const result = await runCli(['info', 'tiny'], { env: cliEnv(registry, dir) });
      registry.clearMessages();
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(apiLines(result.stderr), [], value);
    }
  });

  test('a fatal message is the error, in the registry\'s words, even on an answer that succeeded: exit 1', async () => {
    const dir = home();
    const text = 'This registry has moved; point HEX_API_URL elsewhere';
    registry.addMessage({ value: `"${text}";level=fatal`, path: '/api/users/me' });
    const api = await runCli(['user', 'whoami', '--key', apiKey], { env: cliEnv(registry, dir) });
    assert.equal(api.code, 1);
    assert.equal(api.stderr, `error: ${text}\n`);
    registry.clearMessages();
    registry.addMessage({ value: `"${text}";level=fatal`, path: '/repo/' });
    const repo = await fetchTiny(dir);
    registry.clearMessages();
    assert.equal(repo.code, 1);
    assert.equal(repo.stderr, `error: ${text}\n`);
  });
});

describe('users\' keys with repository permissions (hex.pm\'s deprecation)', () => {
  after(() => registry.configure({ userRepositoryKeys: 'allowed' }));
  const warning = `API warning: User API keys with repository permissions are deprecated and will stop working on 2026-12-31. ${USE_INSTEAD}`;

  test('deprecated: the private package comes, with the warning once, whether the key goes as it is or is exchanged first', async () => {
    registry.configure({ userRepositoryKeys: 'deprecated' });
    for (const extra of [{}, { HEXTS_REPO_OAUTH_EXCHANGE: 'true' }] as Array<Record<string, string>>) {
      const result = await fetchBilling(home(), { HEX_API_KEY: userRepoKey, ...extra });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(apiLines(result.stderr), [warning], JSON.stringify(extra));
    }
    const org = await fetchBilling(home(), { HEX_API_KEY: orgKey });
    assert.equal(org.code, 0, org.stderr);
    assert.deepEqual(apiLines(org.stderr), []);
  });

  test('disabled: the registry\'s fatal message is the error, not a refusal by status; organization keys go on', async () => {
    registry.configure({ userRepositoryKeys: 'disabled' });
    for (const extra of [{}, { HEXTS_REPO_OAUTH_EXCHANGE: 'true' }] as Array<Record<string, string>>) {
      const result = await fetchBilling(home(), { HEX_API_KEY: userRepoKey, ...extra });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `error: User API keys no longer grant repository access. ${USE_INSTEAD}\n`, JSON.stringify(extra));
    }
    const org = await fetchBilling(home(), { HEX_API_KEY: orgKey, HEXTS_REPO_OAUTH_EXCHANGE: 'true' });
    assert.equal(org.code, 0, org.stderr);
  });
});

describe('read-only maintenance', () => {
  const maintenance = () => `${host.replace(/[.]/g, '\\.')} is in read-only maintenance; try again later`;
  const retries = (stderr: string) => stderr.split('\n').filter((l) => l.includes('is in read-only maintenance; retrying in'));
  before(() => registry.configure({ readOnly: false }));
  after(() => registry.configure({ readOnly: false }));

  test('a login waits: retried twice, announced, then reported as maintenance', async () => {
    registry.configure({ readOnly: true });
    registry.clearRequests();
    const result = await runCli(['user', 'auth', '--no-browser'], { env: cliEnv(registry, home()) });
    registry.configure({ readOnly: false });
    assert.equal(result.code, 1);
    assert.deepEqual(retries(result.stderr), [
      `${host} is in read-only maintenance; retrying in 0.2 s (1/2)…`,
      `${host} is in read-only maintenance; retrying in 0.4 s (2/2)…`,
    ]);
    assert.match(result.stderr, new RegExp(`\\nerror: ${maintenance()}\\nThe registry says: OAuth operation unavailable while the service is read-only\\. It asks to wait 60 s before trying again\\.\\n$`));
    assert.deepEqual(registry.requests().filter((r) => r.path === '/api/oauth/device_authorization').map((r) => r.status), [503, 503, 503]);
  });

  test('an expired login is not refreshed while read-only: maintenance, not "log in again"; the login stays and works afterwards', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    await deviceLogin(registry, env, 'pub');
    registry.advanceClock(3600);
    registry.configure({ readOnly: true });
    const during = await runCli(['user', 'whoami'], { env });
    registry.configure({ readOnly: false });
    assert.equal(during.code, 1);
    assert.match(during.stderr, new RegExp(`^error: ${maintenance()}$`, 'm'));
    assert.doesNotMatch(during.stderr, /user auth|log in|session|expired/i);
    assert.notEqual(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user'), undefined);
    const afterwards = await runCli(['user', 'whoami'], { env });
    assert.equal(afterwards.code, 0, afterwards.stderr);
    assert.match(afterwards.stdout, /pub/);
  });

  test('a read that needs no login goes on without it, saying why', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    await deviceLogin(registry, env, 'pub');
    registry.advanceClock(3600);
    registry.configure({ readOnly: true });
    const result = await runCli(['info', 'tiny'], { env });
    registry.configure({ readOnly: false });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`^${host.replace(/[.]/g, '\\.')} is in read-only maintenance, so your login could not be refreshed; continuing without credentials\\.$`, 'm'));
  });

  test('a write and an upload: retried, nothing sent of the tarball, reported as maintenance', async () => {
    const dir = home();
    const project = makeProject({ app: 'later_pkg', version: '1.0.0' });
    cleanups.push(project.cleanup);
    registry.configure({ readOnly: true });
    registry.clearRequests();
    const retire = await runCli(['retire', 'tiny', '1.0.0', 'other', '--message', 'use something else'], { env: cliEnv(registry, dir, { HEX_API_KEY: apiKey }) });
    const publish = await runCli(['publish', 'package', '--yes'], { cwd: project.dir, env: cliEnv(registry, dir, { HEX_API_KEY: apiKey }) });
    registry.configure({ readOnly: false });
    for (const result of [retire, publish]) {
      assert.equal(result.code, 1);
      assert.equal(retries(result.stderr).length, 2);
      assert.match(result.stderr, new RegExp(`^error: (Retiring package failed: |Publishing failed: )${maintenance()}\\nThe registry says: Hex\\.pm is temporarily read-only for maintenance\\.`, 'm'));
    }
    const posts = registry.requests().filter((r) => r.method === 'POST');
    assert.deepEqual(posts.filter((r) => r.path.startsWith('/api/packages/tiny/releases/1.0.0/retire')).map((r) => r.status), [503, 503, 503]);
    assert.deepEqual(posts.filter((r) => r.path.startsWith('/api/packages/later_pkg/releases')).map((r) => [r.status, r.body_bytes]), [[503, 0], [503, 0], [503, 0]]);
  });
});

describe('a session that has ended', () => {
  test('a refresh refused with invalid_grant: "your session has ended", the stale login removed; a read goes on without it', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    await deviceLogin(registry, env, 'pub');
    const stored = JSON.parse(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user')!);
    const client = clientFor(registry);
    await client.request({ method: 'POST', path: '/oauth/revoke', body: { token: stored.refresh_token, client_id: HEX_CLI }, auth: 'none' });
    await client.close();
    registry.advanceClock(3600);
    const read = await runCli(['info', 'tiny'], { env });
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stderr, /^Your session has ended; continuing without credentials\. Run `hexts user auth` to log in again\.$/m);
    assert.equal(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user'), undefined);
    registry.clearRequests();
    const whoami = await runCli(['user', 'whoami'], { env });
    assert.equal(whoami.code, 1);
    assert.match(whoami.stderr, /no authenticated user found/);
    assert.equal(registry.requests().filter((r) => r.path === '/api/oauth/token').length, 0, 'no refresh of a session known to be over');
  });
});
