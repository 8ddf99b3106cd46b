// What an OAuth login may do, and which OAuth client it is made with, through the CLI against
// the local registry: scopes unticked on the consent page (hexpm's device page) narrow the
// login, which hexts records, shows and respects before sending a write; and the client id is a
// setting per API URL, the Hex CLI's being the default for hex.pm's API only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { cliEnv, deviceCodeIn, testRegistry, type Registry } from '../helpers/registry.js';

const HEX_CLI = '78ea6566-89fd-481e-a1d6-7d9d78eacca8';
/** Another client the local registry has registered, as a self-hosted hexpm's operators would give one. */
const OWN_CLIENT = 'ad76d541-63f7-4016-a615-22bd2296581f';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';

let registry: Registry;
const cleanups: Array<() => void> = [];
before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'nora' });
  registry.setTotp('nora', TOTP_SECRET);
  registry.createOrganization({ name: 'noraco', admin: 'nora' });
  await registry.publish(await makeTarball({ name: 'nora_pkg', version: '1.0.0' }), { publisher: 'nora' });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

function home(): { home: string; hextsHome: string } {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h;
}

const otp = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));

/** `hexts user auth`, approved on the consent page with `scopes` left ticked (all when undefined). */
function login(env: Record<string, string | undefined>, scopes?: string[]): Promise<CliResult> {
  let approved = false;
  return runCli(['user', 'auth', '--no-browser'], {
    env,
    onStderr: (text) => {
      const code = deviceCodeIn(text);
      if (!code || approved) return;
      approved = true;
      registry.approveDevice(code, 'nora', scopes);
    },
  });
}

