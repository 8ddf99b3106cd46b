// `hexts registry build`, `publish --to-dir` and `retire --to-dir` as a user runs them: mix's
// lines and files (test/fixtures/registry-build), the errors, --json, and a static repository
// made this way served over HTTPS by the local registry (--static DIR, as a plain web server
// serves it), added with `hexts repo add`, and read back by `hexts package fetch --repo`, which
// verifies every file against the repository's public key.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, scratchHome, spawnCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';

const FIXTURES = new URL('../fixtures/registry-build/', import.meta.url).pathname;
const KEY = join(FIXTURES, 'keys', 'key.pem');
const RUN1 = ['foo-0.1.0', 'foo-1.0.0', 'bar-1.0.0', 'baz-0.2.0', 'qux-1.9.0', 'qux-2.0.0-rc.1', 'zap-0.1.0'];

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-regbuild-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const expectedStdout = (run: string) => readFileSync(join(FIXTURES, 'runs', run, 'stdout'), 'utf8');
const env = { PATH: process.env.PATH };

/** `cwd/public/tarballs` with run1's tarballs and mtimes (1700000000, +100, …). */
function run1Tarballs(cwd: string): void {
  mkdirSync(join(cwd, 'public', 'tarballs'), { recursive: true });
  RUN1.forEach((name, i) => {
    const path = join(cwd, 'public', 'tarballs', `${name}.tar`);
    cpSync(join(FIXTURES, 'tarballs', `${name}.tar`), path);
    utimesSync(path, 1700000000 + 100 * i, 1700000000 + 100 * i);
  });
}

describe('hexts registry build', () => {
  test('prints mix\'s lines on stdout and writes mix\'s files (the built CLI)', async () => {
    const cwd = scratch();
    const first = await spawnCli(['registry', 'build', 'public', '--name', 'acme', '--private-key', KEY], { cwd, env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, expectedStdout('run0-empty'));
    assert.equal(first.stderr, '');
    run1Tarballs(cwd);
    const second = await runCli(['registry', 'build', 'public', '--name', 'acme', '--private-key', KEY], { cwd, env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, expectedStdout('run1-add'));
    assert.deepEqual(second.unreadOptions, []);
    const expected = join(FIXTURES, 'runs', 'run1-add', 'public');
    for (const file of ['public_key', 'names', 'versions', ...readdirSync(join(expected, 'packages')).map((p) => `packages/${p}`)]) {
      assert.ok(readFileSync(join(cwd, 'public', file)).equals(readFileSync(join(expected, file))), file);
    }
  });

  test('--json: the lines go to stderr, the result to stdout', async () => {
    const cwd = scratch();
    run1Tarballs(cwd);
    mkdirSync(join(cwd, 'public', 'packages'));
    writeFileSync(join(cwd, 'public', 'packages', 'gone'), 'stale');
    const result = await runCli(['--json', 'registry', 'build', 'public', '--name', 'acme', '--private-key', KEY], { cwd, env });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      repository: 'acme',
      packages: [
        { name: 'bar', versions: ['1.0.0'] },
        { name: 'baz', versions: ['0.2.0'] },
        { name: 'foo', versions: ['0.1.0', '1.0.0'] },
        { name: 'qux', versions: ['1.9.0', '2.0.0-rc.1'] },
        { name: 'zap', versions: ['0.1.0'] },
      ],
      created: ['public/public_key', 'public/packages/bar', 'public/packages/baz', 'public/packages/foo', 'public/packages/qux', 'public/packages/zap', 'public/names', 'public/versions'],
      updated: [],
      removed: ['public/packages/gone'],
    });
    assert.match(result.stderr, /^\* creating public\/public_key\n[\s\S]*\* removing public\/packages\/gone\n/);
  });

  test('usage errors (exit 2) and refusals (exit 1), each one line with what to do', async () => {
    const cwd = scratch();
    writeFileSync(join(cwd, 'public.pem'), readFileSync(join(FIXTURES, 'runs', 'run1-add', 'public', 'public_key')));
    mkdirSync(join(cwd, 'public'));
    cpSync(KEY, join(cwd, 'public', 'key.pem'));
    const cases: Array<[string[], number, RegExp]> = [
      [['public', '--private-key', KEY], 2, /^error: missing --name\nGive the repository name/],
      [['public', '--name', 'acme'], 2, /^error: missing --private-key\n/],
      [['public', '--name', 'acme', '--private-key', 'public/key.pem'], 2, /^error: the private key public\/key\.pem is inside public, the directory that is published\nAnyone could download it/],
      [['public', '--name', 'acme', '--private-key', 'public.pem'], 1, /^error: public\.pem is a public key, not an RSA private key\n/],
      [['public', '--name', 'acme', '--private-key', 'nope.pem'], 1, /^error: cannot read the private key nope\.pem: no such file \(ENOENT\)\n/],
    ];
    for (const [args, code, stderr] of cases) {
      const result = await runCli(['registry', 'build', ...args], { cwd, env });
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, stderr);
      assert.equal(result.stdout, '');
    }
    assert.deepEqual(readdirSync(join(cwd, 'public')), ['key.pem']);
  });
});

