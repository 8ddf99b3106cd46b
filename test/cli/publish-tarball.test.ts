// `hexts publish --tarball FILE [--expect-checksum SHA256]` against the local registry: CI
// builds (`hexts build`), a human publishes that very file from another directory; the
// registry then serves exactly its bytes. A file that is not the reviewed one, or not a valid
// package tarball, is refused before any request.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as releases from '../../src/api/releases.js';
import { binary } from '../../src/erlang/term.js';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { builtCaseNames, loadBuiltCase } from '../helpers/corpus.js';
import { makeProject, type ProjectSpec } from '../helpers/projects.js';
import { clientFor, cliEnv, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
let scratch: string;
let aliceKey: string;
let orgKey: string;
const cleanups: Array<() => void> = [];

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.createUser({ username: 'bob', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'api', resource: 'write' }, { domain: 'repository', resource: 'acme' }] });
  const h = scratchHome();
  cleanups.push(h.cleanup);
  scratch = h.home;
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

const env = (extra: Record<string, string | undefined> = {}) => cliEnv(registry, scratch, extra);
/** No credential of any kind: what a dry run or a refusal must get by with. */
const bare = () => ({ PATH: process.env.PATH, HOME: scratch, ...registry.env() });
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const ok = (r: CliResult) => assert.equal(r.code, 0, r.stdout + r.stderr);

/** Where the human publishes from: no mix.exs anywhere. */
function elsewhere(): string {
  return mkdtempSync(join(scratch, 'reviewer-'));
}

/** `hexts build` in a fresh project, as CI runs it: the tarball's path and the checksum it printed. */
async function ciBuild(spec: ProjectSpec): Promise<{ file: string; checksum: string }> {
  const project = makeProject(spec);
  cleanups.push(project.cleanup);
  const built = await runCli(['build'], { cwd: project.dir, env: env() });
  ok(built);
  const checksum = /^Package checksum: ([0-9a-f]{64})$/m.exec(built.stdout)![1]!;
  const file = join(project.dir, /^Saved to (.+)$/m.exec(built.stdout)![1]!);
  return { file, checksum };
}

const publish = (argv: string[], options: Parameters<typeof runCli>[1] = {}) =>
  runCli(['publish', ...argv], { cwd: elsewhere(), env: env(), ...options });

/** Signs the static repository of the --to-dir test. */
const REGISTRY_KEY = new URL('../fixtures/registry-build/keys/key.pem', import.meta.url).pathname;

const uploads = (name: string) => registry.requests().filter((r) => r.method === 'POST' && new RegExp(`/packages/${name}/releases(\\?|$)`).test(r.path));