describe('a login narrowed on the consent page', () => {
  test('its scopes are stored, shown by whoami (and --json), and a write is refused before the request with the fix', async () => {
    const { home: dir } = home();
    const env = cliEnv(registry, dir);
    const auth = await login(env, ['repositories']);
    assert.equal(auth.code, 0, auth.stderr);

    const who = await runCli(['user', 'whoami'], { env });
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /^ {2}Scopes: api:read, repository:hexpm, repository:noraco \(no api:write: to write, run `hexts user auth` again and keep it ticked\)$/m);
    const json = JSON.parse((await runCli(['--json', 'user', 'whoami'], { env })).stdout);
    assert.deepEqual(json.credential.scopes, ['api:read', 'repository:hexpm', 'repository:noraco']);

    const fix = 'Log in again with `hexts user auth` and keep "api:write" ticked on the consent page (it needs two-factor authentication on your account), or pass --key.';
    const writes: Array<[string[], string]> = [
      [['user', 'key', 'generate', '--key-name', 'ci'], 'generate keys'],
      [['retire', 'nora_pkg', '1.0.0', 'other', '--message', 'gone'], 'retire a release'],
      [['owner', 'add', 'nora_pkg', 'someone'], 'change package owners'],
    ];
    for (const [argv, action] of writes) {
      registry.clearRequests();
      const refused = await runCli(argv, { env: { ...env, HEX_OTP: otp() } });
      assert.equal(refused.code, 1, refused.stderr);
      assert.ok(
        refused.stderr.includes(`your login as nora (OAuth token in the OS keychain) cannot ${action}: it was granted without api:write\n${fix}\n`),
        refused.stderr,
      );
      assert.deepEqual(registry.requests().filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`), [], argv.join(' '));
    }

    // Reads go on with the narrowed login.
    const keys = await runCli(['user', 'key', 'list'], { env });
    assert.equal(keys.code, 0, keys.stderr);

    // A refresh keeps the grant as the registry answers it.
    registry.advanceClock(3600);
    const refreshed = await runCli(['--json', 'user', 'whoami'], { env });
    assert.equal(refreshed.code, 0, refreshed.stderr);
    assert.deepEqual(JSON.parse(refreshed.stdout).credential.scopes, ['api:read', 'repository:hexpm', 'repository:noraco']);

    // Logging in again with the box kept: writes are sent.
    assert.equal((await login(env)).code, 0);
    const full = await runCli(['user', 'whoami'], { env });
    assert.match(full.stdout, /^ {2}Scopes: api:read, api:write, repository:hexpm, repository:noraco$/m);
    const generated = await runCli(['user', 'key', 'generate', '--key-name', 'ci'], { env: { ...env, HEX_OTP: otp() } });
    assert.equal(generated.code, 0, generated.stderr);
  });

  test('a key given for the run is used instead, and keys show no scopes', async () => {
    const { home: dir } = home();
    const env = cliEnv(registry, dir);
    assert.equal((await login(env, [])).code, 0);
    const key = registry.createKey({ user: 'nora' }, { name: 'given' });
    const generated = await runCli(['user', 'key', 'generate', '--key-name', 'from-key', '--key', '-'], { env, stdin: key });
    assert.equal(generated.code, 0, generated.stderr);
    const who = await runCli(['--json', 'user', 'whoami', '--key', '-'], { env, stdin: key });
    assert.equal(JSON.parse(who.stdout).credential.scopes, null);
  });
});

describe('the OAuth client, per API URL', () => {
  test('a registry other than hex.pm with no client id: user auth says what to ask for and where to put it, and sends nothing', async () => {
    const { home: dir } = home();
    const env = cliEnv(registry, dir, { HEXTS_OAUTH_CLIENT_ID: undefined });
    registry.clearRequests();
    // Were the device flow started, its code would expire at once rather than wait.
    const result = await runCli(['user', 'auth', '--no-browser'], { env, onStderr: (text) => void (deviceCodeIn(text) && registry.advanceClock(601)) });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.startsWith(`error: no OAuth client id is set for ${registry.apiUrl}\n`), result.stderr);
    assert.match(result.stderr, /ask them for its id, then run `hexts config oauth_client_id ID` \(kept for this API URL\) or set HEXTS_OAUTH_CLIENT_ID/);
    assert.match(result.stderr, /public client with the device_code, refresh_token and client_credentials grants/);
    assert.deepEqual(registry.requests(), []);
  });

  test('hexts config oauth_client_id sets it for the API URL in use only; hex.pm keeps the Hex CLI\'s', async () => {
    const { home: dir, hextsHome } = home();
    const env = cliEnv(registry, dir, { HEXTS_OAUTH_CLIENT_ID: undefined });
    const set = await runCli(['config', 'oauth_client_id', OWN_CLIENT], { env });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, new RegExp(`^Set oauth_client_id for ${registry.apiUrl.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} in `));
    assert.deepEqual(JSON.parse(readFileSync(join(hextsHome, 'config.json'), 'utf8')), { oauth_client_id: { [registry.apiUrl]: OWN_CLIENT } });

    const shown = async (argv: string[]) => (await runCli(['--json', ...argv, 'config', 'oauth_client_id'], { env })).stdout;
    assert.deepEqual(JSON.parse(await shown([])), { key: 'oauth_client_id', value: OWN_CLIENT, source: { kind: 'file', path: join(hextsHome, 'config.json'), api_url: registry.apiUrl } });
    assert.deepEqual(JSON.parse(await shown(['--api-url', 'https://hex.pm/api'])), { key: 'oauth_client_id', value: HEX_CLI, source: { kind: 'default' } });
    assert.deepEqual(JSON.parse(await shown(['--api-url', 'https://hexpm.example.com/api'])), { key: 'oauth_client_id', value: null, source: { kind: 'default' } });
    const listed = await runCli(['config', '--api-url', 'https://hexpm.example.com/api'], { env });
    assert.match(listed.stdout, /^oauth_client_id: \(not set\)$/m);

    // The client set here logs in, and its tokens are refreshed with it.
    assert.equal((await login(env)).code, 0);
    registry.advanceClock(3600);
    const who = await runCli(['user', 'whoami'], { env });
    assert.equal(who.code, 0, who.stderr);

    // HEXTS_OAUTH_CLIENT_ID is the run's: it beats the file for the API URL in use.
    const overridden = await runCli(['config', 'oauth_client_id'], { env: { ...env, HEXTS_OAUTH_CLIENT_ID: HEX_CLI } });
    assert.equal(overridden.stdout, `${HEX_CLI}\n`);

    const removed = await runCli(['config', 'oauth_client_id', '--delete'], { env });
    assert.match(removed.stderr, /^Removed oauth_client_id for https:\/\/127\.0\.0\.1:\d+\/api from /);
    assert.deepEqual(JSON.parse(readFileSync(join(hextsHome, 'config.json'), 'utf8')), {});
  });
});
