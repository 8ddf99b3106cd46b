// `hexts build` end to end on the reference corpus (test/fixtures/corpus): what mix hex.build
// printed and wrote, case by case. Warnings go where Hex 2.5.1 prints them, on stdout, but in
// yellow only on a terminal (mix writes the colour codes even into a pipe); errors read
// `error: …` where mix prints `** (Mix) …`. Otherwise stdout, stderr, the tarball bytes and the
// --unpack tree are mix's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compareTerms, isTuple, tuple, type Term } from '../../src/erlang/term.js';
import { parseTerms } from '../../src/erlang/text.js';
import { compareBytes } from '../../src/package/files.js';
import { unpackPackageTarball } from '../../src/package/unpack.js';
import { runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { makeProject, type ProjectSpec } from '../helpers/projects.js';
import { builtCaseNames, caseNames, copyProject, loadBuiltCase, loadCase, type BuiltCase, type CorpusCase, type MixRun } from '../helpers/corpus.js';

// mix's --unpack listing was made under umask 022; directories created on the way to a file
// take the process umask, with erl_tar as with hexts.
process.umask(0o022);

const BIN = new URL('../../bin/hexts.cjs', import.meta.url).pathname;

const scratchDirs: string[] = [];
after(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** A small project (test/helpers/projects.ts), removed when the file's tests end. */
function project(spec: ProjectSpec, edit: (source: string) => string = (source) => source): string {
  const { dir } = makeProject(spec);
  scratchDirs.push(dir);
  const source = readFileSync(join(dir, 'mix.exs'), 'utf8');
  const edited = edit(source);
  writeFileSync(join(dir, 'mix.exs'), edited);
  return dir;
}

/** A fresh copy of the case's project, removed when the file's tests end. */
function freshCopy(c: CorpusCase): string {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-build-'));
  scratchDirs.push(dir);
  return copyProject(c, dir);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Every path under `dir`, sorted by bytes: to see what a run wrote. */
function tree(dir: string): string[] {
  const walk = (prefix: string): string[] =>
    readdirSync(join(dir, prefix)).flatMap((name) => {
      const path = prefix ? `${prefix}/${name}` : name;
      return lstatSync(join(dir, path)).isDirectory() ? [path, ...walk(path)] : [path];
    });
  return walk('').sort(compareBytes);
}

/** Rows as in unpacked-listing.tsv: type, perm, size, path, sha256; sorted by path bytes. */
function listing(dir: string): string[][] {
  return tree(dir).map((path) => {
    const stats = lstatSync(join(dir, path));
    const perm = (stats.mode & 0o7777).toString(8).padStart(4, '0');
    if (stats.isDirectory()) return ['dir', perm, '-', path, ''];
    assert.ok(stats.isFile(), `${path}: only files and directories are expected`);
    return ['file', perm, String(stats.size), path, sha256(readFileSync(join(dir, path)))];
  });
}

/** What hexts prints for a mix run: the warnings without mix's colour codes, `** (Mix)` as `error:`. */
function asHexts(run: MixRun): { stdout: string; stderr: string } {
  return {
    stdout: run.stdout.replace(/\x1b\[33m([\s\S]*?)\x1b\[0m\n/g, '$1\n'),
    stderr: run.stderr.replace(/^\*\* \(Mix\) /gm, 'error: '),
  };
}

/**
 * mix's --unpack output. Where it was not captured (refs/build-variants), the build output as
 * the corpus README describes the difference: no checksum line, and `Saved to NAME-VERSION`.
 */
const unpackRun = (c: CorpusCase): MixRun =>
  c.unpack ?? {
    ...c.build,
    stdout: c.build.stdout.replace(/^Package checksum: .*\n/m, '').replace(/^(Saved to .*)\.tar$/m, '$1'),
  };

// refs/fancy was captured on ext4, whose readdir order put priv/static before priv/scripts;
// hexts walks directories in sorted order, so its file order, metadata and checksum differ.
const MIX_READDIR_ORDER = new Set(['ref_fancy']);

/** The Files: block's lines sorted, and the checksum line dropped: the output up to file order. */
const orderFree = (stdout: string) =>
  stdout
    .replace(/(\n {2}Files:\n)((?: {4}.*\n)*)/, (_, head: string, files: string) => head + files.split('\n').filter(Boolean).sort(compareBytes).map((l) => `${l}\n`).join(''))
    .replace(/^Package checksum: .*\n/m, '');

/** metadata.config's terms with the files list sorted. */
const metadataUpToOrder = (config: Uint8Array): Term[] =>
  parseTerms(config).map((term) => {
    assert.ok(isTuple(term));
    const [key, value] = term.elements as [Term, Term[]];
    return Buffer.from(key as Uint8Array).toString() === 'files' ? tuple(key, [...value].sort(compareTerms)) : term;
  });

const contentsOf = async (tarball: Uint8Array) =>
  (await unpackPackageTarball(tarball)).contents!.map((e) => [e.path, e.type, e.mode, e.size, e.data]).sort((a, b) => compareBytes(a[0] as string, b[0] as string));

describe('hexts build on every built corpus case', () => {
  test('the corpus has its twelve built cases', () => {
    assert.equal(builtCaseNames().length, 12);
  });

  for (const name of builtCaseNames()) {
    test(`${name}: the tarball, mix's output, warnings on stdout`, async () => {
      const c = loadBuiltCase(name);
      const root = freshCopy(c);
      const before = tree(root);
      const result = await runCli(['build'], { cwd: root });
      const expected = asHexts(c.build);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, expected.stderr);
      assert.deepEqual(tree(root), [...before, c.tarballName].sort(compareBytes), 'only the tarball is written');
      const tarball = readFileSync(join(root, c.tarballName));
      if (MIX_READDIR_ORDER.has(name)) {
        assert.equal(orderFree(result.stdout), orderFree(expected.stdout));
        assert.notEqual(sha256(tarball), c.outerSha256, 'hexts\'s own order differs from this capture\'s');
        assert.deepEqual(await contentsOf(tarball), await contentsOf(c.tarball), 'the same entries');
        const unpacked = await unpackPackageTarball(tarball, { output: 'none' });
        assert.deepEqual(metadataUpToOrder(unpacked.metadataConfig), metadataUpToOrder(c.metadataConfig));
      } else {
        assert.equal(result.stdout, expected.stdout);
        assert.equal(sha256(tarball), c.outerSha256);
      }
      assert.match(result.stdout, new RegExp(`^Package checksum: ${sha256(tarball)}\nSaved to ${c.tarballName}\n$`, 'm'));
    });

    test(`${name}: --unpack writes mix's tree`, async () => {
      const c = loadBuiltCase(name);
      const root = freshCopy(c);
      const before = tree(root);
      const result = await runCli(['build', '--unpack'], { cwd: root });
      const expected = asHexts(unpackRun(c));
      const directory = c.tarballName.replace(/\.tar$/, '');
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, expected.stderr);
      assert.match(result.stdout, new RegExp(`\nSaved to ${directory}\n$`));
      const unpackDir = join(root, directory);
      const written = listing(unpackDir);
      assert.deepEqual(tree(root), [...before, directory, ...tree(unpackDir).map((p) => `${directory}/${p}`)].sort(compareBytes));
      const hexMetadata = readFileSync(join(unpackDir, 'hex_metadata.config'));
      if (MIX_READDIR_ORDER.has(name)) {
        assert.equal(orderFree(result.stdout), orderFree(expected.stdout));
        const withoutMetadata = (rows: string[][]) => rows.filter((row) => row[3] !== 'hex_metadata.config');
        assert.deepEqual(withoutMetadata(written), withoutMetadata(c.unpackedListing!));
        assert.deepEqual(metadataUpToOrder(hexMetadata), metadataUpToOrder(c.metadataConfig));
      } else {
        assert.equal(result.stdout, expected.stdout);
        assert.deepEqual(hexMetadata, c.metadataConfig, 'hex_metadata.config is metadata.config');
        if (c.unpackedListing) assert.deepEqual(written, c.unpackedListing);
        else {
          // refs/build-variants has no --unpack capture: its files are those of mix's tarball.
          const files = written.filter(([type, , , path]) => type === 'file' && path !== 'hex_metadata.config');
          const inTarball = c.listing.filter(([, type]) => type === '0').map(([, , mode, size, path]) => ['file', mode!.slice(-4), size, path]);
          assert.deepEqual(files.map((row) => row.slice(0, 4)), inTarball.sort((a, b) => compareBytes(a[3]!, b[3]!)));
        }
      }
    });
  }
});

describe('hexts build on the failing corpus cases', () => {
  const failing = caseNames().filter((name) => !builtCaseNames().includes(name));
  test('seven cases fail', () => assert.equal(failing.length, 7));

  for (const name of failing) {
    test(`${name}: exit 1, mix's errors and warnings, nothing written`, async () => {
      const c = loadCase(name);
      for (const [argv, run] of [[['build'], c.build], [['build', '--unpack'], unpackRun(c)]] as const) {
        const root = freshCopy(c);
        const before = tree(root);
        const result = await runCli([...argv], { cwd: root });
        const expected = asHexts(run);
        assert.equal(run.exitCode, 1);
        assert.equal(result.code, 1, argv.join(' '));
        assert.equal(result.stdout, expected.stdout, argv.join(' '));
        assert.equal(result.stderr, expected.stderr, argv.join(' '));
        assert.deepEqual(tree(root), before, 'nothing written');
      }
    });
  }
});

describe('options', () => {
  test('--json: name, version, checksum and the path, and no summary; the warnings on stderr too', async () => {
    const c = loadBuiltCase('private_org_deps');
    const root = freshCopy(c);
    const result = await runCli(['build', '--json'], { cwd: root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'Missing metadata fields: links\n', 'stdout is for the JSON alone');
    const json = JSON.parse(result.stdout);
    assert.equal(json.ok, true);
    assert.equal(json.name, 'tally_core');
    assert.equal(json.version, '2.3.0');
    assert.equal(json.organization, 'acme');
    assert.equal(json.checksum, c.outerSha256);
    assert.equal(json.inner_checksum, c.innerChecksum);
    assert.equal(json.path, join(root, c.tarballName));
    assert.deepEqual(json.files, c.files);
    assert.deepEqual(json.warnings, ['Missing metadata fields: links']);
    assert.equal(sha256(readFileSync(json.path)), c.outerSha256);

    const unpacked = await runCli(['build', '--unpack', '--json'], { cwd: freshCopy(c) });
    assert.equal(unpacked.code, 0, unpacked.stderr);
    const unpackJson = JSON.parse(unpacked.stdout);
    assert.equal(unpackJson.ok, true);
    assert.equal(unpackJson.checksum, c.outerSha256);
    assert.deepEqual(unpackJson.warnings, ['Missing metadata fields: links']);
    assert.deepEqual(readFileSync(join(unpackJson.directory, 'hex_metadata.config')), c.metadataConfig);
  });

  test('-o: the tarball, or with --unpack the directory, where it says', async () => {
    const c = loadBuiltCase('ref_tiny');
    const root = freshCopy(c);
    const elsewhere = mkdtempSync(join(tmpdir(), 'hexts-build-out-'));
    scratchDirs.push(elsewhere);

    const relative = await runCli(['build', '-o', 'custom.tar'], { cwd: root });
    assert.equal(relative.code, 0, relative.stderr);
    assert.match(relative.stdout, /\nSaved to custom\.tar\n$/);
    assert.equal(sha256(readFileSync(join(root, 'custom.tar'))), c.outerSha256);

    const absolute = join(elsewhere, 'pkg.tar');
    const long = await runCli(['build', '--output', absolute], { cwd: root });
    assert.equal(long.code, 0, long.stderr);
    assert.match(long.stdout, new RegExp(`\nSaved to ${absolute}\n$`));
    assert.equal(sha256(readFileSync(absolute)), c.outerSha256);

    const unpacked = await runCli(['build', '--unpack', '-o', 'tree'], { cwd: root });
    assert.equal(unpacked.code, 0, unpacked.stderr);
    assert.match(unpacked.stdout, /\nSaved to tree\n$/);
    assert.deepEqual(listing(join(root, 'tree')), c.unpackedListing);
    assert.ok(!tree(root).includes(c.tarballName), 'no default-named tarball');
  });

  test('--unpack refuses a directory that is not empty, before writing anything', async () => {
    const c = loadBuiltCase('ref_tiny');
    const root = freshCopy(c);
    const first = await runCli(['build', '--unpack'], { cwd: root });
    assert.equal(first.code, 0, first.stderr);
    const before = tree(root);
    const again = await runCli(['build', '--unpack'], { cwd: root });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: .*tiny-1\.0\.0 already exists and is not empty$/m);
    assert.deepEqual(tree(root), before);
  });
});

describe('hexts\'s own order is stable', () => {
  /** `hexts build` from the built binary under a umask, in a copy whose modes copyProject fixed. */
  function buildUnderUmask(root: string, umask: string): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', `umask ${umask} && exec "$0" "$1" build`, process.execPath, BIN], {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  // ref_fancy: the case where hexts's sorted walk is not mix's order; the others have an empty
  // directory, a 0755 script and non-ASCII names.
  for (const name of ['ref_fancy', 'explicit_files_globs', 'long_and_unicode_paths']) {
    test(`${name}: the same output across runs and under umask 022, 002 and 077`, async () => {
      const c = loadBuiltCase(name);
      const outputs: Array<{ how: string; stdout: string; tarball: Buffer }> = [];
      for (const how of ['run 1', 'run 2', '002', '077']) {
        const root = freshCopy(c);
        const result = how.startsWith('run') ? await runCli(['build'], { cwd: root }) : await buildUnderUmask(root, how);
        assert.equal(result.code, 0, `${how}: ${result.stderr}`);
        outputs.push({ how, stdout: result.stdout, tarball: readFileSync(join(root, c.tarballName)) });
      }
      for (const output of outputs.slice(1)) {
        assert.equal(output.stdout, outputs[0]!.stdout, output.how);
        assert.ok(output.tarball.equals(outputs[0]!.tarball), `${output.how}: the same tarball bytes`);
      }
    });
  }
});

describe('errors before the build', () => {
  test('a mix.exs that runs a program: refused with mix.exs:LINE:COL, nothing run or written', async () => {
    const c = loadBuiltCase('ref_tiny');
    const root = freshCopy(c);
    const source = readFileSync(join(root, 'mix.exs'), 'utf8');
    const changed = source.replace('version: "1.0.0"', 'version: System.cmd("touch", ["RAN"]) |> elem(0)');
    assert.notEqual(changed, source);
    writeFileSync(join(root, 'mix.exs'), changed);
    const offset = changed.indexOf('cmd(', changed.indexOf('System.cmd')); // Elixir places a remote call at its name
    const line = changed.slice(0, offset).split('\n').length;
    const column = offset - changed.lastIndexOf('\n', offset - 1);
    const before = tree(root);
    const result = await runCli(['build'], { cwd: root });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^error: mix\\.exs:${line}:${column}: hexts cannot evaluate System\\.cmd/2: it runs a program`, 'm'));
    assert.deepEqual(tree(root), before);
  });

  test('--verbose lists what mix.exs took from the stated toolchain and environment; hexts\'s secrets read as unset', async () => {
    const root = freshCopy(loadBuiltCase('ref_tiny'));
    const source = readFileSync(join(root, 'mix.exs'), 'utf8');
    const changed = source.replace('version: "1.0.0"', 'version: "1.0.0", docs: [env: Mix.env(), key: System.get_env("HEX_API_KEY"), modern: Version.match?(System.version(), ">= 1.15.0")]');
    assert.notEqual(changed, source);
    writeFileSync(join(root, 'mix.exs'), changed);
    const secret = 'sekrit0123456789abcdef';
    const result = await runCli(['build', '--verbose', '--elixir-version', '1.15.2', '-o', join(root, 'out.tar')], { cwd: root, env: { HEX_API_KEY: secret } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^reading mix\.exs as Elixir 1\.15\.2 on Erlang\/OTP 29 would, with MIX_ENV=dev$/m);
    assert.match(result.stderr, /^ {2}Mix\.env\(\) is :dev \(MIX_ENV is not set\)$/m);
    assert.match(result.stderr, /^ {2}System\.get_env\("HEX_API_KEY"\) reads as unset: hexts hides its own secrets and settings from mix\.exs$/m);
    assert.match(result.stderr, /^ {2}System\.version\(\) is "1\.15\.2" \(the Elixir version hexts assumes\)$/m);
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret));
    assert.ok(!readFileSync(join(root, 'out.tar')).includes(secret));
  });

  test('no mix.exs: says so, naming the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hexts-build-empty-'));
    scratchDirs.push(dir);
    const result = await runCli(['build'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^error: no mix\\.exs in ${dir}\n`));
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('oversized input', () => {
  // Counting a million characters segment by segment used to take the heap (exit 134).
  const description = (text: string) => (source: string) => source.replace(/description: "[^"]*"/, `description: "${text}"`);
  const cases: Array<[string, string]> = [
    ['1 MB of ASCII', 'x'.repeat(1_000_000)],
    ['1 MB of letters with combining accents (2 code points, 1 character each)', 'e\u0301'.repeat(500_000)],
    ['1 MB of family emoji (8 code units, 1 character each)', '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'.repeat(125_000)],
  ];
  for (const [name, text] of cases) {
    test(`a description of ${name}: mix's error naming the limit, nothing written`, async () => {
      const root = freshCopy(loadBuiltCase('ref_tiny'));
      const source = readFileSync(join(root, 'mix.exs'), 'utf8');
      const changed = description(text)(source);
      assert.notEqual(changed, source);
      writeFileSync(join(root, 'mix.exs'), changed);
      const before = tree(root);
      const result = await runCli(['build'], { cwd: root });
      assert.equal(result.code, 1, result.stderr.slice(0, 500));
      assert.match(result.stderr, /^error: Stopping package build due to errors\.\nPackage description is too long \(exceeds 300 characters\)\n/m);
      assert.deepEqual(tree(root), before);
    });
  }

  test('300 characters of 7 code units each are within the limit, 301 are not', async () => {
    const character = '\u{1F44D}\u{1F3FD}\u0301\u0301\u0301'; // thumbs up, skin tone, three accents
    for (const [count, code] of [[300, 0], [301, 1]]) {
      const root = freshCopy(loadBuiltCase('ref_tiny'));
      writeFileSync(join(root, 'mix.exs'), description(character.repeat(count!))(readFileSync(join(root, 'mix.exs'), 'utf8')));
      const result = await runCli(['build', '--json'], { cwd: root });
      assert.equal(result.code, code, result.stderr);
      assert.equal(/Package description is too long/.test(result.stderr), code === 1);
    }
  });
});

describe('warnings where Hex 2.5.1 prints them: stdout, among the summary\'s lines', () => {
  const summaryOf = (app: string, licenses: string) => [
    `Building ${app} 1.0.0`, `  App: ${app}`, `  Name: ${app}`, '  Files:', '    lib', `    lib/${app}.ex`, '    mix.exs', '    README.md',
    '  Version: 1.0.0', '  Build tools: mix', `  Description: The ${app} package.`, `  Licenses: ${licenses}`, '  Links: ',
    `    GitHub: https://github.com/example/${app}`, '  Elixir: ~> 1.14',
  ].map((line) => `${line}\n`).join('');
  const tarballLines = (app: string) => new RegExp(`^Package checksum: [0-9a-f]{64}\nSaved to ${app}-1\.0\.0\.tar\n$`);

  test('a package key at the root first, the license warning after the summary; nothing on stderr', async () => {
    const dir = project({ app: 'warn_pkg', version: '1.0.0', licenses: ['MIT', 'Foo'] }, (s) => s.replace('elixir: "~> 1.14",', 'elixir: "~> 1.14",\n      extra: %{},'));
    const result = await runCli(['build'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const head = 'Mix project configuration :extra belongs under the :package key, did you misplace it?\n' + summaryOf('warn_pkg', 'MIT, Foo') +
      'The following licenses are not recognized by SPDX:\n * Foo\n\nValid license identifiers are available from https://spdx.org/licenses\n';
    assert.equal(result.stdout.slice(0, head.length), head);
    assert.match(result.stdout.slice(head.length), tarballLines('warn_pkg'));

    const coloured = await runCli(['build'], { cwd: project({ app: 'warn_pkg', version: '1.0.0', licenses: ['Foo'] }), env: { FORCE_COLOR: '1' } });
    assert.equal(coloured.stderr, '');
    assert.ok(coloured.stdout.includes('\x1b[33mThe following licenses are not recognized by SPDX:\n * Foo\n'), coloured.stdout);
  });

  test('no licenses: mix\'s warning, with its blank lines', async () => {
    const result = await runCli(['build'], { cwd: project({ app: 'bare_pkg', version: '1.0.0', licenses: [] }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const head = summaryOf('bare_pkg', '') + '\nYou have not included any licenses\n\n';
    assert.equal(result.stdout.slice(0, head.length), head);
    assert.match(result.stdout.slice(head.length), tarballLines('bare_pkg'));
  });

  test('a warning before mix stops is on stdout too, the error on stderr', async () => {
    const dir = project({ app: 'stop_pkg', version: '1.0.0' }, (s) => s.replace('elixir: "~> 1.14",', 'elixir: "~> 1.14",\n      links: %{},').replace('licenses: ["MIT"],', 'organisation: "acme",'));
    const result = await runCli(['build'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'Mix project configuration :links belongs under the :package key, did you misplace it?\n');
    assert.equal(result.stderr, 'error: Invalid Hex package config :organisation, use spelling :organization\n');
  });
});

describe('what hex.pm refuses at publish', () => {
  test('a public package depending on an organization\'s package: built, with a warning naming the dependency', async () => {
    const dir = project({ app: 'uses_private', version: '1.0.0', deps: ['{:acme_auth, "~> 1.0", organization: "acme"}', '{:jason, "~> 1.4"}'] });
    const result = await runCli(['build'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    // mix builds it without a word: the warning is hexts's own, on stderr, and stdout stays mix's.
    assert.equal(result.stderr, 'Dependency acme_auth is from repository "acme": hex.pm will refuse to publish this package (dependencies can only belong to public repository "hexpm", got: "acme")\n');
    assert.match(result.stdout, /^ {4}acme_auth ~> 1\.0 \(app: acme_auth\) \(repo: acme\)$/m);
    assert.match(result.stdout, /\n {2}Elixir: ~> 1\.14\nPackage checksum: /);
    assert.ok(readdirSync(dir).includes('uses_private-1.0.0.tar'));
  });

  test('a name and a version hex.pm refuses: the build stops with its words, nothing written', async () => {
    for (const [spec, lines] of [
      [{ app: 'pub_pkg', name: 'Pub-Pkg', version: 'banana' }, ['hex.pm refuses package name "Pub-Pkg": has invalid format', 'hex.pm refuses version "banana": is invalid SemVer']],
      [{ app: 'x', version: '1.0' }, ['hex.pm refuses package name "x": should be at least 2 character(s)', 'hex.pm refuses version "1.0": is invalid SemVer']],
      [{ app: 'pub_pkg', version: '1.0.0+build.1' }, ['hex.pm refuses version "1.0.0+build.1": build number not allowed']],
    ] as Array<[ProjectSpec, string[]]>) {
      const dir = project(spec);
      const before = tree(dir);
      const result = await runCli(['build'], { cwd: dir });
      assert.equal(result.code, 1, spec.version);
      assert.equal(result.stderr, ['error: Stopping package build due to errors.', ...lines].map((l) => `${l}\n`).join(''));
      assert.match(result.stdout, new RegExp(`^Building ${spec.name ?? spec.app} ${spec.version.replaceAll('.', '\\.').replaceAll('+', '\\+')}\n`));
      assert.deepEqual(tree(dir), before);
    }
  });
});

describe('--json failures: one object on stdout, the same text on stderr', () => {
  const both = async (cwd: string, argv: string[] = []) => {
    const plain = await runCli(['build', ...argv], { cwd });
    const json = await runCli(['build', '--json', ...argv], { cwd });
    assert.equal(json.code, plain.code);
    return { plain, json, answer: JSON.parse(json.stdout) };
  };

  test('mix\'s validation errors', async () => {
    const { plain, json, answer } = await both(freshCopy(loadCase('fail_missing_files')));
    assert.equal(json.code, 1);
    assert.equal(json.stderr, plain.stderr);
    assert.deepEqual(answer, {
      ok: false,
      error: { message: 'Stopping package build due to errors.', hint: null, errors: ['Missing files: NOTICE, docs/*.md'] },
      warnings: [],
    });
  });

  test('hex.pm\'s refusals, with the warnings printed before them', async () => {
    const { json, answer } = await both(project({ app: 'json_pkg', version: '1.0', licenses: ['Foo'] }));
    assert.equal(json.code, 1);
    assert.deepEqual(answer, {
      ok: false,
      error: { message: 'Stopping package build due to errors.', hint: null, errors: ['hex.pm refuses version "1.0": is invalid SemVer'] },
      warnings: ['The following licenses are not recognized by SPDX:\n * Foo\n\nValid license identifiers are available from https://spdx.org/licenses'],
    });
    assert.equal(json.stderr, answer.warnings[0] + '\nerror: Stopping package build due to errors.\nhex.pm refuses version "1.0": is invalid SemVer\n');
  });

  test('an error mix raises before the summary, after a warning', async () => {
    const dir = project({ app: 'early_pkg', version: '1.0.0' }, (s) => s.replace('elixir: "~> 1.14",', 'elixir: "~> 1.14",\n      links: %{},').replace('licenses: ["MIT"],', 'organisation: "acme",'));
    const { json, answer } = await both(dir);
    assert.equal(json.code, 1);
    assert.deepEqual(answer, {
      ok: false,
      error: { message: 'Invalid Hex package config :organisation, use spelling :organization', hint: null, errors: [] },
      warnings: ['Mix project configuration :links belongs under the :package key, did you misplace it?'],
    });
  });

  test('a mix.exs hexts cannot read, and a hint', async () => {
    const unreadable = await both(project({ app: 'odd_pkg', version: '1.0.0' }, (s) => s.replace('version: "1.0.0"', 'version: System.cmd("git", ["describe"]) |> elem(0)')));
    assert.equal(unreadable.json.code, 1);
    assert.equal(unreadable.json.stderr, unreadable.plain.stderr);
    assert.match(unreadable.answer.error.message, /^mix\.exs:\d+:\d+: hexts cannot evaluate System\.cmd\/2/);
    assert.deepEqual(unreadable.answer.error.errors, []);

    const dir = project({ app: 'twice_pkg', version: '1.0.0' });
    assert.equal((await runCli(['build', '--unpack'], { cwd: dir })).code, 0);
    const again = await runCli(['build', '--unpack', '--json'], { cwd: dir });
    assert.equal(again.code, 1);
    assert.deepEqual(JSON.parse(again.stdout).error, {
      message: `${join(dir, 'twice_pkg-1.0.0')} already exists and is not empty`,
      hint: 'Remove it, or choose another directory with --output.',
      errors: [],
    });
  });
});

test('the built binary builds ref_tiny like mix', async () => {
  const c: BuiltCase = loadBuiltCase('ref_tiny');
  const root = freshCopy(c);
  const result = await spawnCli(['build'], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, c.build.stdout);
  assert.equal(result.stderr, '');
  assert.equal(sha256(readFileSync(join(root, c.tarballName))), c.outerSha256);
});
