// Faults between hexts and the registry, and on the local disk, for every command family:
// the outcome (retried and done, or one clear error line with a hint), the exit code, and
// proof that nothing was lost or half-written (files under HOME with their bytes, keychain
// entries, output tarballs and unpack directories, temporary files).
//
// Faults come from the local registry's switch (POST /_test/faults), over real HTTPS. A GET
// gets three tries (two retries); a write is never retried. HEX_HTTP_TIMEOUT is 1 s where
// slowness is the fault. Disk faults run the built hexts in a private mount namespace
// (sandbox.ts): a read-only or a 16 KiB tmpfs, a file that shrinks while it is read.
//
// | Family       | Command                         | Fault                                   | Expected                                                        |
// |--------------|---------------------------------|-----------------------------------------|-----------------------------------------------------------------|
// | user         | user auth --key -               | 503 ×2 on GET /users/me                 | retried, exit 0, key in the keychain, index lists it            |
// | user         | user auth --key - (earlier key) | 503 ×3 (the whole budget)               | exit 1 "HTTP status code: 503" + try later; earlier login intact |
// | user         | user auth --key - (earlier key) | reset before the body ×3                | exit 1 "connection … closed (3 attempts…)" + hint; login intact |
// | user         | user auth --key -               | truncated JSON                          | exit 1 "invalid JSON answer" + hint; nothing written anywhere   |
// | user         | user whoami                     | slower than the timeout ×1              | retried, exit 0                                                 |
// | user         | user whoami                     | slower than the timeout ×3              | each retry announced; exit 1 "did not answer within 1 s (3      |
// |              |                                 |                                         | attempts, N s in all)" + raise HEX_HTTP_TIMEOUT                 |
// | user         | user whoami                     | body cut mid-download ×1, reset ×1      | retried twice, exit 0                                           |
// | user         | user whoami                     | 429 with a reset time                   | exit 1, server's message + "try again in N s"                   |
// | user         | user key generate               | reset before / after the body           | exit 1 "may or may not have been carried out"; 1 request; no key |
// | user         | user key generate               | truncated JSON after the key was made   | exit 1 "carried out … not valid JSON" + check state; no secret out |
// | user         | user key generate               | slower than the timeout                 | exit 1 after one try "did not answer"; not retried              |
// | user         | user key list                   | 500 ×2                                  | retried, exit 0, the keys listed                                |
// | user         | user key revoke NAME            | 502                                     | exit 1 + hint; 1 request; the key still on the registry         |
// | user         | user deauth (OAuth login)       | 500 on POST /oauth/revoke               | warning naming the failure; removed locally as specified, exit 0 |
// | organization | organization auth --key -       | 502 ×2 on GET /auth                     | retried, exit 0, key stored                                     |
// | organization | organization auth (earlier key) | 503 ×3                                  | exit 1 "Nothing was stored" + hint; earlier key intact          |
// | organization | organization auth --key -       | truncated JSON                          | exit 1, nothing stored                                          |
// | organization | organization key ORG generate   | reset after the body                    | exit 1 outcome unknown; 1 request; no secret printed; no key    |
// | organization | organization key ORG list       | 500 ×2                                  | retried, exit 0                                                 |
// | organization | organization list               | 503 ×3 on GET /users/me                 | exit 0: stored keys listed, warning for the memberships         |
// | organization | organization deauth --revoke    | 500 / reset after the body on DELETE    | exit 1; the stored key kept (to retry); key still on registry   |
// | build        | build -o DIR/x.tar              | DIR read-only (EROFS)                   | exit 1 "cannot write … read-only" + hint; DIR unchanged         |
// | build        | build -o x.tar over an old x.tar| disk full (ENOSPC)                      | exit 1 "no space left" + hint; old x.tar intact, no temp file   |
// | build        | build --unpack -o DIR/pkg       | disk full                               | exit 1; no pkg directory, no temp directory                     |
// | build        | build -o PATH                   | PATH is a directory                     | exit 1 "it is a directory" + hint; nothing written              |
// | build        | build                           | a source file shrinks while it is read  | exit 1 "file changed while it was being read"; nothing written  |
// | publish      | publish package                 | reset before the body                   | exit 1; no body sent; not published                             |
// | publish      | publish package                 | 503 on the upload                       | exit 1 + hint; not retried; not published                       |
// | publish      | publish package                 | slower than the timeout                 | exit 1 "did not answer"; body never sent (100-continue)         |
// | publish      | publish package                 | truncated JSON after the registry took it | asks the registry, finds it: exit 0 "it was published"        |
// | publish      | publish docs                    | reset after the body                    | exit 1 "may or may not have received it"                        |
// | publish      | publish docs                    | 502 / 429                               | exit 1 + hint (try later / try again in N s)                    |
// |              | (reset after the body, answer cut after the upload, 429 on the package upload: test/cli/publish.test.ts) |     |
// | fetch        | package fetch -o DIR            | 503 ×2 on the registry record           | each retry announced, exit 0, the signed tarball saved          |
// | fetch        | package fetch -o DIR            | 503 ×3 on the registry record           | exit 1 + hint; DIR unchanged                                    |
// | fetch        | package fetch -o DIR            | tarball reset ×1 then cut ×1            | retried, exit 0, the signed tarball saved                       |
// | fetch        | package fetch -o DIR (old file) | tarball cut mid-download ×3             | exit 1 + hint; the old DIR/NAME-VER.tar intact, no temp file    |
// | fetch        | package fetch -o DIR (old file) | tarball truncated (Content-Length fits) | exit 1 checksum mismatch, "nothing was written"; old file intact |
// | fetch        | package fetch --unpack -o DIR   | tarball truncated                       | exit 1; no DIR, no temp directory                               |
// | fetch        | package fetch (fresh HOME)      | registry record truncated               | exit 1 clear error; nothing saved, nothing cached               |
// | fetch        | package fetch -o DIR            | tarball slower than the timeout ×1      | retried, exit 0                                                 |
// | fetch        | package fetch -o DIR            | 429 on the tarball                      | exit 1 + "try again in N s"                                     |
// | fetch        | package fetch -o DIR            | disk full                               | exit 1 "no space left" + hint; no temp file                     |
// | fetch        | package fetch --unpack -o DIR   | read-only file system                   | exit 1 "read-only" + hint; nothing written                      |
// | info         | info NAME                       | 502 ×2 / 502 ×3                         | retried, exit 0 / exit 1 + hint                                 |
// | info         | info NAME                       | truncated JSON                          | exit 1 "invalid JSON answer" + hint                             |
import { fixedAuthorization } from '../../src/api/client.js';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import * as releases from '../../src/api/releases.js';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { approvingAs, clientFor, cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';
import { runInSandbox, sandboxMissing, shrinkingFile } from './sandbox.js';
import { clearKeychain, credentialState, keychainEntry, temporaries, tree } from './state.js';

let registry: Registry;
let aliceKey: string;
let otherKey: string;
let orgKey: string;
let tinyTarball: Buffer;
let bulkyTarball: Buffer;
const cleanups: Array<() => void> = [];
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.createUser({ username: 'bob', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
  otherKey = registry.createKey({ user: 'bob' }, { name: 'bob-cli', permissions: [{ domain: 'api', resource: null }] });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  tinyTarball = await makeTarball({ name: 'tiny', version: '1.0.0' });
  await registry.publish(tinyTarball, { publisher: 'alice' });
  // 64 KiB of random bytes: more than the 16 KiB "full disk" takes, compressed or not.
  const bulky = project('bulky', '1.0.0');
  mkdirSync(join(bulky, 'priv'));
  writeFileSync(join(bulky, 'priv', 'blob.bin'), randomBytes(64 * 1024));
  const built = await runCli(['build', '-o', join(bulky, 'bulky.tar')], { cwd: bulky, env: cliEnv(registry, bulky) });
  assert.equal(built.code, 0, built.stderr);
  bulkyTarball = readFileSync(join(bulky, 'bulky.tar'));
  await registry.publish(bulkyTarball, { publisher: 'alice' });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});
afterEach(() => {
  registry.clearFaults();
  clearKeychain(registry.apiUrl);
});

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

function project(app: string, version: string, docs = false): string {
  const p = makeProject({ app, version, docs });
  cleanups.push(p.cleanup);
  return p.dir;
}

function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-faults-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fault = (spec: Record<string, unknown>) => registry.addFault(spec);
const hits = (method: string, path: string) => registry.requests().filter((r) => r.method === method && r.path.split('?')[0] === path).length;

interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string;
  cwd?: string;
  onStderr?: (text: string) => void;
}

