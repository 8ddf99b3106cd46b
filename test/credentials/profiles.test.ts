// Every HEXTS_HOME is a profile of its own in the one keychain a user has: two homes logged in
// as different users never see or remove each other's credentials, and an entry written before
// profiles existed (named like its slot, shared by every home) moves into the home that reads it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, scratchHome } from '../helpers/cli.js';
import { hextsHomeIn, keychainAccounts, secretToolLookup, storedSecret } from '../helpers/keychain.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
const cleanups: Array<() => void> = [];
let aliceKey: string;
let bobKey: string;

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.createUser({ username: 'bob', password: 'correct horse battery' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
  bobKey = registry.createKey({ user: 'bob' }, { name: 'bob-cli', permissions: [{ domain: 'api', resource: null }] });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

const whoami = async (env: Record<string, string | undefined>) => (await runCli(['user', 'whoami'], { env })).stdout.split('\n')[0];

test('two HEXTS_HOMEs logged in as different users in one keychain stay apart', async () => {
  const base = home();
  const a = { ...cliEnv(registry, base), HEXTS_HOME: join(base, 'a') };
  const b = { ...cliEnv(registry, base), HEXTS_HOME: join(base, 'b') };
  assert.equal((await runCli(['user', 'auth', '--key', '-'], { env: a, stdin: aliceKey })).code, 0);
  assert.equal((await runCli(['user', 'auth', '--key', '-'], { env: b, stdin: bobKey })).code, 0);

  assert.equal(await whoami(a), 'alice');
  assert.equal(await whoami(b), 'bob');
  const accounts = keychainAccounts(registry.apiUrl);
  assert.equal(accounts.length, 2);
  assert.ok(accounts.every((name) => /^user@[0-9a-f-]{36}$/.test(name)), accounts.join(', '));

  const out = await runCli(['user', 'deauth'], { env: b });
  assert.equal(out.code, 0, out.stderr);
  assert.equal(await whoami(a), 'alice', 'logging out of one home leaves the other logged in');
  assert.deepEqual(JSON.parse(storedSecret(join(base, 'a'), registry.apiUrl, 'user')!), { type: 'key', key: aliceKey });
  assert.equal(keychainAccounts(registry.apiUrl).length, 1);
  assert.equal((await runCli(['user', 'deauth'], { env: a })).code, 0);
  assert.deepEqual(keychainAccounts(registry.apiUrl), []);
});

test('a login stored before profiles existed still works after the upgrade, and moves into its home', async () => {
  const dir = home();
  const hextsHome = hextsHomeIn(dir);
  const env = cliEnv(registry, dir);
  // What an earlier hexts left: a version 1 index, and a keychain entry named like the slot.
  mkdirSync(hextsHome, { recursive: true });
  writeFileSync(join(hextsHome, 'credentials-index.json'), JSON.stringify({
    version: 1,
    registries: { [registry.apiUrl]: { user: { kind: 'key', username: 'alice', store: 'keychain' } } },
  }), { mode: 0o600 });
  const stored = spawnSync('secret-tool', ['store', '--label', 'hexts', 'service', `hexts:${registry.apiUrl}`, 'username', 'user'], {
    input: JSON.stringify({ type: 'key', key: aliceKey }),
  });
  assert.equal(stored.status, 0, String(stored.stderr));

  assert.equal(await whoami(env), 'alice');
  const index = JSON.parse(readFileSync(join(hextsHome, 'credentials-index.json'), 'utf8'));
  assert.equal(index.version, 2);
  assert.match(index.profile, /^[0-9a-f-]{36}$/);
  assert.equal(index.registries[registry.apiUrl].user.account, `user@${index.profile}`);
  assert.equal(secretToolLookup(registry.apiUrl, 'user'), undefined, 'the shared entry is gone');
  assert.deepEqual(JSON.parse(storedSecret(hextsHome, registry.apiUrl, 'user')!), { type: 'key', key: aliceKey });

  assert.equal(await whoami(env), 'alice', 'and it works from its new name');
  assert.equal((await runCli(['user', 'deauth'], { env })).code, 0);
  assert.deepEqual(keychainAccounts(registry.apiUrl), []);
});
