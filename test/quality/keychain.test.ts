// The keychain going wrong under real commands (the built binary, each run in the D-Bus
// environment of the fault): no session bus, a bus without a Secret Service, a locked login
// collection, and a Secret Service that never answers (its process stopped). Each run has a
// watchdog, so a hang fails the test, and its --verbose log shows it asked the failing keychain
// once at most: every call gives up within the 3 s keychain budget and the store then stops
// asking, so a run waits that budget out once at most. test/credentials/store.test.ts covers
// the store on its own; this is what a user sees.
//
// | Keychain fault          | Command (login and org key held by the keychain) | Expected                                                   |
// |-------------------------|--------------------------------------------------|------------------------------------------------------------|
// | any                     | user whoami                                      | exit 1 naming the fault; the stale plain-text copy unused   |
// | any                     | organization list                                | exit 0: keys listed from the index, memberships warned away |
// | any                     | user deauth                                      | exit 1 naming the fault; index and keychain entry unchanged |
// | any                     | user auth --key -                                | exit 0: stored in the 0600 file, warning naming it and why  |
// | any                     | organization auth ORG --key -                    | exit 0: stored in the 0600 file, warning naming it and why  |
// | any                     | user whoami (login now in the file)              | exit 0, "stored in the plain-text credentials file"         |
// | any                     | user deauth (login and key now in the file)      | exit 0, the file emptied; the keychain's copy left alone    |
// | none (working keychain) | user auth / organization auth --insecure-storage | the file, warned "(--insecure-storage)"; keychain untouched |
//
// The faults say: no bus → "no D-Bus session bus"; no Secret Service → "no Secret Service is
// running"; locked → "the keyring is locked" (unlocking needs a prompt, and there is none);
// no answer → "did not answer" / "no answer within 3 s".
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { startPrivateBus, type PrivateBus } from '../helpers/dbus.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { lockLoginCollection, restartKeyring } from './keyring.js';
import { clearKeychain, keychainEntry, tree } from './state.js';
import { keychainAccounts } from '../helpers/keychain.js';

/** A hang watchdog for one run, not a speed target: generous, for a loaded machine. */
const RUN_TIMEOUT_MS = 60_000;

interface Fault {
  name: string;
  /** The keychain the credentials are first stored in, while it still works. */
  working(): Promise<{ env: Record<string, string | undefined>; bus?: PrivateBus }>;
  /** Makes that keychain fail; returns the environment the failing runs get. */
  fail(bus: PrivateBus | undefined): Promise<Record<string, string | undefined>>;
  /** Makes the keychain readable again, to check what it still holds; returns its env. */
  inspect(bus: PrivateBus | undefined): Promise<NodeJS.ProcessEnv>;
  reading: RegExp;
  deleting: RegExp;
  writing: RegExp;
}

const sessionKeychain = async () => ({ env: { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } });
const restarted: ChildProcess[] = [];

const FAULTS: Fault[] = [
  {
    name: 'no session bus',
    working: sessionKeychain,
    fail: async () => ({ DBUS_SESSION_BUS_ADDRESS: undefined }),
    inspect: async () => process.env,
    reading: /^error: the stored credential is in the OS keychain, which cannot be used now: no D-Bus session bus \(DBUS_SESSION_BUS_ADDRESS is not set\)$/m,
    deleting: /^error: cannot remove the credential from the OS keychain: no D-Bus session bus/m,
    writing: /\(no usable OS keychain: no D-Bus session bus \(DBUS_SESSION_BUS_ADDRESS is not set\)\)/,
  },
  {
    name: 'a bus without a Secret Service',
    working: sessionKeychain,
    fail: async () => {
      const bus = await startPrivateBus('empty');
      buses.push(bus);
      return bus.env;
    },
    inspect: async () => process.env,
    reading: /^error: the stored credential is in the OS keychain, which cannot be used now: no Secret Service is running on the session bus$/m,
    deleting: /^error: cannot remove the credential from the OS keychain: no Secret Service is running on the session bus$/m,
    writing: /\(no usable OS keychain: no Secret Service is running on the session bus\)/,
  },
  {
    name: 'a locked login collection',
    working: privateKeychain,
    fail: async (bus) => {
      lockLoginCollection(bus!);
      return bus!.env;
    },
    inspect: async (bus) => {
      restarted.push(await restartKeyring(bus!));
      return bus!.env;
    },
    reading: /^error: the stored credential is in the OS keychain, which cannot be used now: the keyring is locked$/m,
    deleting: /^error: cannot remove the credential from the OS keychain: the keyring is locked$/m,
    writing: /\(no usable OS keychain: the keyring is locked\)/,
  },
  {
    name: 'a Secret Service that never answers',
    working: privateKeychain,
    fail: async (bus) => {
      bus!.keyring!.kill('SIGSTOP');
      return bus!.env;
    },
    inspect: async (bus) => {
      bus!.keyring!.kill('SIGCONT');
      return bus!.env;
    },
    reading: /^error: the stored credential is in the OS keychain, which cannot be used now: (the Secret Service did not answer|no answer within 3 s)$/m,
    deleting: /^error: cannot remove the credential from the OS keychain: (the Secret Service did not answer|no answer within 3 s)$/m,
    writing: /\(no usable OS keychain: (the Secret Service did not answer|no answer within 3 s)\)/,
  },
];