const hexts = (dir: string, argv: string[], options: RunOptions = {}): Promise<CliResult> =>
  runCli(argv, { env: cliEnv(registry, dir, options.env), stdin: options.stdin, cwd: options.cwd ?? dir, onStderr: options.onStderr });

/** One `error:` line, then the hint on the next line. */
function assertError(result: CliResult, message: RegExp, hint: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trimEnd().split('\n');
  const at = lines.findIndex((l) => l.startsWith('error: '));
  assert.ok(at >= 0, `no error line in:\n${result.stderr}`);
  assert.match(lines[at]!, message);
  assert.match(lines.slice(at + 1).join('\n'), hint);
}

async function storeUserKey(dir: string, key: string): Promise<void> {
  const stored = await hexts(dir, ['user', 'auth', '--key', '-'], { stdin: key });
  assert.equal(stored.code, 0, stored.stderr);
  assert.match(stored.stderr, /API key stored in the OS keychain/);
}

async function storeOrgKey(dir: string): Promise<void> {
  const stored = await hexts(dir, ['organization', 'auth', 'acme', '--key', '-'], { stdin: orgKey });
  assert.equal(stored.code, 0, stored.stderr);
}

async function userKeyNames(): Promise<string[]> {
  const client = clientFor(registry, { auth: fixedAuthorization(aliceKey, 'a test key') });
  try {
    return ((await client.get<Array<{ name: string }>>('/keys')).body).map((k) => k.name);
  } finally {
    await client.close();
  }
}

