// `hexts outdated` (mix hex.outdated) against the local registry, on a project of our own whose
// lock holds public packages, an organization's package (read with an organization key), a
// package of a repository added with `hexts repo add` (a static repository), a git dependency
// and an old-shaped lock entry. Expected layouts were checked against Hex 2.5.1's.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';

const REGISTRY_KEY = new URL('../fixtures/registry-build/keys/key.pem', import.meta.url).pathname;

let registry: Registry;
let env: Record<string, string | undefined>;
let work: string;
let project: string;

const MIX_EXS = `defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, version: "0.1.0", deps: deps()]
  end

  defp deps do
    [
      {:jason, "~> 1.0"},
      {:plug, "~> 1.4"},
      {:ledger, "~> 0.1", organization: "acme"},
      {:cache_lib, "~> 1.0", repo: "corp"},
      {:poison, ">= 0.0.0", only: :test},
      {:credo, git: "https://github.com/rrrene/credo.git", only: [:dev, :test]}
    ]
  end
end
`;

// Our own lock: jason's lock entry requires decimal (an indirect dependency) and telemetry.
const LOCK = `%{
  "cache_lib": {:hex, :cache_lib, "1.0.0", "aa", [:mix], [], "corp", "bb"},
  "credo": {:git, "https://github.com/rrrene/credo.git", "05497acb557f334a9149c593d590a65f733ba462", []},
  "decimal": {:hex, :decimal, "1.9.0", "aa", [:mix], [], "hexpm", "bb"},
  "jason": {:hex, :jason, "1.1.0", "aa", [:mix], [{:decimal, "~> 1.0 or ~> 2.0", [hex: :decimal, repo: "hexpm", optional: true]}], "hexpm", "bb"},
  "ledger": {:hex, :ledger, "0.1.0", "aa", [:mix], [{:decimal, "~> 1.9", [hex: :decimal, repo: "hexpm", optional: false]}], "hexpm:acme", "bb"},
  "plug": {:hex, :plug, "1.4.0", "aa", [:mix], [], "hexpm", "bb"},
  "poison": {:hex, :poison, "3.1.0", "aa", [:mix], []},
}
`;

function writeProject(dir: string, mixExs: string, lock: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'mix.exs'), mixExs);
  writeFileSync(join(dir, 'mix.lock'), lock);
  return dir;
}

const outdated = (args: string[], extra: { cwd?: string; env?: Record<string, string | undefined> } = {}) =>
  runCli(args, { env: { ...env, ...extra.env }, cwd: extra.cwd ?? project });