const buses: PrivateBus[] = [];
const cleanups: Array<() => void> = [];
async function privateKeychain() {
  const bus = await startPrivateBus('unlocked');
  buses.push(bus);
  return { env: bus.env, bus };
}

after(async () => {
  for (const keyring of restarted) keyring.kill('SIGKILL');
  await Promise.all(buses.map((bus) => bus.stop()));
  cleanups.forEach((c) => c());
});

/** The keychain calls of a run that failed, from its --verbose log ("keychain: <reason>"), one line each. */
const keychainFailures = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('keychain: ') && !line.startsWith('keychain: moved '));

/**
 * Runs the built hexts with --verbose and checks that it ended (the watchdog) having asked a
 * failing keychain once at most: the one wait a run may spend on the keychain's budget.
 */
async function run(argv: string[], env: Record<string, string | undefined>, stdin?: string): Promise<CliResult> {
  const result = await spawnCli([...argv, '--verbose'], { env, stdin, timeoutMs: RUN_TIMEOUT_MS });
  assert.ok(keychainFailures(result.stderr).length <= 1, `hexts ${argv.join(' ')} asked a failing keychain more than once:\n${result.stderr}`);
  return result;
}

function environment(registry: Registry, home: string, keychain: Record<string, string | undefined>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...cliEnv(registry, home), ...keychain, HOME: home };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return env;
}