describe('a reviewed tarball, published', () => {
  test('CI builds, a human publishes that file to an organization from another directory: the registry serves exactly its bytes', async () => {
    const { file, checksum } = await ciBuild({ app: 'ci_built', version: '1.0.0' });
    registry.clearRequests();
    const result = await publish(['--tarball', file, '--expect-checksum', checksum, '--organization', 'acme', '--yes'], { env: env({ HEX_API_KEY: orgKey }) });
    ok(result);
    assert.ok(result.stdout.startsWith(`Package ci_built 1.0.0 from ${file}\n  Organization: acme\n  App: ci_built\n  Name: ci_built\n  Files:\n    lib\n    lib/ci_built.ex\n    mix.exs\n    README.md\n  Version: 1.0.0\n`), result.stdout);
    assert.match(result.stdout, new RegExp(`\\n  Licenses: MIT\\n  Links: \\n    GitHub: https://github\\.com/example/ci_built\\n  Elixir: ~> 1\\.14\\nPackage checksum: ${checksum} \\(as expected\\)\\nBefore publishing, please read the Code of Conduct: https://hex\\.pm/policies/codeofconduct\\n\\nPublishing package to private repository acme using https://127\\.0\\.0\\.1:\\d+/api\\.\\n$`));
    assert.match(result.stderr, /^A package tarball carries no docs: only the package is published\. Publish the docs from the source tree with `hexts publish docs`\.$/m);
    assert.match(result.stderr, new RegExp(`Package published to .*/packages/acme/ci_built/1\\.0\\.0 \\(${checksum}\\)\\n$`));

    const sent = uploads('ci_built');
    assert.deepEqual(sent.map((u) => [u.path, u.body_bytes]), [['/api/repos/acme/packages/ci_built/releases?replace=false', statSync(file).size]]);
    assert.ok(!registry.requests().some((r) => r.path.includes('/docs')), 'no docs');

    // Read back as anyone would: through the signed repository.
    const out = elsewhere();
    ok(await runCli(['package', 'fetch', 'ci_built', '1.0.0', '--organization', 'acme', '--output', out], { env: env({ HEX_API_KEY: orgKey }) }));
    const served = readFileSync(join(out, 'ci_built-1.0.0.tar'));
    assert.equal(sha256(served), checksum);
    assert.ok(served.equals(readFileSync(file)));
  });

  test('a public package with a user key, an uppercase checksum and --json: publish\'s summary object', async () => {
    const { file, checksum } = await ciBuild({ app: 'ci_public', version: '2.0.0' });
    const result = await publish(['--json', '--tarball', file, '--expect-checksum', checksum.toUpperCase(), '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    ok(result);
    const json = JSON.parse(result.stdout);
    assert.deepEqual(json, { name: 'ci_public', version: '2.0.0', repository: 'hexpm', checksum, package_url: json.package_url, docs_url: null });
    assert.match(json.package_url, /\/packages\/ci_public\/2\.0\.0$/);
    const client = clientFor(registry);
    try {
      assert.equal((await releases.get(client, 'ci_public', '2.0.0')).checksum, checksum);
    } finally {
      await client.close();
    }
  });

  test('on a terminal: Proceed? is asked as for any publish; "n" sends nothing, "y" publishes', async () => {
    const { file } = await ciBuild({ app: 'ci_asked', version: '1.0.0' });
    const bobKey = registry.createKey({ user: 'bob' }, { name: 'bob-cli', permissions: [{ domain: 'api', resource: null }] });
    let result = await publish(['package', '--tarball', file], { env: env({ HEX_API_KEY: bobKey }), tty: true, answers: [[/Proceed\?/, 'n\r']] });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Aborted\.\n$/);
    assert.equal(uploads('ci_asked').length, 0);
    result = await publish(['package', '--tarball', file], { env: env({ HEX_API_KEY: bobKey }), tty: true, answers: [[/Proceed\?/, 'y\r']] });
    ok(result);
    assert.equal(uploads('ci_asked').length, 1);
    // `publish package` asks for the package only: no word about docs.
    assert.doesNotMatch(result.stderr, /carries no docs/);
  });

  test('an existing release: pass --replace, as for any publish; with it the file replaces the release', async () => {
    const { file, checksum } = await ciBuild({ app: 'ci_again', version: '1.0.0' });
    const key = env({ HEX_API_KEY: aliceKey });
    ok(await publish(['--tarball', file, '--yes'], { env: key }));
    let result = await publish(['--tarball', file, '--yes'], { env: key });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /must include the --replace flag to update an existing release\nPass --replace to overwrite it/);
    result = await publish(['--tarball', file, '--yes', '--replace'], { env: key });
    ok(result);
    assert.ok(uploads('ci_again').at(-1)!.path.endsWith('?replace=true'));
    assert.match(result.stderr, new RegExp(`\\(${checksum}\\)\\n$`));
  });

  test('the answer is cut after the registry took it: the release is found by this file\'s checksum', async () => {
    const { file } = await ciBuild({ app: 'ci_cut', version: '1.0.0' });
    registry.addFault({ type: 'truncate_download', method: 'POST', path: '/api/packages/ci_cut/releases' });
    const result = await publish(['--tarball', file, '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    ok(result);
    assert.match(result.stderr, /The registry has ci_cut 1\.0\.0 with this build's checksum: it was published\./);
  });

  test('dry run: the screen, then nothing sent, no credential needed; --json says dry_run', async () => {
    const { file, checksum } = await ciBuild({ app: 'ci_dry', version: '0.3.0', deps: ['{:decimal, "~> 2.1"}', '{:jason, "~> 1.4", optional: true}'] });
    registry.clearRequests();
    let result = await publish(['--tarball', file, '--dry-run', '--replace'], { env: bare() });
    ok(result);
    assert.ok(result.stdout.startsWith(`Package ci_dry 0.3.0 from ${file}\n  Dependencies:\n    decimal ~> 2.1 (app: decimal)\n    jason ~> 1.4 (app: jason) (optional)\n  App: ci_dry\n`), result.stdout);
    assert.match(result.stdout, new RegExp(`\\nPackage checksum: ${checksum}\\nBefore publishing`));
    assert.match(result.stdout, /Publishing package using https:\/\/127\.0\.0\.1:\d+\/api\.\n$/);
    assert.match(result.stderr, /Dry run: nothing was sent; a real run would use --replace\.\n$/);
    result = await publish(['--json', 'package', '--tarball', file, '--dry-run'], { env: bare() });
    ok(result);
    assert.deepEqual(JSON.parse(result.stdout), { name: 'ci_dry', version: '0.3.0', repository: 'hexpm', checksum, dry_run: true });
    assert.deepEqual(registry.requests(), []);
  });
});

test('--to-dir: the reviewed file goes into a static repository as it is, no API, no credential', async () => {
  const { file, checksum } = await ciBuild({ app: 'ci_static', version: '1.0.0' });
  const dir = join(elsewhere(), 'public');
  mkdirSync(join(dir, 'tarballs'), { recursive: true });
  copyFileSync(new URL('../fixtures/registry-build/tarballs/foo-1.0.0.tar', import.meta.url), join(dir, 'tarballs', 'foo-1.0.0.tar'));
  ok(await runCli(['registry', 'build', dir, '--name', 'acme', '--private-key', REGISTRY_KEY], { env: bare() }));
  registry.clearRequests();
  const result = await publish(['--json', '--tarball', file, '--expect-checksum', checksum, '--to-dir', dir, '--private-key', REGISTRY_KEY], { env: bare() });
  ok(result);
  assert.deepEqual(JSON.parse(result.stdout), { name: 'ci_static', version: '1.0.0', repository: 'acme', checksum, tarball: join(dir, 'tarballs', 'ci_static-1.0.0.tar') });
  assert.ok(readFileSync(join(dir, 'tarballs', 'ci_static-1.0.0.tar')).equals(readFileSync(file)));
  assert.deepEqual(registry.requests(), []);
});

test('tarballs the real mix built (the corpus): the screen shows mix\'s summary block of each, read from its metadata alone', async () => {
  const names = builtCaseNames();
  assert.ok(names.length >= 10, names.join(' '));
  registry.clearRequests();
  for (const name of names) {
    const c = loadBuiltCase(name);
    const dir = elsewhere();
    writeFileSync(join(dir, c.tarballName), c.tarball);
    // mix keeps the organization out of the metadata: the command line gives it, as for mix's own build.
    const organization = /^ {2}Organization: (.+)$/m.exec(c.build.stdout)?.[1];
    const result = await publish(['--tarball', c.tarballName, '--expect-checksum', c.outerSha256, '--dry-run', ...(organization ? ['--organization', organization] : [])], { cwd: dir, env: bare() });
    assert.equal(result.code, 0, `${name}: ${result.stderr}`);
    // The block: mix's lines under "Building …" without its warnings (hexts checks none of a built package).
    const block = (text: string) => text.split('\n').filter((line) => line.startsWith('  '));
    assert.deepEqual(block(result.stdout), block(c.build.stdout), name);
    const building = c.build.stdout.split('\n')[0]!;
    assert.equal(result.stdout.split('\n')[0], `${building.replace(/^Building /, 'Package ')} from ${c.tarballName}`, name);
    assert.match(result.stdout, new RegExp(`^Package checksum: ${c.outerSha256} \\(as expected\\)$`, 'm'), name);
  }
  assert.deepEqual(registry.requests(), []);
});

describe('refused before any request', () => {
  test('a file that is not the reviewed one: both checksums, and nothing is sent (not even a credential check)', async () => {
    const { file, checksum } = await ciBuild({ app: 'ci_swapped', version: '1.0.0' });
    const reviewed = `${'0'.repeat(63)}1`;
    registry.clearRequests();
    const result = await publish(['--tarball', file, '--expect-checksum', reviewed, '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `error: ${file} is not the tarball that was reviewed: its checksum is ${checksum}, not ${reviewed} (--expect-checksum)\nNothing was sent. Publish the file whose checksum \`hexts build\` printed, or check the value given to --expect-checksum.\n`);
    assert.deepEqual(registry.requests(), []);
  });

  test('a corrupted tarball, a truncated one, one that is not a tarball, a missing file: one line naming the problem', async () => {
    const { file } = await ciBuild({ app: 'ci_broken', version: '1.0.0' });
    const bytes = readFileSync(file);
    const dir = elsewhere();
    const flipped = Buffer.from(bytes);
    // A byte of contents.tar.gz: the inner checksum no longer matches.
    const at = bytes.indexOf('contents.tar.gz') + 512 + 100;
    flipped[at] = flipped[at]! ^ 0xff;
    writeFileSync(join(dir, 'flipped.tar'), flipped);
    writeFileSync(join(dir, 'truncated.tar'), bytes.subarray(0, 1500));
    writeFileSync(join(dir, 'notes.tar'), 'not a tarball\n');
    const cases: Array<[string, RegExp]> = [
      ['flipped.tar', /^error: flipped\.tar is not a valid Hex package tarball: inner checksum mismatch: CHECKSUM is [0-9A-F]{64} but the contents give [0-9A-F]{64}\n/],
      ['truncated.tar', /^error: truncated\.tar is not a valid Hex package tarball: tarball error, /],
      ['notes.tar', /^error: notes\.tar is not a valid Hex package tarball: /],
      ['missing.tar', /^error: missing\.tar does not exist\n/],
    ];
    registry.clearRequests();
    for (const [name, expected] of cases) {
      // The file's own checksum passes --expect-checksum: the reader still refuses it.
      const checksum = name === 'missing.tar' ? [] : ['--expect-checksum', sha256(readFileSync(join(dir, name)))];
      const result = await publish(['--tarball', name, ...checksum, '--yes'], { cwd: dir, env: env({ HEX_API_KEY: aliceKey }) });
      assert.equal(result.code, 1, `${name}: ${result.stderr}`);
      assert.match(result.stderr, expected);
      assert.equal(result.stderr.split('\n').filter(Boolean).length, 2, result.stderr);
      assert.equal(result.stdout, '');
    }
    assert.deepEqual(registry.requests(), []);
  });

  test('what hex.pm refuses of the package (a dependency on an organization, here) stops it, with the clue of which organization', async () => {
    const { file } = await ciBuild({ app: 'ci_deps', version: '1.0.0', deps: ['{:acme_auth, "~> 2.1", organization: "acme"}'] });
    registry.clearRequests();
    const result = await publish(['--tarball', file, '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`error: ${file} cannot be published:\\nacme_auth: dependencies can only belong to public repository "hexpm", got: "acme"\\nIf it is acme's package, publish it there: --organization acme\\.\\n$`));
    assert.doesNotMatch(result.stdout, /Publishing package/);
    assert.deepEqual(registry.requests(), []);
  });

  test('organization: from the metadata when a tarball carries it; a command line naming another is refused', async () => {
    const dir = elsewhere();
    writeFileSync(join(dir, 'org.tar'), await makeTarball({ name: 'meta_org', version: '1.0.0', raw: [['organization', binary('acme')]] }));
    registry.clearRequests();
    let result = await publish(['--tarball', 'org.tar', '--dry-run'], { cwd: dir, env: bare() });
    ok(result);
    assert.match(result.stdout, /\n {2}Organization: acme\n/);
    assert.match(result.stdout, /Publishing package to private repository acme using /);
    result = await publish(['--tarball', 'org.tar', '--organization', 'other', '--yes'], { cwd: dir, env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: org.tar is built for organization acme (its metadata says so), not other\nDrop --organization to publish it to acme, or build the package for other.\n');
    result = await publish(['--tarball', 'org.tar', '--repo', 'hexpm:acme', '--dry-run'], { cwd: dir, env: bare() });
    ok(result);
    assert.deepEqual(registry.requests(), []);
  });
});

test('usage errors (exit 2), before anything is read', async () => {
  const { file } = await ciBuild({ app: 'ci_usage', version: '1.0.0' });
  registry.clearRequests();
  for (const [argv, expected] of [
    [['docs', '--tarball', file], /^error: `publish docs` cannot take --tarball: a package tarball carries no docs\nPublish the docs from the source tree: `hexts publish docs`\.\n$/],
    [['--tarball', file, '--expect-checksum', 'abc123'], /^error: --expect-checksum takes a SHA-256 checksum, 64 hexadecimal digits, not "abc123"\n/],
    [['--tarball', file, '--expect-checksum', `${'g'.repeat(64)}`], /^error: --expect-checksum takes a SHA-256 checksum/],
    [['package', '--expect-checksum', 'a'.repeat(64)], /^error: --expect-checksum goes with --tarball\n/],
    [['--tarball', file, '--revert', '1.0.0'], /^error: --revert cannot be used with --tarball: it deletes a release instead of publishing one\n/],
    [['--tarball', file, '--docs-dir', 'doc'], /^error: --docs-dir cannot be used with --tarball: it gives docs, which a package tarball does not carry\n/],
    [['--tarball', file, '--elixir-version', '1.18.4'], /^error: --elixir-version cannot be used with --tarball: it is how mix\.exs is read, and a built tarball needs no mix\.exs\n/],
    [['--tarball', file, '--otp-release', '27'], /^error: --otp-release cannot be used with --tarball/],
  ] as Array<[string[], RegExp]>) {
    const result = await publish(argv, { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, expected);
    assert.equal(result.stdout, '');
  }
  assert.deepEqual(registry.requests(), []);
});
