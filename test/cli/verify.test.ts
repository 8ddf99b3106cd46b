// `hexts verify NAME@VERSION` end to end against the local registry: releases that match their
// source (mix's own build of fancy_pkg with its readdir order, `hexts build`'s sorted build, a
// build in another directory and key order, a private package), what a mismatch prints and its
// --json, and the errors a user will meet.
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveAssumptions } from '../../src/elixir/assumptions.js';
import { compareBytes } from '../../src/package/files.js';
import { preparePackage } from '../../src/package/project.js';
import { createProjectTarball } from '../../src/package/tarball.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { copyProject, loadBuiltCase } from '../helpers/corpus.js';
import { makeProject } from '../helpers/projects.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';

let registry: Registry;
let env: Record<string, string | undefined>;
let scratch: string;
const cleanups: Array<() => void> = [];
let counter = 0;

/** A fresh project (its own package name, 1.0.0) and its release, published as `hexts build` writes it. */
async function released(options: { organization?: string } = {}): Promise<{ name: string; dir: string; checksum: string }> {
  const name = `verify_${++counter}`;
  const { dir, cleanup } = makeProject({ app: name, version: '1.0.0', deps: ['{:jason, "~> 1.4"}'] });
  cleanups.push(cleanup);
  writeFileSync(join(dir, 'lib', 'logo.bin'), Buffer.from([0, 1, 2]));
  const output = join(scratch, `${name}.tar`);
  const built = await runCli(['build', '-o', output], { env, cwd: dir });
  assert.equal(built.code, 0, built.stderr);
  const tarball = readFileSync(output);
  await registry.publish(tarball, { publisher: 'pub', repository: options.organization });
  return { name, dir, checksum: built.stdout.match(/^Package checksum: (\w+)$/m)![1]! };
}

const verify = (argv: string[], cwd?: string) => runCli(['verify', ...argv], { env, cwd: cwd ?? scratch });

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'pub', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  for (const [name, version] of [['jason', '1.4.4'], ['decimal', '2.1.1']] as const) await registry.publish(await makeTarball({ name, version }), { publisher: 'pub' });
  const home = scratchHome();
  cleanups.push(home.cleanup);
  scratch = home.home;
  env = cliEnv(registry, scratch);
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