before(async () => {
  work = mkdtempSync(join(registryTmp(), 'hexts-outdated-'));
  const staticDir = join(work, 'static');
  mkdirSync(join(staticDir, 'tarballs'), { recursive: true });
  for (const version of ['1.0.0', '1.2.0']) writeFileSync(join(staticDir, 'tarballs', `cache_lib-${version}.tar`), await makeTarball({ name: 'cache_lib', version }));
  registry = await testRegistry({ staticDir });
  registry.createUser({ username: 'pub', password: 'correct horse battery', email: 'pub@example.com' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  const publish = async (name: string, versions: string[], repository?: string) => {
    for (const version of versions) await registry.publish(await makeTarball({ name, version }), { publisher: 'pub', repository });
  };
  await publish('jason', ['1.0.0', '1.1.0', '1.4.4', '2.0.0', '2.1.0-rc.1']);
  await publish('plug', ['1.4.0', '1.5.1']);
  await publish('decimal', ['1.9.0', '2.1.1']);
  await publish('poison', ['3.1.0']);
  await publish('ledger', ['0.1.0', '0.2.0'], 'acme');
  const home = scratchHome();
  env = cliEnv(registry, home.home, {
    // An organization key that may read acme's repository: the lock's hexpm:acme package is read with it.
    HEX_API_KEY: registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] }),
  });
  const built = await runCli(['registry', 'build', staticDir, '--name', 'corp', '--private-key', REGISTRY_KEY], { env });
  assert.equal(built.code, 0, built.stderr);
  const publicKey = join(work, 'corp.pem');
  writeFileSync(publicKey, createPublicKey(readFileSync(REGISTRY_KEY)).export({ type: 'spki', format: 'pem' }));
  const added = await runCli(['repo', 'add', 'corp', registry.staticUrl!, '--public-key', publicKey], { env });
  assert.equal(added.code, 0, added.stderr);
  project = writeProject(join(work, 'shop'), MIX_EXS, LOCK);
});
after(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function registryTmp(): string {
  return process.env.TMPDIR ?? '/tmp';
}

test('the table of mix.exs dependencies, each read from its own repository; exit 1 when one is outdated', async () => {
  const result = await outdated(['outdated']);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, [
    'Dependency  Only  Current  Latest  Status',
    'cache_lib         1.0.0    1.2.0   Update possible',
    'jason             1.1.0    2.0.0   Update not possible',
    'ledger            0.1.0    0.2.0   Update possible',
    'plug              1.4.0    1.5.1   Update possible',
    'poison      test  3.1.0    3.1.0   Up-to-date',
    '',
    'Run `hexts outdated APP` to see requirements for a specific dependency.',
    '',
    'To view the diff of a specific update, run `hexts package diff PACKAGE FROM..TO`.',
    '',
  ].join('\n'));
  assert.equal(result.stderr, 'error: 4 dependencies are outdated\nTo only report, without failing, add --no-fail.\n');
  // Only the packages shown were read, each from its repository.
  const read = registry.requests().filter((r) => /\/(repo|static)\/.*packages\//.test(r.path)).map((r) => r.path).sort();
  assert.deepEqual(read, ['/repo/packages/jason', '/repo/packages/plug', '/repo/packages/poison', '/repo/repos/acme/packages/ledger', '/static/packages/cache_lib']);
});

test('--all adds indirect dependencies, --sort status orders by status, --only keeps an environment', async () => {
  const all = await outdated(['outdated', '--all', '--sort', 'status', '--no-fail']);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(all.stdout.split('\n').slice(0, 7), [
    'Dependency  Only  Current  Latest  Status',
    'poison      test  3.1.0    3.1.0   Up-to-date',
    // decimal is required by jason (~> 1.0 or ~> 2.0) and by ledger (~> 1.9): 2.1.1 is kept back.
    'decimal           1.9.0    2.1.1   Update not possible',
    'jason             1.1.0    2.0.0   Update not possible',
    'cache_lib         1.0.0    1.2.0   Update possible',
    'ledger            0.1.0    0.2.0   Update possible',
    'plug              1.4.0    1.5.1   Update possible',
  ]);
  const only = await outdated(['outdated', '--only', 'dev,test']);
  assert.equal(only.code, 0, only.stderr);
  assert.deepEqual(only.stdout.split('\n').slice(0, 3), ['Dependency  Only  Current  Latest  Status', 'poison      test  3.1.0    3.1.0   Up-to-date', '']);
});

test('--within-requirements fails only for an update the requirements allow; --no-fail never fails', async () => {
  const blockedOnly = writeProject(join(work, 'blocked'), MIX_EXS.replace(/\{:plug.*\n|\{:ledger.*\n|\{:cache_lib.*\n/g, ''), LOCK);
  const within = await outdated(['outdated', '--within-requirements'], { cwd: blockedOnly });
  assert.equal(within.code, 0, within.stderr);
  assert.match(within.stdout, /jason {13}1\.1\.0 {4}2\.0\.0 {3}Update not possible/);
  const plain = await outdated(['outdated'], { cwd: blockedOnly });
  assert.equal(plain.code, 1);
  const failing = await outdated(['outdated', '--within-requirements']);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /^error: 3 of the outdated dependencies can be updated within their requirements$/m);
  assert.equal((await outdated(['outdated', '--no-fail'])).code, 0);
});

test('outdated APP: every requirement on it, in mix.exs and in the lock, and whether each allows the newest', async () => {
  const decimal = await outdated(['outdated', 'decimal']);
  assert.equal(decimal.code, 1);
  assert.equal(decimal.stdout, [
    'There is newer version of the dependency available 2.1.1 > 1.9.0!',
    '',
    'Source  Requirement       Up-to-date',
    'jason   ~> 1.0 or ~> 2.0  Yes',
    'ledger  ~> 1.9            No',
    '',
    'Up-to-date indicates if the requirement matches the latest version.',
    '',
  ].join('\n'));
  const poison = await outdated(['outdated', 'poison']);
  assert.equal(poison.code, 0, poison.stderr);
  assert.match(poison.stdout, /^Current version 3\.1\.0 of dependency is up to date!\n\nSource {3}Requirement {2}Up-to-date\nmix\.exs {2}>= 0\.0\.0 {5}Yes\n/);
  const git = await outdated(['outdated', 'credo']);
  assert.deepEqual([git.code, git.stderr], [1, 'error: Dependency credo not locked as a Hex package\n']);
  const stray = await outdated(['outdated', 'jason', '--all']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--all goes with the table of every dependency, not with one APP/);
});

test('--pre counts pre-releases; a dependency locked at a pre-release always does', async () => {
  const pre = await outdated(['outdated', 'jason', '--pre', '--no-fail']);
  assert.match(pre.stdout, /available 2\.1\.0-rc\.1 > 1\.1\.0!/);
  const lockedPre = writeProject(join(work, 'pre'), MIX_EXS, LOCK.replace('"jason", "1.1.0"', '"jason", "2.1.0-rc.1"').replace(':jason, "1.1.0"', ':jason, "2.1.0-rc.1"'));
  const current = await outdated(['outdated', 'jason'], { cwd: lockedPre });
  assert.equal(current.code, 0, current.stderr);
  assert.match(current.stdout, /^Current version 2\.1\.0-rc\.1 of dependency is up to date!/);
});

test('--json: the rows as data, with the repository each was read from', async () => {
  const result = await outdated(['--json', 'outdated', '--no-fail']);
  assert.equal(result.code, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(rows.find((r) => r.package === 'ledger'), {
    package: 'ledger', repository: 'hexpm:acme', only: '', lock_version: '0.1.0', latest_version: '0.2.0',
    requirements: [{ source: 'mix.exs', requirement: '~> 0.1', up_to_date: true }], outdated: true,
  });
  assert.deepEqual(rows.map((r) => r.package), ['cache_lib', 'jason', 'ledger', 'plug', 'poison']);
});

test("colours as mix's on a terminal (FORCE_COLOR), none with NO_COLOR", async () => {
  const coloured = await outdated(['outdated', '--no-fail'], { env: { FORCE_COLOR: '1' } });
  const lines = coloured.stdout.split('\n');
  assert.equal(lines[0], '\u001b[4mDependency\u001b[24m  \u001b[4mOnly\u001b[24m  \u001b[4mCurrent\u001b[24m  \u001b[4mLatest\u001b[24m  \u001b[4mStatus\u001b[24m');
  assert.equal(lines[2], '\u001b[1mjason\u001b[22m             1.1.0    \u001b[31m2.0.0\u001b[39m   \u001b[31mUpdate not possible\u001b[39m');
  assert.equal(lines[3], '\u001b[1mledger\u001b[22m            0.1.0    \u001b[31m0.2.0\u001b[39m   \u001b[33mUpdate possible\u001b[39m');
  assert.equal(lines[5], '\u001b[1mpoison\u001b[22m      test  3.1.0    \u001b[32m3.1.0\u001b[39m   \u001b[32mUp-to-date\u001b[39m');
  const plain = await outdated(['outdated', '--no-fail'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.doesNotMatch(plain.stdout, /\u001b/);
});

test('a second run reads the registry files from the ETag cache (304s)', async () => {
  registry.clearRequests();
  assert.equal((await outdated(['outdated', '--no-fail'])).code, 0);
  const reads = registry.requests().filter((r) => r.path.startsWith('/repo/'));
  assert.ok(reads.length >= 4);
  for (const r of reads) assert.deepEqual([r.path, r.status, typeof r.headers['if-none-match']], [r.path, 304, 'string']);
});

test('umbrella projects: the apps\' declarations, under their mix.exs', async () => {
  const umbrella = writeProject(join(work, 'umbrella'), `defmodule Umbrella.MixProject do
  use Mix.Project
  def project, do: [apps_path: "apps", deps: [{:plug, "~> 1.5"}]]
end
`, LOCK);
  writeProject(join(umbrella, 'apps', 'web'), `defmodule Web.MixProject do
  use Mix.Project
  def project, do: [app: :web, version: "0.1.0", lockfile: "../../mix.lock", deps: [{:plug, "~> 1.4"}, {:jason, "~> 1.1", only: :prod}]]
end
`, '');
  const result = await outdated(['outdated', 'plug'], { cwd: umbrella });
  assert.match(result.stdout, /\nSource {12}Requirement {2}Up-to-date\napps\/web\/mix\.exs {2}~> 1\.4 {7}Yes\nmix\.exs {11}~> 1\.5 {7}Yes\n/);
  const table = await outdated(['outdated', '--no-fail'], { cwd: umbrella });
  assert.match(table.stdout, /^jason {7}prod {2}1\.1\.0/m);
});

test('what cannot be read says what to do', async () => {
  const noKey = await outdated(['outdated', 'ledger'], { env: { HEX_API_KEY: undefined } });
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, /organization acme's repository needs credentials, and none were found/);
  const unknown = writeProject(join(work, 'unknown-repo'), MIX_EXS, LOCK.replace('"corp", "bb"', '"elsewhere", "bb"'));
  const result = await outdated(['outdated', 'cache_lib'], { cwd: unknown });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error: mix\.lock has packages of repository "elsewhere", which hexts does not know\n.*hexts repo add elsewhere URL/);
  const noProject = await outdated(['outdated'], { cwd: work });
  assert.equal(noProject.code, 1);
  assert.match(noProject.stderr, /no mix\.exs in/);
});
