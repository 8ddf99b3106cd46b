// The secret scan before an upload (issue 18), end to end: publish (every path that sends or
// writes a release) and build --scan stop on a credential in a package or docs file before any
// request, name its file, line and kind, and never show it; ignore globs in mix.exs and
// --no-scan let a publish through.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { makeProject, type ProjectSpec } from '../helpers/projects.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
let home: string;
let aliceKey: string;
const cleanups: Array<() => void> = [];

// Assembled here so that no scanner of this repository takes it for a leak.
const TOKEN = ['gh', 'p_', 'FAKE0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0u'].join('');
const FINDING = 'lib/leaky.ex:3: GitHub token (github-token) ghp_********';

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
  const h = scratchHome();
  cleanups.push(h.cleanup);
  home = h.home;
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

/** A project with the token in lib/leaky.ex, line 3 (and `extra` files). */
function leakyProject(spec: Partial<ProjectSpec> & { app: string }, extra: Record<string, string> = {}): string {
  const p = makeProject({ version: '1.0.0', ...spec });
  cleanups.push(p.cleanup);
  writeFileSync(join(p.dir, 'lib', 'leaky.ex'), `defmodule Leaky do\n  @moduledoc false\n  def token, do: "${TOKEN}"\nend\n`);
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(p.dir, path, '..'), { recursive: true });
    writeFileSync(join(p.dir, path), text);
  }
  return p.dir;
}

/** mix.exs with `secret_scan: [ignore: globs]` in its package. */
function ignoring(dir: string, globs: string[]): void {
  const mixExs = join(dir, 'mix.exs');
  writeFileSync(mixExs, readFileSync(mixExs, 'utf8').replace('package: [', `package: [secret_scan: [ignore: ${JSON.stringify(globs)}], `));
}

const env = (extra: Record<string, string | undefined> = {}) => cliEnv(registry, home, { HEX_API_KEY: aliceKey, ...extra });
const run = (dir: string, argv: string[], extra: Record<string, string | undefined> = {}) => runCli(argv, { cwd: dir, env: env(extra) });