describe('releases that match their source', () => {
  test('mix\'s own build of fancy_pkg, whose files are in readdir order (priv/static before priv/scripts)', async () => {
    const fancy = loadBuiltCase('ref_fancy');
    await registry.publish(fancy.tarball, { publisher: 'pub' });
    const source = copyProject(fancy, scratch);
    const result = await verify(['fancy_pkg@0.2.0-rc.1'], source);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, [
      `fancy_pkg 0.2.0-rc.1 (hexpm) matches its source in ${source}`,
      `  release checksum: ${fancy.outerSha256}`,
      `  source checksum:  ${fancy.outerSha256}`,
      '',
    ].join('\n'));
  });

  test('`hexts build`\'s release, verified from another directory with --source', async () => {
    const { name, dir, checksum } = await released();
    const result = await verify([`${name}@1.0.0`, '--source', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^${name} 1\\.0\\.0 \\(hexpm\\) matches its source in ${dir}\n  release checksum: ${checksum}\n  source checksum:  ${checksum}\n$`));
  });

  test('a release built in another directory order and with OTP 26-like key order', async () => {
    const { dir, cleanup } = makeProject({ app: 'verify_unsorted', version: '1.0.0', deps: ['{:jason, "~> 1.4"}', '{:decimal, "~> 2.0"}'] });
    cleanups.push(cleanup);
    writeFileSync(join(dir, 'lib', 'another.ex'), 'defmodule Another do\nend\n');
    const prepared = await preparePackage(dir, {
      env: {},
      assumptions: resolveAssumptions({}, {}),
      listDir: (path) => readdirSync(path).sort(compareBytes).reverse(),
      metadataOrder: { keys: ['links', 'name', 'version', 'description', 'elixir', 'files', 'app', 'licenses', 'requirements', 'build_tools'], requirementKeys: ['name', 'app', 'optional', 'requirement', 'repository'] },
    });
    assert.deepEqual(prepared.files.slice(0, 3), ['lib', 'lib/verify_unsorted.ex', 'lib/another.ex']);
    const built = await createProjectTarball(prepared, dir);
    await registry.publish(built.tarball!, { publisher: 'pub' });
    const result = await verify(['--json', 'verify_unsorted@1.0.0'], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      name: 'verify_unsorted', version: '1.0.0', repository: 'hexpm', source: dir, match: true,
      release_checksum: built.outerChecksum, source_checksum: built.outerChecksum, first_difference: null, files: [], metadata: [],
    });
  });

  test('a private package, read with the organization\'s key (stored, or given for the run)', async () => {
    const { name, dir } = await released({ organization: 'acme' });
    const key = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
    const given = await verify([`${name}@1.0.0`, '--organization', 'acme', '--key', key], dir);
    assert.equal(given.code, 0, given.stderr);
    assert.match(given.stdout, new RegExp(`^${name} 1\\.0\\.0 \\(acme\\) matches its source`));
    const stored = await runCli(['organization', 'auth', 'acme', '--key', key], { env });
    assert.equal(stored.code, 0, stored.stderr);
    assert.equal((await verify([`${name}@1.0.0`, '--repo', 'hexpm:acme'], dir)).code, 0);
    const anonymous = await verify([`${name}@1.0.0`], dir);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, new RegExp(name));
  });
});

describe('a release that does not match its source', () => {
  test('a changed text file: the first difference, the table, a unified diff; exit 1', async () => {
    const { name, dir, checksum } = await released();
    writeFileSync(join(dir, 'lib', `${name}.ex`), `defmodule Changed do\n  def version, do: "1.0.0"\nend\n`);
    const result = await verify([`${name}@1.0.0`], dir);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.split('\n');
    assert.deepEqual(lines.slice(0, 3), [`${name} 1.0.0 (hexpm) does not match its source in ${dir}`, `  release checksum: ${checksum}`, lines[2]]);
    assert.match(lines[2]!, /^ {2}source checksum: {2}[0-9a-f]{64}$/);
    assert.notEqual(lines[2], `  source checksum:  ${checksum}`);
    assert.equal(result.stdout.slice(result.stdout.indexOf('First difference')), [
      `First difference: contents.tar.gz, entry 2, lib/${name}.ex (content differs)`,
      '',
      'Files:',
      `  content differs   lib/${name}.ex`,
      '',
      `diff --git release/lib/${name}.ex source/lib/${name}.ex`,
      `--- release/lib/${name}.ex`,
      `+++ source/lib/${name}.ex`,
      '@@ -1,3 +1,3 @@',
      `-defmodule ${name.split('_').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')} do`,
      '+defmodule Changed do',
      '   def version, do: "1.0.0"',
      ' end',
      '',
    ].join('\n'));
  });

  test('extra, missing, binary and mode changes, and an edited description, in one table', async () => {
    const { name, dir } = await released();
    writeFileSync(join(dir, 'lib', 'extra.ex'), 'defmodule Extra do\nend\n');
    rmSync(join(dir, 'README.md'));
    writeFileSync(join(dir, 'lib', 'logo.bin'), Buffer.from([0, 1, 2, 3]));
    chmodSync(join(dir, 'lib', `${name}.ex`), 0o755);
    const mixExs = join(dir, 'mix.exs');
    writeFileSync(mixExs, readFileSync(mixExs, 'utf8').replace(`The ${name} package.`, 'Edited after the release.'));
    const result = await verify([`${name}@1.0.0`], dir);
    assert.equal(result.code, 1, result.stderr);
    const start = result.stdout.indexOf('First difference');
    assert.equal(result.stdout.slice(start, result.stdout.indexOf('diff --git')), [
      'First difference: metadata.config, key description differs',
      '',
      'Files:',
      `  content differs   lib/logo.bin: binary content differs (sizes 3 → 4)`,
      `  mode differs      lib/${name}.ex: 100644 → 100755`,
      '  content differs   mix.exs',
      '  only in release   README.md',
      '  only in source    lib/extra.ex',
      '',
      'Metadata:',
      '  description:',
      `    release: <<"The ${name} package.">>`,
      '    source:  <<"Edited after the release.">>',
      '  files: the file list differs (see Files)',
      '',
      '',
    ].join('\n'));
    assert.match(result.stdout, /\n-      description: "The verify_\d+ package\.",\n\+      description: "Edited after the release\.",\n/);
  });

  test('--json: one object with the first difference, the files and the metadata', async () => {
    const { name, dir, checksum } = await released();
    chmodSync(join(dir, 'lib', 'logo.bin'), 0o755);
    writeFileSync(join(dir, 'lib', `${name}.ex`), 'defmodule X do\nend\n');
    const result = await verify(['--json', `${name}@1.0.0`], dir);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.release_checksum, checksum);
    assert.match(report.source_checksum, /^[0-9a-f]{64}$/);
    assert.deepEqual({ ...report, source_checksum: null, files: report.files.map((f: { patch: string | null }) => ({ ...f, patch: f.patch && f.patch.split('\n')[0] })) }, {
      name, version: '1.0.0', repository: 'hexpm', source: dir, match: false, release_checksum: checksum, source_checksum: null,
      first_difference: { member: 'contents.tar.gz', index: 0, release: 'lib/logo.bin', source: 'lib/logo.bin', detail: 'mode' },
      files: [
        { path: 'lib/logo.bin', status: 'mode', release_mode: '100644', source_mode: '100755', release_size: 3, source_size: 3, release_index: 0, source_index: 0, binary: false, patch: null },
        { path: `lib/${name}.ex`, status: 'content', release_mode: '100644', source_mode: '100644', release_size: 52, source_size: 19, release_index: 1, source_index: 1, binary: false, patch: `diff --git release/lib/${name}.ex source/lib/${name}.ex` },
      ],
      metadata: [],
    });
  });
});

