// `hexts organization …` end to end against the local registry: people with the keychain,
// and a CI-like machine with no keychain, no login and an empty HOME.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parsePermission } from '../../src/api/permissions.js';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { runCli, scratchHome, spawnCli, type CliResult } from '../helpers/cli.js';
import { cliEnv, deviceLogin, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';

let registry: Registry;
const cleanups: Array<() => void> = [];
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const otp = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));

function home() {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Fails if `secret` shows in any output, or in any file under `dir` but the `allowed` ones. */
function assertNowhere(secret: string, dir: string, outputs: CliResult[], allowed: string[] = []): void {
  for (const out of outputs) {
    assert.ok(!out.stdout.includes(secret) && !out.stderr.includes(secret), `secret in output:\n${out.stdout}\n${out.stderr}`);
  }
  for (const file of filesUnder(dir)) if (!allowed.includes(file)) assert.ok(!readFileSync(file).includes(secret), `secret in ${file}`);
}

let adminEnv: Record<string, string | undefined>;
let adminHome: string;

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'admin', password: 'correct horse battery' });
  registry.setTotp('admin', TOTP_SECRET);
  registry.createOrganization({ name: 'acme', admin: 'admin' });
  registry.createUser({ username: 'reader', password: 'correct horse battery' });
  registry.addMember('acme', 'reader', 'read');
  registry.createUser({ username: 'outsider', password: 'correct horse battery' });

  // The admin logs in with the device flow, approving the code as in the browser.
  adminHome = home();
  adminEnv = cliEnv(registry, adminHome);
  await deviceLogin(registry, adminEnv, 'admin');
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

const userEnv = (username: string, dir: string) => {
  const key = registry.createKey({ user: username }, { name: `${username}-cli`, permissions: [{ domain: 'api', resource: null }] });
  return { ...cliEnv(registry, dir), HEX_API_KEY: key };
};

