// Runs that share a home at the same time (CI matrix jobs, a shell loop, an editor and a
// terminal): real processes of the built hexts, started together, each adding its own entry to
// the same files. None may be lost, every run must succeed, and a lock left behind by a run that
// died must not stop the next one. src/util/lock.ts is the lock they share.
//
// | Writers at once                                      | Shared state checked afterwards                                         |
// |------------------------------------------------------|-------------------------------------------------------------------------|
// | 20 × organization auth ORGn --key - --mix (keychain) | index: 20 slots, each secret where it says, one profile; hex.config: 20 |
// | 20 × the same, no keychain                           | index: 20 slots; credentials.json: 20 keys; hex.config: 20              |
// | one config KEY VALUE per setting (12)                | config.json: every setting                                              |
// | 10 × package fetch, each from its own registry       | repository-keys.json: 10 pins                                           |
// | 6 × user whoami, one expired OAuth login (2 stores)  | all exit 0; one refresh request reached the registry                    |
//
// And the locks themselves: one whose holder died, or that is older than any holder keeps one,
// is taken over; one a live process holds makes the run give up with an error naming it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SETTINGS } from '../../src/config/config.js';
import { parseTerms } from '../../src/erlang/text.js';
import { ErlMap, Tuple, atom, isAtom, type Term } from '../../src/erlang/term.js';
import { runCli, spawnCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { clearService, keychainAccounts, secretToolLookup } from '../helpers/keychain.js';
import { approvingAs, cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';

const WRITERS = 20;
const RUN_TIMEOUT_MS = 120_000;
const ORGANIZATIONS = Array.from({ length: WRITERS }, (_, i) => `org${String(i).padStart(2, '0')}`);

let registry: Registry;
const orgKeys = new Map<string, string>();
const cleanups: Array<() => void> = [];

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

before(async () => {
  registry = await testRegistry();
  registry.configure({ rateLimit: 100_000, ipRateLimit: 100_000 });
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  for (const organization of ORGANIZATIONS) {
    registry.createOrganization({ name: organization, admin: 'alice' });
    orgKeys.set(organization, registry.createKey({ organization }, { name: 'ci', permissions: [{ domain: 'repository', resource: organization }] }));
  }
});

after(async () => {
  clearService(registry.apiUrl);
  await registry.stop();
  cleanups.forEach((c) => c());
});

/** Runs every argv at once, each a process of the built hexts; all must exit 0. */
async function together(runs: Array<{ argv: string[]; env: Record<string, string | undefined>; stdin?: string }>): Promise<CliResult[]> {
  const results = await Promise.all(runs.map(({ argv, env, stdin }) => spawnCli(argv, { env, stdin, timeoutMs: RUN_TIMEOUT_MS })));
  results.forEach((result, i) => assert.equal(result.code, 0, `hexts ${runs[i]!.argv.join(' ')}:\n${result.stderr}`));
  return results;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const text = (term: Term | undefined) => (term instanceof Uint8Array ? Buffer.from(term).toString('utf8') : undefined);

/** hex.config's `'$repos'` map, as `name → auth_key`. */
function mixKeys(path: string): Record<string, string | undefined> {
  const repos = parseTerms(readFileSync(path)).find((t) => t instanceof Tuple && isAtom(t.elements[0]) && t.elements[0].name === '$repos') as Tuple;
  const map = repos.elements[1] as ErlMap;
  return Object.fromEntries(map.entries.map(([name, entry]) => [text(name)!, text((entry as ErlMap).get(atom('auth_key')))]));
}

describe('20 organization auth --mix at once, into one HEXTS_HOME and one HEX_HOME', { concurrency: 1 }, () => {
  for (const keychain of [true, false]) {
    test(keychain ? 'with a keychain: every slot indexed, each secret where the index says, one profile, every key in hex.config' : 'without a keychain: every slot indexed, every key in the fallback file and in hex.config', async () => {
      clearService(registry.apiUrl);
      const dir = home();
      const hexHome = join(dir, 'hexhome');
      mkdirSync(hexHome);
      writeFileSync(join(hexHome, 'hex.config'), `{'$repos',#{<<"hexpm">> => #{url => <<"${registry.repoUrl}">>}}}.\n`);
      const env = cliEnv(registry, dir, { HEX_HOME: hexHome, ...(keychain ? {} : { DBUS_SESSION_BUS_ADDRESS: undefined }) });

      await together(ORGANIZATIONS.map((organization) => ({ argv: ['organization', 'auth', organization, '--key', '-', '--mix'], env, stdin: orgKeys.get(organization) })));

      const hextsHome = join(dir, '.config', 'hexts');
      const slots = ORGANIZATIONS.map((organization) => `repository:hexpm:${organization}`);
      const index = readJson(join(hextsHome, 'credentials-index.json'));
      assert.deepEqual(Object.keys(index.registries[registry.apiUrl]).sort(), slots);
      // Each secret is where the index says. A busy machine can make the keychain miss its 3 s
      // budget: that run falls back to the file (and says so), as any run would.
      const file = existsSync(join(hextsHome, 'credentials.json')) ? readJson(join(hextsHome, 'credentials.json')).registries[registry.apiUrl] ?? {} : {};
      const inKeychain: string[] = [];
      for (const organization of ORGANIZATIONS) {
        const slot = `repository:hexpm:${organization}`;
        const info = index.registries[registry.apiUrl][slot];
        if (info.store === 'keychain') {
          assert.equal(info.account, `${slot}@${index.profile}`, 'one profile, made by one of the runs');
          assert.equal(JSON.parse(secretToolLookup(registry.apiUrl, info.account) ?? '{}').key, orgKeys.get(organization), slot);
          inKeychain.push(info.account);
        } else {
          assert.equal(info.store, 'file');
          assert.equal(file[slot]?.key, orgKeys.get(organization), slot);
        }
      }
      if (keychain) {
        assert.ok(inKeychain.length > 0, 'the keychain was used');
        assert.equal(new Set(keychainAccounts(registry.apiUrl).map((account) => account.split('@')[1])).size, 1, 'one profile, made by one of the runs');
      } else {
        assert.deepEqual(inKeychain, []);
        assert.deepEqual(keychainAccounts(registry.apiUrl), []);
      }
      assert.deepEqual(mixKeys(join(hexHome, 'hex.config')), { hexpm: undefined, ...Object.fromEntries(ORGANIZATIONS.map((o) => [`hexpm:${o}`, orgKeys.get(o)])) });
      assert.deepEqual(leftovers(hextsHome), []);
      assert.deepEqual(leftovers(hexHome), []);
    });
  }
});

/** Lock and temporary files a run left behind. */
function leftovers(dir: string): string[] {
  return spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.split('\n').filter((name) => /\.lock$|\.break$|\.tmp$/.test(name));
}

// A valid value for each setting, all different from the defaults.
const VALUES: Record<string, string> = {
  api_url: 'https://hex.example/api',
  repo_url: 'https://repo.hex.example',
  repo_public_key: '/etc/hex/repo.pem',
  repo_oauth_exchange: 'true',
  repo_trusted: 'false',
  cacerts_path: '/etc/hex/ca.pem',
  http_timeout: '30',
  http_concurrency: '4',
  http_proxy: 'http://proxy.example:3128',
  https_proxy: 'http://proxy.example:3129',
  no_proxy: 'localhost,.internal',
  oauth_client_id: 'our-own-client',
  diff_command: 'git diff --no-index __PATH1__ __PATH2__',
};

test('a config KEY VALUE per setting, all at once: config.json keeps every one', async () => {
  assert.deepEqual(Object.keys(VALUES).sort(), SETTINGS.map((s) => s.key).sort(), 'a value for every setting');
  const dir = home();
  // The API URL of every run, whatever the order: oauth_client_id is kept for it.
  const env = { PATH: process.env.PATH, HOME: dir, HEX_API_URL: VALUES.api_url };
  await together(Object.entries(VALUES).map(([key, value]) => ({ argv: ['config', key, value], env })));
  const hextsHome = join(dir, '.config', 'hexts');
  assert.deepEqual(readJson(join(hextsHome, 'config.json')), { ...VALUES, oauth_client_id: { [VALUES.api_url!]: VALUES.oauth_client_id } });
  assert.deepEqual(leftovers(hextsHome), []);
});

test('10 first fetches at once, each from a registry of its own: repository-keys.json pins all 10 keys', async () => {
  const registries = await Promise.all(Array.from({ length: 10 }, () => testRegistry()));
  try {
    const tarball = await makeTarball({ name: 'tiny', version: '1.0.0' });
    for (const each of registries) {
      each.createUser({ username: 'pub', password: 'correct horse battery' });
      await each.publish(tarball, { publisher: 'pub' });
    }
    const dir = home();
    const hextsHome = join(dir, '.config', 'hexts');
    await together(registries.map((each, i) => ({
      argv: ['package', 'fetch', 'tiny@1.0.0', '-o', join(dir, `out${i}`)],
      env: cliEnv(each, dir, { HEXTS_HOME: hextsHome, HEXTS_REPO_PUBLIC_KEY_PATH: undefined }),
    })));
    const pins = readJson(join(hextsHome, 'repository-keys.json')).keys;
    assert.deepEqual(Object.keys(pins).sort(), registries.map((each) => each.repoUrl).sort());
    for (const each of registries) assert.equal(pins[each.repoUrl].public_key, each.repoPublicKeyPem);
    assert.deepEqual(leftovers(hextsHome), []);
  } finally {
    await Promise.all(registries.map((each) => each.stop()));
  }
});

describe('6 commands at once on one expired OAuth login', { concurrency: 1 }, () => {
  for (const keychain of [true, false]) {
    test(`${keychain ? 'in the keychain' : 'in the fallback file'}: all succeed, and the login is refreshed once`, async () => {
      const dir = home();
      const env = cliEnv(registry, dir, keychain ? {} : { DBUS_SESSION_BUS_ADDRESS: undefined });
      const login = await runCli(['user', 'auth', '--no-browser', ...(keychain ? [] : ['--insecure-storage'])], { env, onStderr: approvingAs(registry, 'alice') });
      assert.equal(login.code, 0, login.stderr);
      registry.advanceClock(3600); // the access token expires; the refresh token does not
      registry.clearRequests();

      const results = await together(Array.from({ length: 6 }, () => ({ argv: ['user', 'whoami'], env })));
      for (const result of results) assert.match(result.stdout, /^alice$/m);
      const refreshes = registry.requests().filter((r) => r.method === 'POST' && r.path === '/api/oauth/token');
      assert.equal(refreshes.length, 1, 'one run refreshed; the others used the tokens it saved');

      // The login stays valid: a later run needs no refresh.
      registry.clearRequests();
      const later = await spawnCli(['user', 'whoami'], { env, timeoutMs: RUN_TIMEOUT_MS });
      assert.equal(later.code, 0, later.stderr);
      assert.deepEqual(registry.requests().map((r) => `${r.method} ${r.path} ${r.status}`), ['GET /api/users/me 200']);
      assert.deepEqual(leftovers(join(dir, '.config', 'hexts')), []);
    });
  }
});

describe('locks left behind', () => {
  const lockOf = (dir: string) => join(dir, '.config', 'hexts', 'config.json.lock');
  const plant = (dir: string, pid: number) => {
    mkdirSync(join(dir, '.config', 'hexts'), { recursive: true });
    writeFileSync(lockOf(dir), JSON.stringify({ pid, host: hostname(), token: 'planted' }));
  };

  test('by a process that died: taken over', async () => {
    const dir = home();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    plant(dir, dead);
    const result = await spawnCli(['config', 'http_timeout', '30'], { env: { PATH: process.env.PATH, HOME: dir } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readJson(join(dir, '.config', 'hexts', 'config.json')), { http_timeout: '30' });
    assert.equal(existsSync(lockOf(dir)), false);
  });

  test('older than any run keeps one, though its pid runs (reused): taken over', async () => {
    const dir = home();
    plant(dir, process.pid);
    const longAgo = new Date(Date.now() - 3600_000);
    utimesSync(lockOf(dir), longAgo, longAgo);
    const result = await spawnCli(['config', 'http_timeout', '30'], { env: { PATH: process.env.PATH, HOME: dir } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readJson(join(dir, '.config', 'hexts', 'config.json')), { http_timeout: '30' });
    assert.equal(existsSync(lockOf(dir)), false);
  });

  test('held by a live process past the wait: a clear error naming it, nothing changed', async () => {
    const dir = home();
    plant(dir, process.pid); // this test process: alive, and never letting go
    const result = await spawnCli(['config', 'http_timeout', '30'], { env: { PATH: process.env.PATH, HOME: dir } });
    assert.equal(result.code, 1);
    const config = join(dir, '.config', 'hexts', 'config.json');
    assert.match(result.stderr, new RegExp(`^error: cannot change ${config}: another process \\(pid ${process.pid}\\) has held its lock ${config}\\.lock for \\d+ s\\nTry again once it has finished\\. If no hexts is running, delete ${config}\\.lock\\.$`, 'm'));
    assert.equal(existsSync(config), false);
    assert.equal(existsSync(lockOf(dir)), true, 'not its lock to remove');
  });
});