async function releaseExists(name: string, version: string): Promise<boolean> {
  const client = clientFor(registry);
  try {
    await releases.get(client, name, version);
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

const indexOf = (dir: string) => JSON.parse(readFileSync(join(dir, '.config', 'hexts', 'credentials-index.json'), 'utf8'));

describe('user', () => {
  test('user auth --key: a 503 burst shorter than the retry budget is retried, and the key stored', async () => {
    const dir = home();
    fault({ type: 'status', status: 503, path: '/api/users/me', count: 2 });
    registry.clearRequests();
    const result = await hexts(dir, ['user', 'auth', '--key', '-'], { stdin: aliceKey });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(hits('GET', '/api/users/me'), 3);
    assert.deepEqual(JSON.parse(keychainEntry(dir, registry.apiUrl, 'user')!), { type: 'key', key: aliceKey });
    const { account, ...user } = indexOf(dir).registries[registry.apiUrl].user;
    assert.deepEqual(user, { kind: 'key', username: 'alice', store: 'keychain' });
    assert.match(account, /^user@[0-9a-f-]{36}$/);
  });

  for (const [name, spec, message, hint] of [
    ['a 503 burst as long as the retry budget', { type: 'status', status: 503 }, /^error: HTTP status code: 503$/, /^The registry could not handle the request \(status 503\); try again later\.$/],
    ['connections reset before the body', { type: 'reset_before_body' }, /^error: the connection to 127\.0\.0\.1:\d+ was closed before the answer arrived \(3 attempts, \d+(\.\d)? s in all\)$/, /try again later/],
  ] as const) {
    test(`user auth --key: ${name} fails clearly; the earlier login is untouched`, async () => {
      const dir = home();
      await storeUserKey(dir, aliceKey);
      const before = credentialState(dir, registry.apiUrl);
      fault({ ...spec, path: '/api/users/me', count: 3 });
      registry.clearRequests();
      const result = await hexts(dir, ['user', 'auth', '--key', '-'], { stdin: otherKey });
      assertError(result, message, hint);
      assert.equal(hits('GET', '/api/users/me'), 3, 'three tries, no more');
      assert.deepEqual(credentialState(dir, registry.apiUrl), before);
      assert.deepEqual(JSON.parse(before.keychain.user!), { type: 'key', key: aliceKey });
    });
  }

  test('user auth --key: a truncated JSON answer fails clearly; nothing is written anywhere', async () => {
    const dir = home();
    fault({ type: 'truncate_body', path: '/api/users/me' });
    const result = await hexts(dir, ['user', 'auth', '--key', '-'], { stdin: aliceKey });
    assertError(result, /^error: the server sent an invalid JSON answer \(status 200\)$/, /^Try again; if it persists, the registry is misbehaving\.$/);
    assert.deepEqual(tree(dir), {});
    assert.equal(keychainEntry(dir, registry.apiUrl, 'user'), undefined);
  });

  test('user whoami: one answer slower than HEX_HTTP_TIMEOUT is retried', async () => {
    const dir = home();
    fault({ type: 'delay', delay_ms: 2500, path: '/api/users/me' });
    const result = await hexts(dir, ['user', 'whoami'], { env: { HEX_API_KEY: aliceKey, HEX_HTTP_TIMEOUT: '1' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^alice\n/);
  });

  test('user whoami: every answer slower than HEX_HTTP_TIMEOUT: each retry announced, then the real total and the setting', async () => {
    const dir = home();
    fault({ type: 'delay', delay_ms: 4000, path: '/api/users/me', count: 3 });
    registry.clearRequests();
    const result = await hexts(dir, ['user', 'whoami'], { env: { HEX_API_KEY: aliceKey, HEX_HTTP_TIMEOUT: '1' } });
    assertError(result, /^error: 127\.0\.0\.1:\d+ did not answer within 1 s \(3 attempts, \d+(\.\d)? s in all\)$/, /^Try again later, or raise HEX_HTTP_TIMEOUT \(seconds\)\.$/);
    // Not a timing assertion: three tries that each waited out a 1 s timeout took 3 s at least, and the total says so.
    assert.ok(Number(result.stderr.match(/(\d+(?:\.\d)?) s in all/)![1]) >= 3, result.stderr);
    assert.deepEqual(result.stderr.split('\n').filter((l) => l.includes('retrying')).map((l) => l.replace(/:\d+/, ':PORT')), [
      '127.0.0.1:PORT did not answer within 1 s; retrying in 0.2 s (1/2)…',
      '127.0.0.1:PORT did not answer within 1 s; retrying in 0.4 s (2/2)…',
    ]);
    assert.equal(hits('GET', '/api/users/me'), 3);
    assert.equal(result.stdout, '');
  });

  test('user whoami: a download cut mid-body and a reset connection are both retried', async () => {
    const dir = home();
    fault({ type: 'truncate_download', path: '/api/users/me' });
    fault({ type: 'reset_before_body', path: '/api/users/me' });
    registry.clearRequests();
    const result = await hexts(dir, ['user', 'whoami'], { env: { HEX_API_KEY: aliceKey } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(hits('GET', '/api/users/me'), 3);
  });

  test('user whoami: 429 says when to try again', async () => {
    const dir = home();
    fault({ type: 'rate_limited', path: '/api/users/me', reset_after_seconds: 42 });
    const result = await hexts(dir, ['user', 'whoami'], { env: { HEX_API_KEY: aliceKey } });
    assertError(result, /^error: API rate limit exceeded for IP 127\.0\.0\.1$/, /^Rate limited: try again in (41|42) s \(at \d{4}-\d\d-\d\dT/);
  });

  for (const type of ['reset_before_body', 'reset_after_body'] as const) {
    test(`user key generate: ${type.replace(/_/g, ' ')}: the outcome is called unknown, never retried, no key made`, async () => {
      const dir = home();
      const name = `gen-${type}`;
      fault({ type, method: 'POST', path: '/api/keys' });
      registry.clearRequests();
      const result = await hexts(dir, ['user', 'key', 'generate', '--key-name', name], { env: { HEX_API_KEY: aliceKey } });
      assertError(result, /^error: the connection to 127\.0\.0\.1:\d+ was closed before the answer arrived; the POST request may or may not have been carried out$/,
        /^Check the current state before trying again \(writes are never retried automatically\)\.$/);
      assert.equal(result.stdout, '');
      assert.equal(hits('POST', '/api/keys'), 1);
      assert.ok(!(await userKeyNames()).includes(name));
    });
  }

  test('user key generate: an answer garbled after the key was made says it was carried out, and prints no secret', async () => {
    const dir = home();
    fault({ type: 'truncate_body', method: 'POST', path: '/api/keys' });
    const result = await hexts(dir, ['user', 'key', 'generate', '--key-name', 'garbled'], { env: { HEX_API_KEY: aliceKey } });
    assertError(result, /^error: the registry carried out the request \(status 201\), but its answer was not valid JSON$/,
      /^Check the current state before trying again \(writes are never retried automatically\)\.$/);
    assert.equal(result.stdout, '');
    assert.ok((await userKeyNames()).includes('garbled'), 'the registry did make the key, as the message says');
  });

  // The registry holds the answer back far longer than the test runs: hexts ends only by giving up
  // at its timeout. The watchdog is for a hang, not a speed target.
  test('user key generate: slower than HEX_HTTP_TIMEOUT: one try, outcome unknown', { timeout: 120_000 }, async () => {
    const dir = home();
    fault({ type: 'delay', delay_ms: 3_600_000, method: 'POST', path: '/api/keys' });
    registry.clearRequests();
    const result = await hexts(dir, ['user', 'key', 'generate', '--key-name', 'slow'], { env: { HEX_API_KEY: aliceKey, HEX_HTTP_TIMEOUT: '1' } });
    assertError(result, /^error: 127\.0\.0\.1:\d+ did not answer within 1 s; the POST request may or may not have been carried out$/, /^Check the current state/);
    const posts = registry.requests().filter((r) => r.method === 'POST' && r.path === '/api/keys');
    assert.deepEqual(posts.map((r) => r.status), [null], 'one try, which the registry had not answered when hexts gave up');
    assert.ok(!(await userKeyNames()).includes('slow'));
  });

  test('user key list: a 500 burst is retried', async () => {
    const dir = home();
    fault({ type: 'status', status: 500, path: '/api/keys', method: 'GET', count: 2 });
    const result = await hexts(dir, ['user', 'key', 'list'], { env: { HEX_API_KEY: aliceKey } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^alice-cli\s+api\s/m);
  });

  test('user key revoke: a 502 is not retried; the key stays', async () => {
    const dir = home();
    registry.createKey({ user: 'alice' }, { name: 'keep-me', permissions: [{ domain: 'api', resource: null }] });
    fault({ type: 'status', status: 502, method: 'DELETE', path: '/api/keys/keep-me' });
    registry.clearRequests();
    const result = await hexts(dir, ['user', 'key', 'revoke', 'keep-me'], { env: { HEX_API_KEY: aliceKey } });
    assertError(result, /^error: HTTP status code: 502$/, /try again later/);
    assert.equal(hits('DELETE', '/api/keys/keep-me'), 1);
    assert.ok((await userKeyNames()).includes('keep-me'));
  });

  test('user deauth: the token revocation fails; the login is still removed locally, with a warning', async () => {
    const dir = home();
    const login = await hexts(dir, ['user', 'auth', '--no-browser'], { onStderr: approvingAs(registry, 'alice') });
    assert.equal(login.code, 0, login.stderr);
    assert.equal(JSON.parse(keychainEntry(dir, registry.apiUrl, 'user')!).type, 'oauth');
    fault({ type: 'status', status: 500, method: 'POST', path: '/api/oauth/revoke' });
    const result = await hexts(dir, ['user', 'deauth']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Could not revoke the OAuth token on the server \(Internal server error\); removing it locally anyway\.$/m);
    assert.match(result.stderr, /Removed the OAuth tokens from the OS keychain\./);
    assert.equal(keychainEntry(dir, registry.apiUrl, 'user'), undefined);
    assert.deepEqual(indexOf(dir).registries, {});
    assert.deepEqual(temporaries(dir), []);
  });
});

describe('organization', () => {
  test('organization auth --key: a 502 burst is retried, and the key stored', async () => {
    const dir = home();
    fault({ type: 'status', status: 502, path: '/api/auth', count: 2 });
    const result = await hexts(dir, ['organization', 'auth', 'acme', '--key', '-'], { stdin: orgKey });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(keychainEntry(dir, registry.apiUrl, 'repository:hexpm:acme')!).key, orgKey);
  });

  test('organization auth --key: a 503 burst past the budget: nothing stored, the earlier key untouched', async () => {
    const dir = home();
    await storeOrgKey(dir);
    const before = credentialState(dir, registry.apiUrl);
    fault({ type: 'status', status: 503, path: '/api/auth', count: 3 });
    const result = await hexts(dir, ['organization', 'auth', 'acme', '--key', '-'], { stdin: otherKey });
    assertError(result, /^error: Failed to authenticate against organization repository with given key because of: HTTP status code: 503$/,
      /try again later\. Nothing was stored\.$/);
    assert.deepEqual(credentialState(dir, registry.apiUrl), before);
  });

  test('organization auth --key: a truncated JSON answer: nothing stored', async () => {
    const dir = home();
    fault({ type: 'truncate_body', path: '/api/auth' });
    const result = await hexts(dir, ['organization', 'auth', 'acme', '--key', '-'], { stdin: orgKey });
    assertError(result, /invalid JSON answer \(status 200\)$/, /Nothing was stored\.$/);
    assert.deepEqual(tree(dir), {});
    assert.equal(keychainEntry(dir, registry.apiUrl, 'repository:hexpm:acme'), undefined);
  });

  test('organization key generate: reset after the body: outcome unknown, one request, no secret, no key', async () => {
    const dir = home();
    fault({ type: 'reset_after_body', method: 'POST', path: '/api/orgs/acme/keys' });
    registry.clearRequests();
    const result = await hexts(dir, ['organization', 'key', 'acme', 'generate', '--key-name', 'lost'], { env: { HEX_API_KEY: aliceKey } });
    assertError(result, /the POST request may or may not have been carried out$/, /^Check the current state/);
    assert.equal(result.stdout, '');
    assert.equal(hits('POST', '/api/orgs/acme/keys'), 1);
    const listed = await hexts(dir, ['--json', 'organization', 'key', 'acme', 'list'], { env: { HEX_API_KEY: aliceKey } });
    assert.deepEqual(JSON.parse(listed.stdout).map((k: { name: string }) => k.name), ['ci']);
  });

  test('organization key list: a 500 burst is retried', async () => {
    const dir = home();
    fault({ type: 'status', status: 500, method: 'GET', path: '/api/orgs/acme/keys', count: 2 });
    const result = await hexts(dir, ['organization', 'key', 'acme', 'list'], { env: { HEX_API_KEY: aliceKey } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ci\s+repository:acme\s/m);
  });

  test('organization list: the memberships cannot be read; the stored keys are still listed', async () => {
    const dir = home();
    await storeUserKey(dir, aliceKey);
    await storeOrgKey(dir);
    const before = credentialState(dir, registry.apiUrl);
    fault({ type: 'status', status: 503, path: '/api/users/me', count: 3 });
    const result = await hexts(dir, ['organization', 'list']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^acme\s+ci\s+organization\s+repository:acme\s+keychain$/m);
    assert.match(result.stderr, /^Could not read your organizations: HTTP status code: 503$/m);
    assert.deepEqual(credentialState(dir, registry.apiUrl), before);
  });

  for (const [name, spec, message] of [
    ['a 500', { type: 'status', status: 500 }, /^error: could not revoke the key: Internal server error$/],
    ['a reset after the body', { type: 'reset_after_body' }, /the DELETE request may or may not have been carried out$/],
  ] as const) {
    test(`organization deauth --revoke: ${name}: the stored key is kept, to try again`, async () => {
      const dir = home();
      await storeOrgKey(dir);
      const before = credentialState(dir, registry.apiUrl);
      fault({ ...spec, method: 'DELETE', path: '/api/orgs/acme/keys/ci' });
      const result = await hexts(dir, ['organization', 'deauth', 'acme', '--revoke'], { env: { HEX_API_KEY: aliceKey } });
      assertError(result, message, /(try again later|Check the current state).* The key is still stored on this machine; `hexts organization deauth acme` without --revoke forgets it\.$/);
      assert.deepEqual(credentialState(dir, registry.apiUrl), before);
      const listed = await hexts(dir, ['--json', 'organization', 'key', 'acme', 'list'], { env: { HEX_API_KEY: aliceKey } });
      assert.ok(JSON.parse(listed.stdout).some((k: { name: string }) => k.name === 'ci'));
    });
  }
});

describe('build', () => {
  const skip = sandboxMissing;

  test('-o into a read-only directory: a clear error; the directory unchanged', { skip }, async () => {
    const dir = project('ro_pkg', '1.0.0');
    const out = scratchDir();
    const run = await runInSandbox(['build', '-o', join(out, 'ro_pkg.tar')], { mount: out, readOnly: true, seed: { 'keep.txt': 'mine\n' }, cwd: dir, env: cliEnv(registry, dir) });
    cleanups.push(run.cleanup);
    assertError(run, new RegExp(`^error: cannot write ${join(out, 'ro_pkg.tar')}: the file system is read-only \\(EROFS\\)$`), /^Choose a location you can write to\.$/);
    assert.deepEqual(Object.keys(tree(run.left)), ['keep.txt']);
  });

  test('-o over an earlier tarball on a full disk: the earlier tarball is intact, no temporary file', { skip }, async () => {
    const dir = project('full_pkg', '1.0.0');
    writeFileSync(join(dir, 'lib', 'blob.ex'), randomBytes(64 * 1024).toString('base64'));
    const out = scratchDir();
    const target = join(out, 'full_pkg-1.0.0.tar');
    const run = await runInSandbox(['build', '-o', target], { mount: out, sizeBytes: 16 * 1024, seed: { 'full_pkg-1.0.0.tar': 'an earlier build\n' }, cwd: dir, env: cliEnv(registry, dir) });
    cleanups.push(run.cleanup);
    assertError(run, new RegExp(`^error: cannot write ${target}: no space left on the device \\(ENOSPC\\)$`), /^Free some disk space and try again\.$/);
    assert.deepEqual(Object.keys(tree(run.left)), ['full_pkg-1.0.0.tar']);
    assert.equal(readFileSync(join(run.left, 'full_pkg-1.0.0.tar'), 'utf8'), 'an earlier build\n');
  });

  test('--unpack on a full disk: no package directory, no temporary directory', { skip }, async () => {
    const dir = project('unpack_pkg', '1.0.0');
    writeFileSync(join(dir, 'lib', 'blob.ex'), randomBytes(64 * 1024).toString('base64'));
    const out = scratchDir();
    const run = await runInSandbox(['build', '--unpack', '-o', join(out, 'unpack_pkg')], { mount: out, sizeBytes: 16 * 1024, cwd: dir, env: cliEnv(registry, dir) });
    cleanups.push(run.cleanup);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^error: cannot unpack .*ENOSPC/m);
    assert.deepEqual(tree(run.left), {});
  });

  test('-o naming a directory: a clear error; nothing written beside it', async () => {
    const dir = project('dir_pkg', '1.0.0');
    mkdirSync(join(dir, 'out.tar'));
    const before = tree(dir);
    const result = await hexts(dir, ['build', '-o', 'out.tar']);
    assertError(result, new RegExp(`^error: cannot write ${join(dir, 'out.tar')}: it is a directory \\(EISDIR\\)$`), /^Give the path of a file, not of a directory\.$/);
    assert.deepEqual(tree(dir), before);
  });

  const shrinking = shrinkingFile();
  test('a source file that shrinks while it is read: a clear error, nothing written', { skip: skip ?? (!shrinking && 'no sysfs file to shrink with') }, async () => {
    const dir = project('shrink_pkg', '1.0.0');
    const out = scratchDir();
    const before = tree(dir);
    const run = await runInSandbox(['build', '-o', join(out, 'shrink_pkg.tar')], { mount: out, binds: [[shrinking!, join(dir, 'lib', 'shrink_pkg.ex')]], cwd: dir, env: cliEnv(registry, dir) });
    cleanups.push(run.cleanup);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^error: file changed while it was being read: lib\/shrink_pkg\.ex$/m);
    assert.deepEqual(tree(run.left), {});
    assert.deepEqual(tree(dir), before);
  });
});

describe('publish', () => {
  const publish = (dir: string, argv: string[], env: Record<string, string> = {}) => hexts(dir, ['publish', ...argv, '--yes'], { env: { HEX_API_KEY: aliceKey, ...env } });
  const uploads = (name: string) => registry.requests().filter((r) => r.method === 'POST' && r.path.split('?')[0] === `/api/packages/${name}/releases`);

  test('the connection is reset before the body: nothing sent, nothing published', async () => {
    const dir = project('reset_pub', '1.0.0');
    fault({ type: 'reset_before_body', method: 'POST', path: '/api/packages/reset_pub/releases' });
    const result = await publish(dir, ['package']);
    assertError(result, /^error: Publishing failed: the connection to 127\.0\.0\.1:\d+ was closed before the answer arrived$/, /try again later/);
    assert.deepEqual(uploads('reset_pub').map((u) => u.body_bytes), [0]);
    assert.equal(await releaseExists('reset_pub', '1.0.0'), false);
  });

  test('a 503 on the upload: not retried, not published', async () => {
    const dir = project('busy_pub', '1.0.0');
    fault({ type: 'status', status: 503, method: 'POST', path: '/api/packages/busy_pub/releases' });
    const result = await publish(dir, ['package']);
    assertError(result, /^error: Publishing failed: HTTP status code: 503$/, /try again later/);
    assert.equal(uploads('busy_pub').length, 1);
    assert.equal(await releaseExists('busy_pub', '1.0.0'), false);
  });

  test('slower than HEX_HTTP_TIMEOUT: a timeout, and the body never went out', async () => {
    const dir = project('slow_pub', '1.0.0');
    fault({ type: 'delay', delay_ms: 2500, method: 'POST', path: '/api/packages/slow_pub/releases' });
    const result = await publish(dir, ['package'], { HEX_HTTP_TIMEOUT: '1' });
    assertError(result, /^error: Publishing failed: 127\.0\.0\.1:\d+ did not answer within 1 s$/, /raise HEX_HTTP_TIMEOUT/);
    assert.deepEqual(uploads('slow_pub').map((u) => u.body_bytes), [0]);
    assert.equal(await releaseExists('slow_pub', '1.0.0'), false);
  });

  test('an answer garbled after the registry took the package: hexts asks, and finds it published', async () => {
    const dir = project('garbled_pub', '1.0.0');
    fault({ type: 'truncate_body', method: 'POST', path: '/api/packages/garbled_pub/releases' });
    const result = await publish(dir, ['package']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /the registry carried out the request \(status 201\), but its answer was not valid JSON\. Asking the registry whether garbled_pub 1\.0\.0 arrived\.\.\./);
    assert.match(result.stderr, /The registry has garbled_pub 1\.0\.0 with this build's checksum: it was published\./);
    assert.equal(uploads('garbled_pub').length, 1);
  });

  test('docs: a reset after the body: the outcome is called unknown', async () => {
    const dir = project('docs_cut', '1.0.0', true);
    assert.equal((await publish(dir, ['package'])).code, 0);
    fault({ type: 'reset_after_body', method: 'POST', path: '/api/packages/docs_cut/releases/1.0.0/docs' });
    const result = await publish(dir, ['docs']);
    assertError(result, /^error: the connection to 127\.0\.0\.1:\d+ was closed before the answer arrived while the upload was under way$/, /^The registry may or may not have received it\.$/);
  });

  for (const [name, spec, hint] of [
    ['a 502', { type: 'status', status: 502 }, /^The registry could not handle the request \(status 502\); try again later\.$/],
    ['a 429', { type: 'rate_limited', reset_after_seconds: 30 }, /^Rate limited: try again in (29|30) s/],
  ] as const) {
    test(`docs: ${name}: a clear error with what to do`, async () => {
      const dir = project(`docs_${spec.type}`, '1.0.0', true);
      assert.equal((await publish(dir, ['package'])).code, 0);
      fault({ ...spec, method: 'POST', path: `/api/packages/docs_${spec.type}/releases/1.0.0/docs` });
      const result = await publish(dir, ['docs']);
      assertError(result, /^error: Publishing docs failed: /, hint);
    });
  }
});

describe('package fetch', () => {
  const TINY = '/repo/tarballs/tiny-1.0.0.tar';
  const EARLIER = 'an earlier download\n';

  /** An output directory holding an earlier tiny-1.0.0.tar. */
  function outWithEarlier(): string {
    const out = scratchDir();
    writeFileSync(join(out, 'tiny-1.0.0.tar'), EARLIER);
    return out;
  }

  test('a 503 burst on the registry record is retried; the signed tarball is saved', async () => {
    const dir = home();
    const out = scratchDir();
    fault({ type: 'status', status: 503, path: '/repo/packages/tiny', count: 2 });
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readFileSync(join(out, 'tiny-1.0.0.tar')), tinyTarball);
    assert.deepEqual(result.stderr.split('\n').filter((l) => l.includes('retrying')).map((l) => l.replace(/:\d+/, ':PORT')), [
      '127.0.0.1:PORT answered with status 503; retrying in 0.2 s (1/2)…',
      '127.0.0.1:PORT answered with status 503; retrying in 0.4 s (2/2)…',
    ]);
  });

  test('a 503 burst past the budget: a clear error, the directory unchanged', async () => {
    const dir = home();
    const out = outWithEarlier();
    const before = tree(out);
    fault({ type: 'status', status: 503, path: '/repo/packages/tiny', count: 3 });
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '-o', out]);
    assertError(result, /^error: https:\/\/127\.0\.0\.1:\d+\/repo\/packages\/tiny answered with status 503 for package tiny$/, /^The repository is having trouble; try again later\.$/);
    assert.deepEqual(tree(out), before);
  });

  test('a reset and a download cut mid-body are retried; the saved tarball is the signed one', async () => {
    const dir = home();
    const out = outWithEarlier();
    fault({ type: 'reset_before_body', path: TINY });
    fault({ type: 'truncate_download', path: TINY });
    registry.clearRequests();
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(hits('GET', TINY), 3);
    assert.equal(sha256(readFileSync(join(out, 'tiny-1.0.0.tar'))), sha256(tinyTarball));
    assert.deepEqual(temporaries(out), []);
  });

  test('every download cut mid-body: a clear error; the earlier tarball is not clobbered', async () => {
    const dir = home();
    const out = outWithEarlier();
    const before = tree(out);
    fault({ type: 'truncate_download', path: TINY, count: 3 });
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '-o', out]);
    assertError(result, /^error: the connection to 127\.0\.0\.1:\d+ was closed before the answer arrived \(3 attempts, \d+(\.\d)? s in all\)$/, /try again later/);
    assert.deepEqual(tree(out), before);
  });

  test('a truncated tarball with a matching Content-Length: checksum mismatch; the earlier tarball is not clobbered', async () => {
    const dir = home();
    const out = outWithEarlier();
    const before = tree(out);
    fault({ type: 'truncate_body', path: TINY });
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '-o', out]);
    assertError(result, /^error: Checksum mismatch against registry \(outer\): /, /nothing was written\.$/);
    assert.deepEqual(tree(out), before);
    assert.equal(readFileSync(join(out, 'tiny-1.0.0.tar'), 'utf8'), EARLIER);
  });

  test('--unpack with a truncated tarball: no package directory, no temporary directory', async () => {
    const dir = home();
    const out = scratchDir();
    fault({ type: 'truncate_body', path: TINY });
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '--unpack', '-o', join(out, 'tiny')]);
    assertError(result, /^error: Checksum mismatch/, /nothing was written\.$/);
    assert.deepEqual(tree(out), {});
  });

  test('a truncated registry record: a clear error; nothing saved and nothing cached', async () => {
    const dir = home();
    const out = scratchDir();
    fault({ type: 'truncate_body', path: '/repo/packages/tiny' });
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '-o', out]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^error: .*(packages\/tiny|package tiny)/m);
    assert.deepEqual(tree(out), {});
    assert.deepEqual(Object.keys(tree(dir)).filter((p) => !statSync(join(dir, p)).isDirectory()), []);
  });

  test('a tarball slower than HEX_HTTP_TIMEOUT once is retried', async () => {
    const dir = home();
    const out = scratchDir();
    fault({ type: 'delay', delay_ms: 2500, path: TINY });
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '-o', out], { env: { HEX_HTTP_TIMEOUT: '1' } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readFileSync(join(out, 'tiny-1.0.0.tar')), tinyTarball);
  });

  test('429 on the tarball says when to try again', async () => {
    const dir = home();
    const out = scratchDir();
    fault({ type: 'rate_limited', path: TINY, reset_after_seconds: 20 });
    const result = await hexts(dir, ['package', 'fetch', 'tiny', '-o', out]);
    assertError(result, /answered with status 429 for the tarball of tiny 1\.0\.0$/, /^Rate limited: try again in (19|20) s/);
    assert.deepEqual(tree(out), {});
  });

  test('-o on a full disk: a clear error, no temporary file', { skip: sandboxMissing }, async () => {
    const dir = home();
    const out = scratchDir();
    const run = await runInSandbox(['package', 'fetch', 'bulky', '-o', out], { mount: out, sizeBytes: 16 * 1024, cwd: dir, env: cliEnv(registry, dir) });
    cleanups.push(run.cleanup);
    assertError(run, new RegExp(`^error: cannot write ${join(out, 'bulky-1.0.0.tar')}: no space left on the device \\(ENOSPC\\)$`), /^Free some disk space/);
    assert.deepEqual(tree(run.left), {});
  });

  test('--unpack into a read-only file system: a clear error, nothing written', { skip: sandboxMissing }, async () => {
    const dir = home();
    const out = scratchDir();
    const run = await runInSandbox(['package', 'fetch', 'bulky', '--unpack', '-o', join(out, 'bulky')], { mount: out, readOnly: true, cwd: dir, env: cliEnv(registry, dir) });
    cleanups.push(run.cleanup);
    assertError(run, new RegExp(`^error: cannot unpack into ${join(out, 'bulky')}: the file system is read-only \\(EROFS\\)$`), /^Choose a location you can write to\.$/);
    assert.deepEqual(tree(run.left), {});
  });
});

describe('info', () => {
  test('a 502 burst is retried; past the budget, a clear error', async () => {
    const dir = home();
    fault({ type: 'status', status: 502, path: '/api/packages/tiny', count: 2 });
    const retried = await hexts(dir, ['info', 'tiny']);
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /^The tiny package\./);
    fault({ type: 'status', status: 502, path: '/api/packages/tiny', count: 3 });
    assertError(await hexts(dir, ['info', 'tiny']), /^error: HTTP status code: 502$/, /try again later/);
  });

  test('a truncated JSON answer: a clear error', async () => {
    const dir = home();
    fault({ type: 'truncate_body', path: '/api/packages/tiny' });
    const result = await hexts(dir, ['info', 'tiny']);
    assertError(result, /^error: the server sent an invalid JSON answer \(status 200\)$/, /^Try again/);
    assert.equal(result.stdout, '');
  });
});