// The timeout is a hang watchdog for the whole suite, not a speed target.
describe('keychain faults, as the commands see them', { concurrency: true, timeout: 600_000 }, () => {
  for (const fault of FAULTS) {
    describe(fault.name, { concurrency: 1 }, () => {
      let registry: Registry;
      let home: string;
      let aliceKey: string;
      let bobKey: string;
      let orgKey: string;
      let bus: PrivateBus | undefined;
      let failing: Record<string, string | undefined>;
      const paths = () => ({
        index: join(home, '.config', 'hexts', 'credentials-index.json'),
        file: join(home, '.config', 'hexts', 'credentials.json'),
      });

      before(async () => {
        registry = await testRegistry();
        registry.createUser({ username: 'alice', password: 'correct horse battery' });
        registry.createUser({ username: 'bob', password: 'correct horse battery' });
        registry.createOrganization({ name: 'acme', admin: 'alice' });
        aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
        bobKey = registry.createKey({ user: 'bob' }, { name: 'bob-cli', permissions: [{ domain: 'api', resource: null }] });
        orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
        const h = scratchHome();
        cleanups.push(h.cleanup);
        home = h.home;

        // The login and the org key go into a working keychain first…
        const working = await fault.working();
        bus = working.bus;
        const env = environment(registry, home, working.env);
        for (const [argv, stdin] of [[['user', 'auth', '--key', '-'], aliceKey], [['organization', 'auth', 'acme', '--key', '-'], orgKey]] as const) {
          const stored = await spawnCli([...argv], { env, stdin, timeoutMs: RUN_TIMEOUT_MS });
          assert.equal(stored.code, 0, stored.stderr);
          assert.match(stored.stderr, /in the OS keychain\./);
        }
        // …and an old plain-text copy of another login lingers for the same registry: it must never be used.
        writeFileSync(paths().file, JSON.stringify({ version: 1, registries: { [registry.apiUrl]: { user: { type: 'key', key: bobKey } } } }), { mode: 0o600 });
        failing = environment(registry, home, await fault.fail(bus));
      });
      after(async () => {
        clearKeychain(registry.apiUrl);
        await registry.stop();
      });

      test('user whoami: a clear error naming the fault, not the plain-text copy', async () => {
        registry.clearRequests();
        const result = await run(['user', 'whoami'], failing);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, fault.reading);
        assert.equal(keychainFailures(result.stderr).length, 1, 'the one failed call is in the log');
        assert.match(result.stderr, /^Unlock the keyring/m);
        assert.equal(result.stdout, '');
        assert.deepEqual(registry.requests(), [], 'no request went out with any credential');
      });

      test('organization list: the stored keys come from the index; the memberships are warned away', async () => {
        const result = await run(['organization', 'list'], failing);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^acme\s+ci\s+organization\s+repository:acme\s+keychain$/m);
        assert.match(result.stderr, /^Could not read your organizations: /m);
      });

      test('user deauth: refused, naming the fault; nothing is forgotten or removed', async () => {
        const before = tree(home);
        const result = await run(['user', 'deauth'], failing);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, fault.deleting);
        assert.deepEqual(tree(home), before);
        const { account, ...user } = JSON.parse(readFileSync(paths().index, 'utf8')).registries[registry.apiUrl].user;
        assert.deepEqual(user, { kind: 'key', username: 'alice', store: 'keychain' });
        assert.match(account, /^user@[0-9a-f-]{36}$/);
      });

      test('user auth --key and organization auth --key fall back to the 0600 file, warning and naming it', async () => {
        const { file, index } = paths();
        for (const [argv, stdin] of [[['user', 'auth', '--key', '-'], bobKey], [['organization', 'auth', 'acme', '--key', '-'], orgKey]] as const) {
          const result = await run([...argv], failing, stdin);
          assert.equal(result.code, 0, result.stderr);
          assert.ok(result.stderr.includes(`Credentials saved in plain text to ${file} `), result.stderr);
          assert.match(result.stderr, fault.writing);
          assert.match(result.stderr, /in the plain-text credentials file\./);
        }
        assert.equal(statSync(file).mode & 0o777, 0o600);
        const slots = JSON.parse(readFileSync(file, 'utf8')).registries[registry.apiUrl];
        assert.deepEqual(slots.user, { type: 'key', key: bobKey });
        assert.equal(slots['repository:hexpm:acme'].key, orgKey);
        const listed = JSON.parse(readFileSync(index, 'utf8')).registries[registry.apiUrl];
        assert.equal(listed.user.store, 'file');
        assert.equal(listed['repository:hexpm:acme'].store, 'file');
      });

      test('with the login in the file, whoami works and deauth empties the file', async () => {
        const whoami = await run(['user', 'whoami'], failing);
        assert.equal(whoami.code, 0, whoami.stderr);
        assert.match(whoami.stdout, /^bob\n[^]*Credential: your login as bob \(API key in the plain-text credentials file\)$/m);
        const deauth = await run(['user', 'deauth'], failing);
        assert.equal(deauth.code, 0, deauth.stderr);
        assert.match(deauth.stderr, /Removed the API key from the plain-text credentials file\./);
        assert.deepEqual(JSON.parse(readFileSync(paths().file, 'utf8')).registries[registry.apiUrl], {});
        assert.deepEqual(JSON.parse(readFileSync(paths().index, 'utf8')).registries, {});
      });

      test('the keychain still holds what it held: no fault lost or changed an entry', async () => {
        const env = await fault.inspect(bus);
        assert.deepEqual(JSON.parse(keychainEntry(home, registry.apiUrl, 'user', env)!), { type: 'key', key: aliceKey });
        assert.equal(JSON.parse(keychainEntry(home, registry.apiUrl, 'repository:hexpm:acme', env)!).key, orgKey);
      });
    });
  }

  describe('--insecure-storage with a working keychain', { concurrency: 1 }, () => {
    let registry: Registry;
    before(async () => {
      registry = await testRegistry();
      registry.createUser({ username: 'alice', password: 'correct horse battery' });
      registry.createOrganization({ name: 'acme', admin: 'alice' });
    });
    after(async () => {
      clearKeychain(registry.apiUrl);
      await registry.stop();
    });

    test('user auth and organization auth store in the warned 0600 file and leave the keychain alone', async () => {
      const h = scratchHome();
      cleanups.push(h.cleanup);
      const aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
      const orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
      const env = environment(registry, h.home, { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS });
      const file = join(h.hextsHome, 'credentials.json');
      for (const [argv, stdin] of [[['user', 'auth', '--key', '-', '--insecure-storage'], aliceKey], [['organization', 'auth', 'acme', '--key', '-', '--insecure-storage'], orgKey]] as const) {
        const result = await run([...argv], env, stdin);
        assert.equal(result.code, 0, result.stderr);
        assert.ok(result.stderr.includes(`Credentials saved in plain text to ${file} (--insecure-storage).`), result.stderr);
      }
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(keychainAccounts(registry.apiUrl), [], 'nothing of the registry in the keychain');
      const whoami = await run(['user', 'whoami'], env);
      assert.match(whoami.stdout, /Credential: your login as alice \(API key in the plain-text credentials file\)/);
    });
  });
});