describe('errors', () => {
  test('another version checked out: said plainly, with what to do', async () => {
    const { name, dir } = await released();
    const mixExs = join(dir, 'mix.exs');
    writeFileSync(mixExs, readFileSync(mixExs, 'utf8').replace('version: "1.0.0"', 'version: "1.0.1"'));
    const result = await verify([`${name}@1.0.0`], dir);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`source is ${name} 1\\.0\\.1, release is ${name} 1\\.0\\.0\n.*git checkout v1\\.0\\.0`));
  });

  test('no mix.exs (said before any request), no such release or package: one line each, exit 1', async () => {
    const { name, dir } = await released();
    registry.clearRequests();
    const none = await verify([`${name}@1.0.0`, '--source', 'nowhere']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, new RegExp(`no mix\\.exs in ${join(scratch, 'nowhere')}\n`));
    assert.deepEqual(registry.requests(), []);
    const version = await verify([`${name}@9.9.9`], dir);
    assert.equal(version.code, 1);
    assert.match(version.stderr, new RegExp(`${name} has no version 9\\.9\\.9`));
    const pkg = await verify(['no_such_pkg@1.0.0'], dir);
    assert.equal(pkg.code, 1);
    assert.match(pkg.stderr, /no_such_pkg/);
  });

  test('usage errors (exit 2): no exact version, a requirement, a bad name, a key for a public package', async () => {
    for (const [argv, message] of [
      [['verify_x'], /"verify_x": give the release as NAME@VERSION, an exact version/],
      [['verify_x@~> 1.0'], /"verify_x@~> 1.0": give the release as NAME@VERSION/],
      [['Bad@1.0.0'], /invalid package name "Bad"/],
      [['verify_x@1.0.0', '--key', 'k'], /--key goes with --organization/],
    ] as const) {
      const result = await verify([...argv]);
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });
});