describe('a build server authenticates with an organization key', () => {
  let ciKey: string;

  test('the admin generates an org key: only the secret on stdout', async () => {
    const result = await runCli(['organization', 'key', 'acme', 'generate', '--key-name', 'ci', '--permission', 'api:read', '--permission', 'repository:acme'], {
      env: { ...adminEnv, HEX_OTP: otp() },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[0-9a-f]{32}\n$/);
    assert.match(result.stderr, /Generated key ci with api:read, repository:acme for organization acme\./);
    ciKey = result.stdout.trim();
  });

  test('CI: empty HOME, no session bus, no login: the key is checked, stored in the warned 0600 file, and used', async () => {
    const ciHome = home();
    const env = { PATH: process.env.PATH, HOME: ciHome, ...registry.env(), CI: 'true' };
    const auth = await spawnCli(['organization', 'auth', 'acme', '--key', ciKey], { env });
    assert.equal(auth.code, 0, auth.stderr);
    const file = join(ciHome, '.config', 'hexts', 'credentials.json');
    assert.match(auth.stderr, /Verified key "ci" for organization acme, owned by organization acme \(repository:acme, api:read\)\./);
    assert.ok(auth.stderr.includes(`Credentials saved in plain text to ${file} (no usable OS keychain: no D-Bus session bus`), auth.stderr);
    assert.match(auth.stderr, /Stored the key for organization acme in the plain-text credentials file\./);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    const list = await spawnCli(['--verbose', 'organization', 'key', 'acme', 'list'], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ci\s+api:read, repository:acme\s/m);
    assert.match(list.stderr, /\(authorization: \[REDACTED\], the key for acme stored in the plain-text credentials file \(repository:acme, api:read\)\)/);

    const orgs = JSON.parse((await spawnCli(['--json', 'organization', 'list'], { env })).stdout);
    assert.deepEqual(orgs, { stored_keys: [{ organization: 'acme', key_name: 'ci', owner: 'organization', permissions: [{ domain: 'repository', resource: 'acme' }, { domain: 'api', resource: 'read' }], store: 'file' }], memberships: null });

    // With only that stored key, the build server reads a private package: info and fetch.
    const tarball = await makeTarball({ name: 'ledger', version: '1.2.0', description: 'The books.' });
    await registry.publish(tarball, { publisher: 'admin', repository: 'acme' });
    const info = await spawnCli(['info', 'ledger', '--organization', 'acme'], { env });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^The books\.\n\nConfig: \{:ledger, "~> 1\.2", organization: "acme"\}\n/);
    const fetch = await spawnCli(['--verbose', 'package', 'fetch', 'ledger', '--organization', 'acme', '--unpack'], { env, cwd: ciHome });
    assert.equal(fetch.code, 0, fetch.stderr);
    assert.equal(fetch.stdout, `ledger v1.2.0 extracted to ${join(ciHome, 'ledger-1.2.0')}\n`);
    assert.match(fetch.stderr, /credential: the key for acme stored in the plain-text credentials file \(repository:acme, api:read\)/);
    assert.ok(existsSync(join(ciHome, 'ledger-1.2.0', 'lib', 'ledger.ex')));
    assertNowhere(ciKey, ciHome, [auth, list, info, fetch], [file]);
  });

  test('a bad key: exit 1, the server\'s reason, nothing stored', async () => {
    const dir = home();
    const result = await runCli(['organization', 'auth', 'acme', '--key', 'ffffffffffffffffffffffffffffffff'], { env: cliEnv(registry, dir) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Failed to authenticate against organization repository with given key because of: the registry does not know this key \(invalid API key\)/);
    assert.match(result.stderr, /Nothing was stored\./);
    assert.deepEqual(filesUnder(dir), []);
  });

  test('a revoked key: exit 1, says revoked, nothing stored', async () => {
    const key = registry.createKey({ organization: 'acme' }, { name: 'gone', permissions: [{ domain: 'repository', resource: 'acme' }] });
    assert.equal((await runCli(['organization', 'key', 'acme', 'revoke', 'gone', '--otp', otp()], { env: adminEnv })).code, 0);
    const dir = home();
    const result = await runCli(['organization', 'auth', 'acme', '--key', key], { env: cliEnv(registry, dir) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /because of: the key has been revoked or has expired/);
    assert.deepEqual(filesUnder(dir), []);
  });

  test('--expires reaches the server as revoke_at; once past, the key is refused', async () => {
    const result = await runCli(['organization', 'key', 'acme', 'generate', '--key-name', 'short', '--expires', '1h'], { env: { ...adminEnv, HEX_OTP: otp() } });
    assert.equal(result.code, 0, result.stderr);
    const key = result.stdout.trim();
    const listed = JSON.parse((await runCli(['--json', 'organization', 'key', 'acme', 'list'], { env: adminEnv })).stdout);
    const revokeAt = Date.parse(listed.find((k: { name: string }) => k.name === 'short').revoke_at);
    assert.ok(Math.abs(revokeAt - (Date.now() + 3600_000)) < 120_000, `revoke_at ${new Date(revokeAt).toISOString()}`);
    const dir = home();
    assert.equal((await runCli(['organization', 'auth', 'acme', '--key', key], { env: cliEnv(registry, dir) })).code, 0);
    registry.advanceClock(2 * 3600);
    const refused = await runCli(['organization', 'auth', 'acme', '--key', key], { env: cliEnv(registry, home()) });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the key has been revoked or has expired/);
  });
});

describe('people', () => {
  test('a user-owned repository key is stored, with a warning', async () => {
    const dir = home();
    const key = registry.createKey({ user: 'reader' }, { name: 'mine', permissions: [{ domain: 'repository', resource: 'acme' }] });
    const result = await runCli(['organization', 'auth', 'acme', '--key', '-'], { env: cliEnv(registry, dir), stdin: key });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /owned by user reader \(repository:acme\)\./);
    assert.match(result.stderr, /This key belongs to a user, not to the organization: hex\.pm is retiring user-owned keys/);
    const listed = JSON.parse((await runCli(['--json', 'organization', 'list'], { env: cliEnv(registry, dir) })).stdout);
    assert.deepEqual(listed.stored_keys, [{ organization: 'acme', key_name: 'mine', owner: 'user', permissions: [{ domain: 'repository', resource: 'acme' }], store: 'keychain' }]);
  });

  test('a read-role member cannot generate or revoke keys: the message names both roles', async () => {
    const env = userEnv('reader', home());
    for (const argv of [['generate'], ['revoke', '--all', '--yes']]) {
      const result = await runCli(['organization', 'key', 'acme', ...argv], { env });
      assert.equal(result.code, 1, argv.join(' '));
      assert.match(result.stderr, /error: this needs the write role in organization "acme"; you have the read role\nAsk an admin of acme to give you the write role\./);
    }
    const list = await runCli(['organization', 'key', 'acme', 'list'], { env });
    assert.equal(list.code, 0, list.stderr);
  });

  test('a non-member and an unknown organization: not found, or not a member', async () => {
    for (const org of ['acme', 'nosuchorg']) {
      const result = await runCli(['organization', 'key', org, 'list'], { env: userEnv('outsider', home()) });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`error: organization "${org}" was not found, or you are not a member of it`));
    }
  });

  test('a key without the api domain: key not authorized, with what to do', async () => {
    const key = registry.createKey({ organization: 'acme' }, { name: 'repo-only', permissions: [{ domain: 'repository', resource: 'acme' }] });
    const result = await runCli(['organization', 'key', 'acme', 'list', '--key', key], { env: cliEnv(registry, home()) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the credential is not allowed to do this \(key not authorized for this action\)\nUse a key with the needed permission/);
  });

  test('inactive billing is named', async () => {
    registry.createOrganization({ name: 'broke', admin: 'outsider', billingActive: false });
    const key = registry.createKey({ organization: 'broke' }, { name: 'k', permissions: [{ domain: 'repository', resource: 'broke' }] });
    const result = await runCli(['organization', 'auth', 'broke', '--key', key], { env: cliEnv(registry, home()) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /organization "broke" has no active billing subscription/);
  });

  test('auth without a key: the logged-in admin creates an organization-owned repository key for this machine', async () => {
    const result = await runCli(['organization', 'auth', 'acme'], { env: { ...adminEnv, HEX_OTP: otp() } });
    assert.equal(result.code, 0, result.stderr);
    const name = `hexts-${hostname().split('.')[0]}-repository-acme`;
    assert.match(result.stderr, new RegExp(`Created organization key "${name}" with repository:acme\\.`));
    const listed = JSON.parse((await runCli(['--json', 'organization', 'list'], { env: adminEnv })).stdout);
    assert.deepEqual(listed.stored_keys, [{ organization: 'acme', key_name: name, owner: 'organization', permissions: [{ domain: 'repository', resource: 'acme' }], store: 'keychain' }]);
    assert.deepEqual(listed.memberships, [{ name: 'acme', role: 'admin' }]);
  });

  test('auth without a key as a read member: refused, naming the role', async () => {
    const result = await runCli(['organization', 'auth', 'acme'], { env: userEnv('reader', home()) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /creating an organization key needs the write role in acme; you have the read role/);
  });

  test('with a login and a stored org key, the API gets the login and the repository the key; --key beats both', async () => {
    const verbose = await runCli(['--verbose', 'organization', 'key', 'acme', 'list'], { env: adminEnv });
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, /> GET \S+\/api\/orgs\/acme\/keys \(authorization: \[REDACTED\], your login as admin \(OAuth token in the OS keychain\)\)/);
    const withKey = await runCli(['--verbose', 'organization', 'key', 'acme', 'list', '--key', registry.createKey({ user: 'admin' }, { name: 'adm', permissions: [{ domain: 'api', resource: null }] })], { env: adminEnv });
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.match(withKey.stderr, /> GET \S+\/api\/orgs\/acme\/keys \(authorization: \[REDACTED\], the API key given with --key\)/);
  });

  test('deauth --revoke revokes on the registry, then forgets; deauth of nothing says so', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    const key = registry.createKey({ organization: 'acme' }, { name: 'temp', permissions: [{ domain: 'repository', resource: 'acme' }] });
    assert.equal((await runCli(['organization', 'auth', 'acme', '--key', key], { env })).code, 0);
    const adminKey = registry.createKey({ user: 'admin' }, { name: 'adm2', permissions: [{ domain: 'api', resource: null }] });
    const result = await runCli(['organization', 'deauth', 'acme', '--revoke'], { env: { ...env, HEX_API_KEY: adminKey } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Revoked key "temp" on the registry\.\nRemoved the key for organization acme from the OS keychain\./);
    const again = await runCli(['organization', 'deauth', 'acme'], { env });
    assert.match(again.stderr, /No key is stored for organization acme\./);
    const refused = await runCli(['organization', 'auth', 'acme', '--key', key], { env: cliEnv(registry, home()) });
    assert.match(refused.stderr, /revoked/);
  });

  test('key revoke NAME of a key that does not exist says so; a missing organization or role still reads as before', async () => {
    registry.createKey({ organization: 'acme' }, { name: 'kept' });
    let result = await runCli(['organization', 'key', 'acme', 'revoke', 'nosuchkey', '--otp', otp()], { env: adminEnv });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Revoking key nosuchkey...\nerror: key "nosuchkey" was not found in organization acme\nSee its keys with `hexts organization key acme list`.\n');
    result = await runCli(['organization', 'key', 'acme', 'revoke', 'kept'], { env: userEnv('reader', home()) });
    assert.match(result.stderr, /error: this needs the write role in organization "acme"; you have the read role/);
    result = await runCli(['organization', 'key', 'acme', 'revoke', 'nosuchkey'], { env: userEnv('outsider', home()) });
    assert.match(result.stderr, /error: organization "acme" was not found, or you are not a member of it/);
    result = await runCli(['organization', 'key', 'nosuchorg', 'revoke', 'nosuchkey'], { env: userEnv('outsider', home()) });
    assert.match(result.stderr, /error: organization "nosuchorg" was not found, or you are not a member of it/);
  });

  test('key revoke --all asks on a terminal, no by default: "Aborted.", nothing revoked', async () => {
    registry.clearRequests();
    const result = await runCli(['organization', 'key', 'acme', 'revoke', '--all', '--otp', otp()], {
      env: adminEnv, tty: true, answers: [[/Revoke every key of organization acme\? Whatever uses them loses access\. \(y\/N\)/, '\r']],
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Aborted\.\n$/);
    assert.doesNotMatch(result.stderr, /error/);
    assert.deepEqual(registry.requests(), []);
  });

  test('key revoke --all', async () => {
    const result = await runCli(['organization', 'key', 'acme', 'revoke', '--all', '--yes', '--otp', otp()], { env: adminEnv });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Revoking all keys\.\.\.\nAll keys revoked\./);
    assert.deepEqual(JSON.parse((await runCli(['--json', 'organization', 'key', 'acme', 'list'], { env: adminEnv })).stdout), []);
  });

  test('organization names are checked before any request', async () => {
    registry.clearRequests();
    for (const bad of ['ab', 'Acme', 'ac-me']) {
      const result = await runCli(['organization', 'key', bad, 'list'], { env: adminEnv });
      assert.equal(result.code, 2, bad);
      assert.match(result.stderr, new RegExp(`invalid organization name "${bad}"`));
    }
    assert.equal(registry.requests().length, 0);
  });
});

