// What a registry says besides its answers, end to end against the local registry: the
// `x-hex-message` header (warnings shown once per run as mix words them, fatal messages as the
// error) and hex.pm's deprecation of users' repository keys.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
let userRepoKey: string;
let orgKey: string;
let apiKey: string;
const cleanups: Array<() => void> = [];
const USE_INSTEAD = 'Use mix hex.user auth for development or an organization key (mix hex.organization key ORGANIZATION generate) for CI';

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

before(async () => {
  registry = await testRegistry();
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
