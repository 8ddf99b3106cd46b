// Which credential each request carries, end to end against the local registry and the test
// file's own Secret Service: the seed's flow (an admin who stored the organization's key keeps
// publishing with their login), CI machines with an organization key and no login, refusals
// that name what else this machine holds, logins older than a membership, public reads with
// no keychain, and publish asking for a credential before it shows anything.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome, spawnCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { approvingAs, cliEnv, deviceLogin, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
const cleanups: Array<() => void> = [];
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const otp = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

function project(app: string, version: string, organization?: string): string {
  const p = makeProject({ app, version, organization, docs: true });
  cleanups.push(p.cleanup);
  return p.dir;
}

before(async () => {
  registry = await testRegistry();
  for (const username of ['admin', 'late', 'stranger', 'fresh']) {
    registry.createUser({ username, password: 'correct horse battery' });
    registry.setTotp(username, TOTP_SECRET);
  }
  registry.createOrganization({ name: 'acme', admin: 'admin' });
  await registry.publish(await makeTarball({ name: 'secret', version: '1.0.0' }), { publisher: 'admin', repository: 'acme' });
  await registry.publish(await makeTarball({ name: 'opensrc', version: '2.0.0' }), { publisher: 'admin' });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

describe('an admin with a login stores the organization\'s key, then works with the login', () => {
  let env: Record<string, string | undefined>;

  before(async () => {
    env = cliEnv(registry, home());
    await deviceLogin(registry, env, 'admin');
    const auth = await runCli(['organization', 'auth', 'acme'], { env: { ...env, HEX_OTP: otp() } });
    assert.equal(auth.code, 0, auth.stderr);
    assert.match(auth.stderr, /Stored the key for organization acme in the OS keychain\./);
  });

  test('publish --organization acme: the login publishes, not the read key', async () => {
    const dir = project('acme_tool', '1.0.0', 'acme');
    const result = await runCli(['--verbose', 'publish', '--organization', 'acme', '--yes'], { cwd: dir, env: { ...env, HEX_OTP: otp() } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Package published to /);
    assert.match(result.stderr, /> POST \S+\/api\/repos\/acme\/packages\/acme_tool\/releases\S* \(\d+ bytes, expect: 100-continue\) \(authorization: \[REDACTED\], your login as admin \(OAuth token in the OS keychain\)\)/);
  });

  test('retire, owner list, organization key list|generate|revoke: all with the login', async () => {
    const runs = [
      ['retire', 'acme_tool', '1.0.0', 'deprecated', '--message', 'use 2.0', '--organization', 'acme'],
      ['owner', 'list', 'acme_tool', '--organization', 'acme'],
      ['organization', 'key', 'acme', 'list'],
      ['organization', 'key', 'acme', 'generate', '--key-name', 'ci-build'],
      ['organization', 'key', 'acme', 'revoke', 'ci-build'],
    ];
    for (const argv of runs) {
      const result = await runCli(['--verbose', ...argv], { env: { ...env, HEX_OTP: otp() } });
      assert.equal(result.code, 0, `hexts ${argv.join(' ')}\n${result.stderr}`);
      assert.match(result.stderr, /\(authorization: \[REDACTED\], your login as admin \(OAuth token in the OS keychain\)\)/);
      assert.doesNotMatch(result.stderr, /authorization: \[REDACTED\], the key for acme/, 'the API never gets the read key');
    }
  });

  test('the organization\'s repository gets the stored key, and --verbose says so', async () => {
    const out = home();
    const result = await runCli(['--verbose', 'package', 'fetch', 'secret', '--organization', 'acme', '-o', out], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /credential: the key for acme stored in the OS keychain \(repository:acme\)/);
    assert.match(result.stderr, /> GET \S+\/repo\/repos\/acme\/tarballs\/secret-1\.0\.0\.tar \(authorization: \[REDACTED\], the key for acme stored in the OS keychain \(repository:acme\)\)/);
    assert.ok(existsSync(join(out, 'secret-1.0.0.tar')));
  });

  test('a key given for the run that may not do it: the error names the login, and how to use it', async () => {
    const readOnly = registry.createKey({ organization: 'acme' }, { name: 'repo-only', permissions: [{ domain: 'repository', resource: 'acme' }] });
    const result = await runCli(['organization', 'key', 'acme', 'list'], { env: { ...env, HEX_API_KEY: readOnly } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: the credential is not allowed to do this \(key not authorized for this action\)$/m);
    assert.match(result.stderr, /^The API key from HEX_API_KEY cannot list keys\. Your login as admin \(OAuth token in the OS keychain\) may: unset HEX_API_KEY to use it\.$/m);
    assert.doesNotMatch(result.stderr, /log in with/, 'the user is logged in: no telling them to log in');
  });

  test('organization deauth --revoke: revoked with the login, then forgotten', async () => {
    const result = await runCli(['organization', 'deauth', 'acme', '--revoke'], { env: { ...env, HEX_OTP: otp() } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Revoked key "hexts-[^"]+-repository-acme" on the registry\.\nRemoved the key for organization acme from the OS keychain\./);
  });
});

describe('a build server with an organization key and no login', () => {
  test('a read key cannot publish: said before anything is shown or sent', async () => {
    const env = cliEnv(registry, home());
    const key = registry.createKey({ organization: 'acme' }, { name: 'ci-read', permissions: [{ domain: 'repository', resource: 'acme' }] });
    assert.equal((await runCli(['organization', 'auth', 'acme', '--key', '-'], { env, stdin: key })).code, 0);
    const dir = project('ci_tool', '1.0.0', 'acme');
    registry.clearRequests();
    const result = await runCli(['publish', '--yes'], { cwd: dir, env });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '', 'no build block before the refusal');
    assert.equal(result.stderr, 'error: the key for acme stored in the OS keychain (repository:acme) cannot publish\nLog in with `hexts user auth`, or pass --key.\n');
    assert.deepEqual(registry.requests(), []);
  });

  test('a write key publishes; the API gets it because there is no login', async () => {
    const env = cliEnv(registry, home());
    const key = registry.createKey({ organization: 'acme' }, { name: 'ci-write', permissions: [{ domain: 'repository', resource: 'acme' }, { domain: 'api', resource: 'write' }] });
    const auth = await runCli(['organization', 'auth', 'acme', '--key', '-'], { env, stdin: key });
    assert.match(auth.stderr, /\(repository:acme, api:write\)\./);
    const dir = project('ci_writer', '1.0.0', 'acme');
    const result = await runCli(['--verbose', 'publish', 'package', '--yes'], { cwd: dir, env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /\(authorization: \[REDACTED\], the key for acme stored in the OS keychain \(repository:acme, api:write\)\)/);
  });
});

describe('a login older than a membership', () => {
  test('the repository refuses the old token: refreshed once, then the fetch works', async () => {
    const env = cliEnv(registry, home());
    await deviceLogin(registry, env, 'late');
    registry.addMember('acme', 'late', 'read');
    registry.clearRequests();
    const out = home();
    const result = await runCli(['package', 'fetch', 'secret', '--organization', 'acme', '-o', out], { env });
    assert.equal(result.code, 0, result.stderr);
    const seen = registry.requests().map((r) => `${r.status} ${r.method} ${r.path}`);
    assert.deepEqual(seen.slice(0, 3), ['403 GET /repo/repos/acme/packages/secret', '200 POST /api/oauth/token', '200 GET /repo/repos/acme/packages/secret']);
  });

  test('still refused after the refresh: the message says the login may predate the membership', async () => {
    const env = cliEnv(registry, home());
    await deviceLogin(registry, env, 'stranger');
    const result = await runCli(['package', 'fetch', 'secret', '--organization', 'acme', '-o', home()], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: your login as stranger \(OAuth token in the OS keychain\) does not give access to organization acme's repository \(403\)$/m);
    assert.match(result.stderr, /your login may predate the membership: `hexts user auth` renews it/);
    assert.doesNotMatch(result.stderr, /permission/);
  });

  test('the API refuses a login for an organization: refreshed once, then the advice', async () => {
    const env = cliEnv(registry, home());
    await deviceLogin(registry, env, 'stranger');
    registry.clearRequests();
    const result = await runCli(['organization', 'key', 'acme', 'list'], { env });
    assert.equal(result.code, 1);
    assert.ok(registry.requests().some((r) => r.path === '/api/oauth/token' && r.method === 'POST'), 'the login was refreshed once');
    assert.match(result.stderr, /If you were added to acme after logging in, your login may predate the membership: `hexts user auth` renews it\./);
  });
});

describe('public reads need no keychain', () => {
  test('info and owner list with a stored login and no D-Bus session: anonymous, a note with --verbose', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    await deviceLogin(registry, env, 'admin');
    // A child process: the keychain library reads the process's own environment.
    const noBus = { ...env, DBUS_SESSION_BUS_ADDRESS: undefined };
    const info = await spawnCli(['--verbose', 'info', 'opensrc'], { env: noBus });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /2\.0\.0/);
    assert.match(info.stderr, /note: the stored credential is in the OS keychain, which cannot be used now: no D-Bus session bus .*; going on without credentials/);
    const owners = await spawnCli(['owner', 'list', 'opensrc'], { env: noBus });
    assert.equal(owners.code, 0, owners.stderr);
    const whoami = await spawnCli(['user', 'whoami'], { env: noBus });
    assert.equal(whoami.code, 1, 'a command about the account still needs the stored login');
    assert.match(whoami.stderr, /cannot be used now: no D-Bus session bus/);
  });
});

describe('publish asks for a credential first', () => {
  test('in CI with none: refused before the build block, nothing sent', async () => {
    const dir = project('nocred_pkg', '1.0.0');
    registry.clearRequests();
    const result = await runCli(['publish', '--yes'], { cwd: dir, env: cliEnv(registry, home()) });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'error: no authenticated user found\nRun `hexts user auth` to log in, or pass --key / set HEX_API_KEY.\n');
    assert.deepEqual(registry.requests(), []);
  });

  test('on a terminal with none: offers to log in, then asks Proceed? and publishes', async () => {
    const dir = project('inline_pkg', '1.0.0');
    const homeDir = home();
    const env = { ...cliEnv(registry, homeDir), HEX_OTP: otp() };
    const result = await runCli(['publish', 'package'], {
      cwd: dir,
      env,
      tty: true,
      onStderr: approvingCode('fresh'),
      answers: [[/Do you want to authenticate now\?/, 'y\n'], [/Proceed\?/, 'y\n']],
    });
    assert.equal(result.code, 0, result.stderr);
    const order = ['Do you want to authenticate now?', 'in your browser and enter code:', 'You are authenticated!', 'Proceed?', 'Package published to'];
    const at = order.map((text) => result.stderr.indexOf(text));
    assert.ok(at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1]!)), result.stderr);
    assert.ok(result.stdout.indexOf('Building inline_pkg 1.0.0') >= 0, 'the build block is shown once logged in');
    assert.ok(readdirSync(join(homeDir, '.config', 'hexts')).includes('credentials-index.json'), 'the login is kept');
  });
});

/** Approves the inline login's code ("enter code: ABCD-EFGH"), as `username` would in the browser. */
function approvingCode(username: string): (text: string) => void {
  const approve = approvingAs(registry, username);
  return (text) => {
    const code = text.match(/enter code: ([A-Z0-9]{4})-([A-Z0-9]{4})/);
    approve(code ? `\n  ${code[1]}-${code[2]}\n` : '');
  };
}