function assertStopped(result: CliResult, findings: string[], withheld = 'nothing was published'): void {
  assert.equal(result.code, 1, result.stderr);
  for (const finding of findings) assert.ok(result.stderr.includes(`  ${finding}\n`), `${finding} not in:\n${result.stderr}`);
  assert.match(result.stderr, new RegExp(`^error: .*: ${withheld}$`, 'm'));
  assert.match(result.stderr, /ignore its file in mix\.exs: package: \[secret_scan: \[ignore: \["lib\/leaky\.ex"/);
  assert.ok(!`${result.stdout}${result.stderr}`.includes(TOKEN.slice(4)), 'the secret is in the output');
  assert.ok(!`${result.stdout}${result.stderr}`.includes(TOKEN.slice(0, 8)), 'more than 4 characters of the secret are in the output');
}

describe('publish', () => {
  test('a secret in a package file: exit 1, its file, line and kind, no request of any kind, no credential asked for', async () => {
    const dir = leakyProject({ app: 'leaky_pkg' });
    registry.clearRequests();
    // No credential at all: the scan comes before the check that would ask for one.
    const result = await runCli(['publish', 'package', '--yes'], { cwd: dir, env: cliEnv(registry, home) });
    assertStopped(result, [FINDING]);
    assert.match(result.stderr, /or publish with --no-scan\.$/m);
    assert.doesNotMatch(result.stderr, /credential|user auth|log in/i);
    assert.deepEqual(registry.requests(), []);

    for (const argv of [['publish', '--yes'], ['publish', '--dry-run'], ['publish', 'package', '--yes', '--organization', 'acme']]) {
      const again = await run(dir, argv);
      assertStopped(again, [FINDING]);
      assert.deepEqual(registry.requests(), [], argv.join(' '));
    }
  });

  test('--json: the failure object carries the findings, never the secret', async () => {
    const dir = leakyProject({ app: 'leaky_json' });
    registry.clearRequests();
    const result = await run(dir, ['--json', 'publish', 'package', '--yes']);
    assertStopped(result, [FINDING]);
    const output = JSON.parse(result.stdout);
    assert.equal(output.ok, false);
    assert.match(output.error.message, /^a secret in lib\/leaky\.ex: nothing was published$/);
    assert.deepEqual(output.findings, [{ path: 'lib/leaky.ex', line: 3, kind: 'github-token', preview: 'ghp_********' }]);
    assert.deepEqual(registry.requests(), []);
  });

  test('the docs going up are scanned too, named by their directory; `publish docs` scans only the docs', async () => {
    const dir = leakyProject({ app: 'leaky_docs', docs: true }, { 'doc/setup.html': `<pre>export SLACK_TOKEN=${['xo', 'xb-'].join('')}2486371592-9753124680-FAKEq7Zx1Lm9Wp3Rv5Tn8Yb2</pre>\n` });
    registry.clearRequests();
    const all = await run(dir, ['publish', '--yes']);
    assertStopped(all, [FINDING, 'doc/setup.html:1: Slack token (slack-token) xoxb********']);
    const docs = await run(dir, ['publish', 'docs', '--yes']);
    assert.equal(docs.code, 1);
    assert.match(docs.stderr, /^ {2}doc\/setup\.html:1: Slack token/m);
    assert.doesNotMatch(docs.stderr, /lib\/leaky\.ex/);
    assert.deepEqual(registry.requests(), []);
  });

  test('a docs file that is a symlink goes into the docs tarball as the file it points to: that file is what is scanned', async () => {
    const dir = leakyProject({ app: 'leaky_docs_link', docs: true }, { 'notes/setup.html': `<pre>export SLACK_TOKEN=${['xo', 'xb-'].join('')}2486371592-9753124680-FAKEq7Zx1Lm9Wp3Rv5Tn8Yb2</pre>\n` });
    symlinkSync(join(dir, 'notes', 'setup.html'), join(dir, 'doc', 'setup.html'));
    registry.clearRequests();
    const docs = await run(dir, ['publish', 'docs', '--yes']);
    assert.equal(docs.code, 1, docs.stderr);
    assert.match(docs.stderr, /^ {2}doc\/setup\.html:1: Slack token \(slack-token\) xoxb\*{8}$/m);
    assert.deepEqual(registry.requests(), []);
  });

  test('files under an ignore glob of mix.exs (secret_scan: [ignore: …]) are not findings: the package is published', async () => {
    const dir = leakyProject({ app: 'leaky_ignored' });
    ignoring(dir, ['lib/leaky.*']);
    const result = await run(dir, ['publish', 'package', '--yes']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Package published to /);
  });

  test('--no-scan publishes, with a bold warning every time', async () => {
    const dir = leakyProject({ app: 'leaky_noscan' });
    const result = await run(dir, ['publish', 'package', '--yes', '--no-scan']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^WARNING: --no-scan: the files are NOT scanned for secrets before they are published\.$/m);
    assert.match(result.stderr, /Package published to /);
    const dry = await run(dir, ['publish', 'package', '--dry-run', '--no-scan']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /^WARNING: --no-scan/m);
  });

  test('--repo and --to-dir stop the same way, before any request and without writing', async () => {
    const dir = leakyProject({ app: 'leaky_paths' });
    const added = await runCli(['repo', 'add', 'internal', 'https://127.0.0.1:9/repo', '--api-url', 'https://127.0.0.1:9/api', '--auth-key', 'k'], { env: env() });
    assert.equal(added.code, 0, added.stderr);
    assertStopped(await run(dir, ['publish', 'package', '--yes', '--repo', 'internal']), [FINDING]);

    const publicDir = mkdtempSync(join(home, 'static-'));
    mkdirSync(join(publicDir, 'tarballs'));
    const keyPath = new URL('../fixtures/registry-build/keys/key.pem', import.meta.url).pathname;
    const built = await runCli(['registry', 'build', publicDir, '--name', 'acme', '--private-key', keyPath], { env: env() });
    assert.equal(built.code, 0, built.stderr);
    const toDir = await runCli(['publish', 'package', '--to-dir', publicDir, '--private-key', keyPath], { cwd: dir, env: cliEnv(registry, home) });
    assertStopped(toDir, [FINDING]);
    assert.deepEqual(readdirSync(join(publicDir, 'tarballs')), []);
    rmSync(publicDir, { recursive: true });
  });
});

  test('--tarball: the files a tarball built elsewhere holds are scanned the same way, with its own ignore globs', async () => {
    const dir = leakyProject({ app: 'leaky_reviewed' });
    const built = await run(dir, ['build']);
    assert.equal(built.code, 0, built.stderr);
    const tarball = join(dir, 'leaky_reviewed-1.0.0.tar');
    registry.clearRequests();
    const elsewhere = mkdtempSync(join(home, 'reviewer-'));
    const refused = await runCli(['publish', '--tarball', tarball, '--yes'], { cwd: elsewhere, env: cliEnv(registry, home) });
    assertStopped(refused, [FINDING]);
    assert.deepEqual(registry.requests(), []);

    // The ignore globs travel in the tarball's metadata (secret_scan), as hex.pm reads them.
    ignoring(dir, ['lib/leaky.ex']);
    rmSync(tarball);
    assert.equal((await run(dir, ['build'])).code, 0);
    const published = await runCli(['publish', '--tarball', tarball, '--yes'], { cwd: elsewhere, env: env() });
    assert.equal(published.code, 0, published.stderr);
    assert.match(published.stderr, /Package published to /);
  });

describe('build --scan', () => {
  test('a finding fails the build and nothing is written; without --scan the build does not scan', async () => {
    const dir = leakyProject({ app: 'leaky_build' });
    const result = await run(dir, ['build', '--scan']);
    assertStopped(result, [FINDING], 'no tarball was written');
    assert.doesNotMatch(result.stderr, /--no-scan/);
    assert.equal(existsSync(join(dir, 'leaky_build-1.0.0.tar')), false);

    const json = await run(dir, ['--json', 'build', '--scan']);
    assert.equal(json.code, 1);
    const output = JSON.parse(json.stdout);
    assert.equal(output.ok, false);
    assert.deepEqual(output.findings, [{ path: 'lib/leaky.ex', line: 3, kind: 'github-token', preview: 'ghp_********' }]);
    assert.ok(!json.stdout.includes(TOKEN.slice(4)));

    const plain = await run(dir, ['build']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.ok(existsSync(join(dir, 'leaky_build-1.0.0.tar')));
  });

  test('a clean package builds with --scan as without it', async () => {
    const p = makeProject({ app: 'clean_build', version: '1.0.0' });
    cleanups.push(p.cleanup);
    const result = await run(p.dir, ['build', '--scan']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(p.dir, 'clean_build-1.0.0.tar')));
  });
});