test('permission parsing, as mix does it', () => {
  const org = ['api', 'repository', 'repositories', 'docs'] as const;
  const table: Array<[string, { domain: string; resource: string | null } | RegExp]> = [
    ['api', { domain: 'api', resource: null }],
    ['API:READ', { domain: 'api', resource: 'read' }],
    ['api:write', { domain: 'api', resource: 'write' }],
    ['repository:acme', { domain: 'repository', resource: 'acme' }],
    ['repositories', { domain: 'repositories', resource: null }],
    ['docs:acme', { domain: 'docs', resource: 'acme' }],
    ['api:admin', /api takes no resource, read or write/],
    ['repository', /repository needs an organization/],
    ['repositories:acme', /repositories takes no resource/],
    ['package:foo', /unknown domain "package"/],
    ['bogus', /unknown domain "bogus"/],
    ['repository:a', /invalid organization name "a"/],
  ];
  for (const [input, expected] of table) {
    if (expected instanceof RegExp) assert.throws(() => parsePermission(input, [...org]), expected, input);
    else assert.deepEqual(parsePermission(input, [...org]), expected, input);
  }
  assert.deepEqual(parsePermission('package:foo', ['package']), { domain: 'package', resource: 'foo' });
});

test('no organization command prints or writes a key it was given, with or without --verbose', async () => {
  const sentinel = registry.createKey({ organization: 'acme' }, { name: 'sentinel', permissions: [{ domain: 'api', resource: null }, { domain: 'repository', resource: 'acme' }] });
  const dir = home();
  const env = cliEnv(registry, dir, { HEX_OTP: otp() });
  const runs: CliResult[] = [];
  for (const verbose of [[], ['--verbose']]) {
    runs.push(await runCli([...verbose, 'organization', 'auth', 'acme', '--key', sentinel], { env }));
    runs.push(await runCli([...verbose, 'organization', 'auth', 'acme', '--key', '-'], { env, stdin: sentinel }));
    runs.push(await runCli([...verbose, 'organization', 'list'], { env }));
    runs.push(await runCli([...verbose, 'organization', 'key', 'acme', 'list'], { env }));
    runs.push(await runCli([...verbose, 'organization', 'key', 'acme', 'list'], { env: { ...env, HEX_API_KEY: sentinel } }));
    runs.push(await runCli([...verbose, 'organization', 'key', 'acme', 'list', '--key', sentinel], { env }));
    runs.push(await runCli([...verbose, 'organization', 'key', 'acme', 'revoke', 'nothing-here', '--key', sentinel], { env }));
    runs.push(await runCli([...verbose, 'organization', 'deauth', 'acme'], { env }));
  }
  assert.ok(runs.some((r) => r.code === 0));
  assertNowhere(sentinel, dir, runs);
});