describe('a static repository published and retired into with hexts, read back by hexts', () => {
  let cwd: string;
  let project: string;
  let registry: Registry;
  let readerEnv: Record<string, string | undefined>;

  before(async () => {
    cwd = scratch();
    mkdirSync(join(cwd, 'public'));
    registry = await testRegistry({ staticDir: join(cwd, 'public') });
    const home = scratchHome();
    cleanups.push(home.cleanup);
    readerEnv = cliEnv(registry, home.home, { HEXTS_HOME: home.hextsHome });
    const made = makeProject({ app: 'static_pkg', version: '1.0.0', deps: ['{:jason, "~> 1.4"}'] });
    cleanups.push(made.cleanup);
    project = made.dir;
  });
  after(() => registry.stop());

  const publicDir = () => join(cwd, 'public');

  test('publish --to-dir needs a repository there: built first, then added for the reader', async () => {
    const none = await runCli(['publish', 'package', '--to-dir', publicDir(), '--private-key', KEY], { cwd: project, env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^error: .*public holds no repository yet \(no .*public\/names\)\nBuild it once, naming it: `hexts registry build /m);
    const built = await runCli(['registry', 'build', 'public', '--name', 'acme', '--private-key', KEY], { cwd, env });
    assert.equal(built.code, 0, built.stderr);
    const added = await runCli(['repo', 'add', 'acme', registry.staticUrl!, '--public-key', join(publicDir(), 'public_key')], { env: readerEnv });
    assert.equal(added.code, 0, added.stderr);
  });

  test('publish --to-dir builds the package, copies it in and rebuilds: no API, no credentials', async () => {
    const result = await runCli(['--json', 'publish', '--to-dir', publicDir(), '--private-key', KEY, '--yes'], { cwd: project, env });
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.deepEqual(json, { name: 'static_pkg', version: '1.0.0', repository: 'acme', checksum: json.checksum, tarball: `${publicDir()}/tarballs/static_pkg-1.0.0.tar` });
    assert.match(json.checksum, /^[0-9a-f]{64}$/);
    assert.match(result.stderr, /A static repository holds no docs: only the package is published\.\n/);
    assert.match(result.stderr, new RegExp(`^\\* creating ${publicDir()}/packages/static_pkg\\n\\* updating ${publicDir()}/names\\n\\* updating ${publicDir()}/versions$`, 'm'));
    assert.deepEqual(result.unreadOptions, []);
    // Served to everyone: readable by all, as mix writes them (0666 less the umask, which the CLI inherits).
    const umask = process.umask(0o022);
    process.umask(umask);
    for (const file of ['names', 'versions', 'packages/static_pkg', 'tarballs/static_pkg-1.0.0.tar']) {
      assert.equal(statSync(join(publicDir(), file)).mode & 0o777, 0o666 & ~umask, file);
    }

    const fetched = await runCli(['package', 'fetch', 'static_pkg', '1.0.0', '--repo', 'acme', '-o', join(cwd, 'out')], { env: readerEnv });
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.ok(readFileSync(join(cwd, 'out', 'static_pkg-1.0.0.tar')).equals(readFileSync(join(publicDir(), 'tarballs', 'static_pkg-1.0.0.tar'))));
  });

  test('publishing another build of the same release is refused without --replace', async () => {
    writeFileSync(join(project, 'mix.exs'), readFileSync(join(project, 'mix.exs'), 'utf8').replace('The static_pkg package.', 'Changed.'));
    const refused = await runCli(['publish', 'package', '--to-dir', publicDir(), '--private-key', KEY], { cwd: project, env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /error: .*\/tarballs\/static_pkg-1\.0\.0\.tar already exists with different contents: static_pkg 1\.0\.0 is already published in acme\nPublish a new version, or pass --replace/);
    const replaced = await runCli(['publish', 'package', '--to-dir', publicDir(), '--private-key', KEY, '--replace'], { cwd: project, env });
    assert.equal(replaced.code, 0, replaced.stderr);
  });

  test('retire --to-dir: the reader warns about the retired release; --unretire takes it back', async () => {
    const retired = await runCli(['retire', 'static_pkg', '1.0.0', 'security', '--message', 'CVE-2026-1, use 1.0.1', '--to-dir', 'public', '--private-key', KEY], { cwd, env });
    assert.equal(retired.code, 0, retired.stderr);
    assert.match(retired.stderr, /^static_pkg 1\.0\.0 has been retired$/m);
    assert.deepEqual(JSON.parse(readFileSync(join(publicDir(), 'retirements.json'), 'utf8')), { static_pkg: { '1.0.0': { reason: 'security', message: 'CVE-2026-1, use 1.0.1' } } });
    const fetched = await runCli(['package', 'fetch', 'static_pkg', '1.0.0', '--repo', 'acme', '-o', join(cwd, 'out2')], { env: readerEnv });
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.match(fetched.stderr, /^static_pkg 1\.0\.0 is retired: \(security\) CVE-2026-1, use 1\.0\.1$/m);

    const unretired = await runCli(['retire', 'static_pkg', '1.0.0', '--unretire', '--to-dir', 'public', '--private-key', KEY], { cwd, env });
    assert.equal(unretired.code, 0, unretired.stderr);
    assert.match(unretired.stderr, /^static_pkg 1\.0\.0 has been unretired$/m);
    const again = await runCli(['package', 'fetch', 'static_pkg', '1.0.0', '--repo', 'acme', '-o', join(cwd, 'out3')], { env: readerEnv });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /retired/);
  });

  test('--to-dir refuses what only an API takes; --private-key goes only with --to-dir', async () => {
    const cases: Array<[string[], RegExp, string?]> = [
      [['publish', 'docs', '--to-dir', 'public', '--private-key', KEY], /^error: a static repository holds no docs: `publish docs` cannot go --to-dir/, project],
      [['publish', '--to-dir', 'public', '--private-key', KEY, '--organization', 'acme'], /^error: --organization cannot be used with --to-dir/, project],
      [['publish', '--to-dir', 'public', '--private-key', KEY, '--repo', 'acme'], /^error: --repo cannot be used with --to-dir/, project],
      [['publish', '--to-dir', 'public'], /^error: --to-dir needs --private-key/, project],
      [['publish', '--private-key', KEY, '--yes'], /^error: --private-key goes with --to-dir/, project],
      [['retire', 'static_pkg', '1.0.0', 'invalid', '--message', 'broken', '--to-dir', 'public', '--private-key', KEY, '--otp', '123456'], /^error: --otp cannot be used with --to-dir/],
      [['retire', 'static_pkg', '1.0.0', '--unretire', '--private-key', KEY], /^error: --private-key goes with --to-dir/],
    ];
    for (const [argv, stderr, at] of cases) {
      const result = await runCli(argv, { cwd: at ?? cwd, env });
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, stderr);
    }
  });
});
