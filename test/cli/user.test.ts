// `hexts user …` end to end against the local registry, with credentials in the real
// Secret Service of the test file's own session (test/helpers/session-keyring.ts).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { hextsHomeIn, storedSecret } from '../helpers/keychain.js';
import { approvingAs, cliEnv, clientFor, deviceCodeIn, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
const cleanups: Array<() => void> = [];
before(async () => {
  registry = await testRegistry();
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

function home() {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h;
}

const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const otp = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));

/** Runs `hexts user auth` and approves (or denies) the device code it prints, as the user would in the browser. */
function deviceAuth(env: Record<string, string | undefined>, username: string, answer: 'approve' | 'deny' | 'expire' = 'approve', extra: string[] = []): Promise<CliResult> {
  let done = false;
  return runCli(['user', 'auth', '--no-browser', ...extra], {
    env,
    onStderr: (text) => {
      const userCode = deviceCodeIn(text);
      if (!userCode || done) return;
      done = true;
      if (answer === 'approve') registry.approveDevice(userCode, username);
      else if (answer === 'deny') registry.denyDevice(userCode);
      else registry.advanceClock(601);
    },
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function assertNowhere(secret: string, home: string, outputs: CliResult[], allowedFiles: string[] = []): void {
  for (const out of outputs) {
    assert.ok(!out.stdout.includes(secret), `secret in stdout:\n${out.stdout}`);
    assert.ok(!out.stderr.includes(secret), `secret in stderr:\n${out.stderr}`);
  }
  for (const file of filesUnder(home)) {
    if (allowedFiles.includes(file)) continue;
    assert.ok(!readFileSync(file).includes(secret), `secret in ${file}`);
  }
}

describe('a new user: register, verify, device-flow login, keys, logout', () => {
  const { home: dir } = home();
  let env: Record<string, string | undefined>;
  before(() => {
    env = cliEnv(registry, dir);
  });

  test('register without a terminal uses the flags and stdin', async () => {
    const result = await runCli(['user', 'register', '--username', 'dana', '--email', 'dana@example.com', '--password-stdin'], { env, stdin: 'a long password\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /You are required to confirm your email to access your account, a confirmation email has been sent to dana@example\.com/);
  });

  test('register errors are printed per field', async () => {
    const result = await runCli(['user', 'register', '--username', 'dana', '--email', 'nope', '--password-stdin'], { env, stdin: 'short\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Registration of user failed\n {2}emails:\n {4}email: has invalid format\n {2}password: should be at least 8 character\(s\)\n/);
  });

  test('register without a terminal and without --username or --email is a usage error naming them', async () => {
    registry.clearRequests();
    let result = await runCli(['user', 'register'], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: without a terminal to ask on, user register needs --username, --email, --password-stdin\nExample: /);
    result = await runCli(['user', 'register', '--username', 'dana', '--password-stdin'], { env, stdin: 'a long password\n' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: without a terminal to ask on, user register needs --email\n/);
    assert.deepEqual(registry.requests(), []);
  });

  test('an unverified user cannot log in to use the API yet', async () => {
    const result = await deviceAuth(env, 'dana');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /email not verified/);
  });

  test('device flow: code shown, approved, tokens stored in the keychain', async () => {
    registry.verifyUser('dana');
    const result = await deviceAuth(env, 'dana');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^To authenticate, visit: https:\/\/127\.0\.0\.1:\d+\/oauth\/device\?user_code=[A-Z0-9]{8}\n\nYour verification code:\n\n {2}[A-Z0-9]{4}-[A-Z0-9]{4}\n\nVerify this code matches what is shown in your browser\.\n\nWaiting for authentication\.\.\.\nYou are authenticated!\n/);
    assert.match(result.stderr, /as dana; OAuth tokens stored in the OS keychain\./);
    const stored = JSON.parse(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user')!);
    assert.equal(stored.type, 'oauth');
    assert.ok(stored.access_token && stored.refresh_token);
    assertNowhere(stored.access_token, dir, [result]);
    assertNowhere(stored.refresh_token, dir, [result]);
  });

  test('whoami: user, organizations, credential source and expiry', async () => {
    registry.createOrganization({ name: 'danaco', admin: 'dana' });
    const result = await runCli(['user', 'whoami'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^dana\n {2}Email: dana@example\.com\n {2}Organizations: danaco \(admin\)\n {2}Credential: your login as dana \(OAuth token in the OS keychain\)\n {2}Scopes: api:read, api:write, repository:hexpm\n {2}Access token expires: \d{4}-.*\(renewed automatically\)\n/);
    const json = JSON.parse((await runCli(['--json', 'user', 'whoami'], { env })).stdout);
    assert.deepEqual(json.organizations, [{ name: 'danaco', role: 'admin' }]);
    assert.deepEqual({ type: json.credential.type, source: json.credential.source }, { type: 'oauth', source: 'keychain' });
  });

  test('OAuth writes need 2FA on hex.pm: with it off, the server says so', async () => {
    const result = await runCli(['user', 'key', 'generate'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Two-factor authentication must be enabled for API write access/);
  });

  test('with 2FA on: no code and no terminal is refused naming --otp and HEX_OTP; HEX_OTP and --otp work', async () => {
    registry.setTotp('dana', TOTP_SECRET);
    let result = await runCli(['user', 'key', 'generate'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /this action needs a two-factor authentication \(OTP\) code, but there is no terminal|Pass it with --otp CODE or set HEX_OTP/);

    result = await runCli(['user', 'key', 'generate', '--key-name', 'laptop', '--permission', 'api:read', '--expires', '30d'], { env: { ...env, HEX_OTP: otp() } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[0-9a-f]{32}\n$/);
    assert.match(result.stderr, /Generated key laptop with api:read, expires \d{4}-/);

    result = await runCli(['user', 'key', 'generate', '--key-name', 'ci', '--otp', otp()], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[0-9a-f]{32}\n$/);

    result = await runCli(['user', 'key', 'generate', '--otp', '000000'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the two-factor authentication code from --otp was rejected/);
  });

  test('key list (table and --json) and revoke', async () => {
    let result = await runCli(['user', 'key', 'list'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Name\s+Permissions\s+Created at\s+Last used\s+Expires at\n/);
    assert.match(result.stdout, /^laptop\s+api:read\s+\S+\s+never\s+\d{4}-/m);
    const listed = JSON.parse((await runCli(['--json', 'user', 'key', 'list'], { env })).stdout);
    assert.deepEqual(listed.map((k: { name: string }) => k.name).sort(), ['ci', 'laptop']);
    assert.ok(listed.every((k: Record<string, unknown>) => !('secret' in k)));

    result = await runCli(['user', 'key', 'revoke', 'laptop', '--otp', otp()], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Revoking key laptop\.\.\.\nKey laptop revoked\./);
    result = await runCli(['user', 'key', 'revoke', 'laptop', '--otp', otp()], { env });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Revoking key laptop...\nerror: key "laptop" was not found\nSee your keys with `hexts user key list`.\n');
    result = await runCli(['user', 'key', 'revoke', '--all', '--otp', otp()], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: revoking every key of your account needs confirmation, and there is no terminal to ask on\nPass --yes to revoke them all without asking\.\n$/);
    result = await runCli(['user', 'key', 'revoke', '--all', '--yes', '--otp', otp()], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse((await runCli(['--json', 'user', 'key', 'list'], { env })).stdout), []);
  });

  test('permissions are checked before any request', async () => {
    registry.clearRequests();
    for (const bad of ['apix', 'api:delete', 'repository', 'repositories:acme', 'docs:A!']) {
      const result = await runCli(['user', 'key', 'generate', '--permission', bad], { env });
      assert.equal(result.code, 2, bad);
      assert.match(result.stderr, /invalid (permission|organization name)/, bad);
    }
    assert.equal(registry.requests().length, 0);
  });

  test('an expired access token is refreshed transparently and the new tokens saved', async () => {
    const before = JSON.parse(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user')!);
    registry.advanceClock(3600);
    const result = await runCli(['--verbose', 'user', 'whoami'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /OAuth access token refreshed/);
    const after = JSON.parse(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user')!);
    assert.notEqual(after.access_token, before.access_token);
    assert.notEqual(after.refresh_token, before.refresh_token, 'refresh tokens rotate');
    assertNowhere(after.access_token, dir, [result]);
  });

  test('deauth revokes the token on the server and removes every stored credential', async () => {
    const stored = JSON.parse(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user')!);
    const result = await runCli(['user', 'deauth'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Revoked the OAuth token on the server\.\nRemoved the OAuth tokens from the OS keychain\.\nAuthentication credentials removed from the local machine\. To authenticate again, run `hexts user auth`\./);
    assert.equal(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user'), undefined);
    const me = await runCli(['user', 'whoami'], { env: { ...env } });
    assert.equal(me.code, 1);
    assert.match(me.stderr, /no authenticated user found/);
    // The old token no longer works on the server either.
    const reuse = await runCli(['user', 'whoami', '--key', `Bearer ${stored.access_token}`], { env });
    assert.equal(reuse.code, 2, 'a Bearer token is not a key: refused before use');
  });
});

describe('the browser', () => {
  // The timeout is a hang watchdog (for the waits on the detached xdg-open), not a speed target.
  test('with a display, the verification URL is opened with xdg-open; --no-browser or no display leaves it alone', { timeout: 120_000 }, async () => {
    registry.createUser({ username: 'gus', password: 'correct horse battery' });
    const { home: dir } = home();
    const bin = join(dir, 'bin');
    const opened = join(dir, 'opened.txt');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" >> '${opened}'\n`, { mode: 0o755 });
    const env = { ...cliEnv(registry, dir), PATH: `${bin}:${process.env.PATH}` };
    const withDisplay = await runCli(['user', 'auth'], { env: { ...env, DISPLAY: ':99' }, onStderr: approvingAs(registry, 'gus') });
    assert.equal(withDisplay.code, 0, withDisplay.stderr);
    const url = withDisplay.stderr.match(/To authenticate, visit: (\S+)/)![1]!;
    // xdg-open runs detached: wait for its record.
    const records = async (count: number) => {
      const lines = () => (existsSync(opened) ? readFileSync(opened, 'utf8').split(/(?<=\n)/).filter((l) => l.endsWith('\n')) : []);
      while (lines().length < count) await new Promise((r) => setTimeout(r, 20));
      return lines();
    };
    assert.deepEqual(await records(1), [`${url}\n`]);

    rmSync(opened);
    assert.equal((await runCli(['user', 'auth', '--no-browser'], { env: { ...env, DISPLAY: ':99' }, onStderr: approvingAs(registry, 'gus') })).code, 0);
    assert.equal((await runCli(['user', 'auth'], { env, onStderr: approvingAs(registry, 'gus') })).code, 0);
    // Then one run that does open it: had either run above reached xdg-open, its URL would be here too.
    const last = await runCli(['user', 'auth'], { env: { ...env, DISPLAY: ':99' }, onStderr: approvingAs(registry, 'gus') });
    assert.equal(last.code, 0, last.stderr);
    assert.deepEqual(await records(1), [`${last.stderr.match(/To authenticate, visit: (\S+)/)![1]!}\n`]);
  });
});

describe('device flow refusals and lost sessions', () => {
  before(() => registry.createUser({ username: 'erin', password: 'correct horse battery' }));

  test('a denied code: "Authentication was denied." and nothing stored', async () => {
    const { home: dir } = home();
    const env = cliEnv(registry, dir);
    const result = await deviceAuth(env, 'erin', 'deny');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Authentication was denied\./);
    assert.equal((await runCli(['user', 'whoami'], { env })).code, 1);
  });

  test('an expired code: "Device code expired. Please try again."', async () => {
    const { home: dir } = home();
    const result = await deviceAuth(cliEnv(registry, dir), 'erin', 'expire');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Device code expired\. Please try again\./);
  });

  test('a revoked refresh token: the session has ended, the user is told to authenticate again, exit 1; the dead login is removed', async () => {
    const { home: dir } = home();
    const env = cliEnv(registry, dir);
    assert.equal((await deviceAuth(env, 'erin')).code, 0);
    const stored = JSON.parse(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user')!);
    const client = clientFor(registry);
    await client.request({ method: 'POST', path: '/oauth/revoke', body: { token: stored.refresh_token, client_id: '78ea6566-89fd-481e-a1d6-7d9d78eacca8' }, auth: 'none' });
    await client.close();
    registry.advanceClock(3600);
    const result = await runCli(['user', 'whoami'], { env });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: your session has ended; run `hexts user auth` to log in again\n');
    assert.equal(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user'), undefined);
  });
});

describe('API keys as the login', () => {
  // A registry of its own: the keychain is shared by the whole test session, and entries
  // are per registry, so "nothing stored" is checked in a namespace no other test uses.
  let registry: Registry;
  before(async () => {
    registry = await testRegistry();
    registry.createUser({ username: 'fay', password: 'correct horse battery' });
  });
  after(() => registry.stop());

  test('--key with a bad key: exit 1 and nothing stored', async () => {
    const { home: dir } = home();
    const env = cliEnv(registry, dir);
    const result = await runCli(['user', 'auth', '--key', 'ffffffffffffffffffffffffffffffff'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: the key was refused: invalid API key\nNothing was stored\./);
    assert.equal(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user'), undefined);
    assert.deepEqual(filesUnder(dir), []);
  });

  test('--key - reads stdin, checks the key, stores it; whoami names the source', async () => {
    const { home: dir } = home();
    const env = cliEnv(registry, dir);
    const key = registry.createKey({ user: 'fay' }, { name: 'fay-key', permissions: [{ domain: 'api', resource: null }] });
    const result = await runCli(['user', 'auth', '--key', '-'], { env, stdin: `${key}\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /as fay; API key stored in the OS keychain\./);
    assert.deepEqual(JSON.parse(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user')!), { type: 'key', key });
    const who = await runCli(['user', 'whoami'], { env });
    assert.match(who.stdout, /Credential: your login as fay \(API key in the OS keychain\)/);
    const viaEnv = await runCli(['user', 'whoami'], { env: { ...env, HEX_API_KEY: key } });
    assert.match(viaEnv.stdout, /Credential: the API key from HEX_API_KEY/);
    const viaFlag = await runCli(['user', 'whoami', '--key', key], { env });
    assert.match(viaFlag.stdout, /Credential: the API key given with --key/);
    assertNowhere(key, dir, [result, who, viaEnv, viaFlag]);
  });

  test('keys with whitespace or control characters are refused before use', async () => {
    const { home: dir } = home();
    registry.clearRequests();
    for (const stdin of ['', '  \n', 'two keys\n', 'a\u0007b']) {
      const result = await runCli(['user', 'auth', '--key', '-'], { env: cliEnv(registry, dir), stdin });
      assert.equal(result.code, 2, JSON.stringify(stdin));
    }
    assert.equal(registry.requests().length, 0);
  });

  test('legacy --password: refused on a registry without Basic auth, with a pointer to the device flow', async () => {
    const { home: dir } = home();
    const result = await runCli(['user', 'auth', '--password', '--username', 'fay', '--password-stdin'], { env: cliEnv(registry, dir), stdin: 'correct horse battery\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Basic authentication is disabled\. Update your client to use OAuth or an API key\.\nThis registry logs in with OAuth: run `hexts user auth`/);
  });

  test('legacy --password on a registry that accepts it: a key is made and stored', async () => {
    const { home: dir } = home();
    registry.configure({ basicAuth: true });
    try {
      const result = await runCli(['user', 'auth', '--password', '--username', 'fay', '--password-stdin'], { env: cliEnv(registry, dir), stdin: 'correct horse battery\n' });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /Generating keys\.\.\.\nYou are authenticated!/);
      const stored = JSON.parse(storedSecret(hextsHomeIn(dir), registry.apiUrl, 'user')!);
      assert.equal(stored.type, 'key');
      assertNowhere('correct horse battery', dir, [result]);
    } finally {
      registry.configure({ basicAuth: false });
    }
  });
});
