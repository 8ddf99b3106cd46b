import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createPackageTarball, type PackageFile } from '../../src/package/tarball.js';
import { unpackPackageTarball } from '../../src/package/unpack.js';
import { builtCaseNames, copyProject, loadBuiltCase } from '../helpers/corpus.js';
import { readWithNodeTar, rejectsWith, removeDir, sha256, tempDir } from './tarball-helpers.js';

const META = Buffer.from('{<<"name">>,<<"foo">>}.\n{<<"version">>,<<"1.0.0">>}.\n');
const upper = (hex: string) => hex.toUpperCase();

// Where two tarballs first differ, to make a checksum failure readable.
function firstDifference(actual: Buffer, expected: Buffer): string {
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n; i++) {
    if (actual[i] !== expected[i]) return `first difference at byte ${i} (block ${Math.floor(i / 512)}, offset ${i % 512})`;
  }
  return `lengths ${actual.length} vs ${expected.length}`;
}

describe('hex_tarball_SUITE and model vectors', () => {
  test('disk_test: an empty dir, a skipped non-empty dir and a file from disk', async (t) => {
    const root = tempDir();
    t.after(() => removeDir(root));
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'empty'));
    chmodSync(join(root, 'empty'), 0o755);
    writeFileSync(join(root, 'src/foo.erl'), '-module(foo).');
    chmodSync(join(root, 'src/foo.erl'), 0o644);
    writeFileSync(join(root, 'src/not_whitelisted.erl'), '');
    const metadata = Buffer.from('{<<"build_tool">>,<<"rebar3">>}.\n{<<"name">>,<<"foo">>}.\n{<<"version">>,<<"1.0.0">>}.\n');
    const result = await createPackageTarball({
      metadataConfig: metadata,
      files: [{ path: 'empty' }, { path: 'src' }, { path: 'src/foo.erl' }],
      root,
    });
    assert.equal(upper(result.outerChecksum), '3DED88F7BAC738294907ACEED89FE63C9914713F988E608F2B17D7AE6EAC8446');
    assert.equal(sha256(result.tarball!), result.outerChecksum);
  });

  test('unpack_error_handling_test: the contents of [{"rebar.config", <<>>}] pin tar and gzip', async () => {
    const result = await createPackageTarball({ metadataConfig: META, files: [{ path: 'rebar.config', contents: Buffer.alloc(0) }], root: '.' });
    const { entries } = await readWithNodeTar(result.tarball!);
    const contents = entries.find((e) => e.path === 'contents.tar.gz')!.data;
    const checksum = sha256(Buffer.concat([Buffer.from('3'), Buffer.from('ok $'), contents]));
    assert.equal(upper(checksum), '1BB37F9A91F9E4A3667A4527930187ACF6B9714C0DE7EADD55DC31BE5CFDD98C');
  });

  test('vector A: one in-memory file', async () => {
    const result = await createPackageTarball({ metadataConfig: META, files: [{ path: 'src/foo.erl', contents: Buffer.from('-module(foo).') }], root: '.' });
    assert.equal(result.innerChecksum, 'A629F5109E32884F6889E6C111964AED139C767869660578D1A9AD379B124076');
    assert.equal(upper(result.outerChecksum), 'D1487AF70F8FCC76C12219658F3C47F4BBC1E60717F562BFC041F224D0565DD8');
    assert.equal(result.size, 5120);
    assert.equal(result.tarball!.length, 5120);
    const { entries } = await readWithNodeTar(result.tarball!);
    assert.equal(entries.find((e) => e.path === 'contents.tar.gz')!.size, 113);
  });

  test('vector with no files', async () => {
    const result = await createPackageTarball({ metadataConfig: META, files: [], root: '.' });
    assert.equal(upper(result.outerChecksum), '700E0BEE68E7C6C42F2BD4F94474F1FC979ECE7E099738CBF372A7EE52F7C02B');
  });

  test('vector C: sorted mix-style metadata written by hand per tarball.md §5', async () => {
    const metadata = [
      '{<<"app">>,<<"demo">>}.',
      '{<<"build_tools">>,[<<"mix">>]}.',
      '{<<"description">>,<<"A demo package">>}.',
      '{<<"elixir">>,<<"~> 1.15">>}.',
      '{<<"files">>,[<<"lib">>,<<"lib/demo.ex">>,<<"mix.exs">>,<<"README.md">>]}.',
      '{<<"licenses">>,[<<"MIT">>]}.',
      '{<<"links">>,[{<<"GitHub">>,<<"https://github.com/example/demo">>}]}.',
      '{<<"name">>,<<"demo">>}.',
      '{<<"requirements">>,',
      ' [[{<<"app">>,<<"jason">>},',
      '   {<<"name">>,<<"jason">>},',
      '   {<<"optional">>,false},',
      '   {<<"repository">>,<<"hexpm">>},',
      '   {<<"requirement">>,<<"~> 1.4">>}]]}.',
      '{<<"version">>,<<"0.1.0">>}.',
      '',
    ].join('\n');
    const result = await createPackageTarball({
      metadataConfig: Buffer.from(metadata),
      files: [
        { path: 'lib/demo.ex', contents: Buffer.from('defmodule Demo do\nend\n') },
        { path: 'mix.exs', contents: Buffer.from('# mix\n') },
        { path: 'README.md', contents: Buffer.from('# Demo\n') },
      ],
      root: '.',
    });
    assert.equal(upper(result.outerChecksum), '9B9B7B0446B35A5536152DFDB5608D79FC26DA99C82C4C6C36A96CF81EE59FE8');
  });
});

describe('real mix hex.build outputs, byte for byte', () => {
  for (const name of builtCaseNames()) {
    test(name, async (t) => {
      const c = loadBuiltCase(name);
      const dir = tempDir();
      t.after(() => removeDir(dir));
      const root = copyProject(c, dir);
      const output = join(dir, c.tarballName);
      const result = await createPackageTarball({
        metadataConfig: c.metadataConfig,
        files: c.files.map((path): PackageFile => ({ path })),
        root,
        output,
      });
      const built = readFileSync(output);
      assert.equal(result.innerChecksum, c.innerChecksum, 'CHECKSUM (metadata.config or contents.tar.gz differ)');
      assert.equal(result.outerChecksum, c.outerSha256, firstDifference(built, c.tarball));
      assert.equal(sha256(built), c.outerSha256);
      assert.equal(result.size, built.length);
      assert.equal(result.path, output);
      assert.equal(result.tarball, undefined);
      assert.deepEqual(readdirSync(dir).sort(), [c.tarballName, 'project'].sort(), 'no temporary file left');
    });
  }

  test('a 0664 checkout changes the checksum, as Hex stores the full st_mode', async (t) => {
    const c = loadBuiltCase('ref_tiny');
    const dir = tempDir();
    t.after(() => removeDir(dir));
    const root = copyProject(c, dir);
    chmodSync(join(root, 'mix.exs'), 0o664);
    const result = await createPackageTarball({ metadataConfig: c.metadataConfig, files: c.files.map((path) => ({ path })), root });
    assert.notEqual(result.outerChecksum, c.outerSha256);
    const unpacked = await unpackPackageTarball(result.tarball!);
    assert.equal(unpacked.contents!.find((e) => e.path === 'mix.exs')!.mode, 0o100664);
  });
});

describe('entries from disk', () => {
  test('symlinks are stored with their target verbatim; in-memory files get 0100644 or the given mode', async (t) => {
    const root = tempDir();
    t.after(() => removeDir(root));
    mkdirSync(join(root, 'lib'));
    writeFileSync(join(root, 'lib/a.ex'), 'a');
    symlinkSync('lib/a.ex', join(root, 'link'));
    symlinkSync('a.ex', join(root, 'lib/same-dir'));
    symlinkSync('missing', join(root, 'dangling'));
    const result = await createPackageTarball({
      metadataConfig: META,
      files: [{ path: 'link' }, { path: 'lib/same-dir' }, { path: 'dangling' }, { path: 'gen.ex', contents: Buffer.from('g') }, { path: 'run.sh', contents: Buffer.from('#!'), mode: 0o100755 }],
      root,
    });
    const unpacked = await unpackPackageTarball(result.tarball!);
    assert.deepEqual(
      unpacked.contents!.map(({ path, type, mode, linkname }) => [path, type, mode.toString(8), linkname]),
      [
        ['link', 'symlink', '120777', 'lib/a.ex'],
        ['lib/same-dir', 'symlink', '120777', 'a.ex'],
        ['dangling', 'symlink', '120777', 'missing'],
        ['gen.ex', 'file', '100644', undefined],
        ['run.sh', 'file', '100755', undefined],
      ],
    );
  });

  test('reports the names tar readers will not read back: a 156-byte directory part, a one-byte-short PAX length', async (t) => {
    const root = tempDir();
    t.after(() => removeDir(root));
    const long = `${'a'.repeat(100)}/${'b'.repeat(55)}`;
    mkdirSync(join(root, long, 'empty'), { recursive: true });
    symlinkSync(`${'t'.repeat(85)}é`, join(root, 'link'));
    const result = await createPackageTarball({
      metadataConfig: META,
      files: [{ path: `${long}/empty` }, { path: 'link' }, { path: `${long}/n.txt`, contents: Buffer.from('n') }, { path: 'plain.txt', contents: Buffer.from('p') }],
      root,
    });
    assert.deepEqual(result.nameQuirks, [
      { path: `${long}/empty`, kind: 'shortened', readAs: `${long.slice(0, -1)}/empty` },
      { path: 'link', kind: 'pax-length', field: 'linkpath' },
      { path: `${long}/n.txt`, kind: 'shortened', readAs: `${long.slice(0, -1)}/n.txt` },
    ]);
    const unpacked = await unpackPackageTarball(result.tarball!);
    assert.deepEqual(unpacked.contents!.map((e) => e.path), [`${long.slice(0, -1)}/empty`, 'link', `${long.slice(0, -1)}/n.txt`, 'plain.txt']);
  });

  test('refuses paths that are absolute, climb out of the root or name a drive', async () => {
    for (const path of ['/etc/passwd', '../outside', 'lib/../../outside', '\\windows', 'C:autoexec.bat', 'lib\\..\\..\\x']) {
      await rejectsWith(createPackageTarball({ metadataConfig: META, files: [{ path, contents: Buffer.from('x') }], root: '.' }), 'unsafe_path', `unsafe path in tarball: ${path}`);
      await rejectsWith(createPackageTarball({ metadataConfig: META, files: [{ path }], root: '.' }), 'unsafe_path', `unsafe path in tarball: ${path}`);
    }
    const ok = await createPackageTarball({ metadataConfig: META, files: [{ path: 'lib/../x', contents: Buffer.from('x') }], root: '.' });
    assert.equal(ok.size, 5120);
  });

  test('refuses symlinks that lead out of the root, directly or through other links', async (t) => {
    const base = tempDir();
    t.after(() => removeDir(base));
    const root = join(base, 'project');
    mkdirSync(join(root, 'lib'), { recursive: true });
    mkdirSync(join(base, 'elsewhere'));
    writeFileSync(join(base, 'elsewhere/secret.ex'), 'secret');
    symlinkSync('../outside', join(root, 'up'));
    symlinkSync('/etc/passwd', join(root, 'absolute'));
    symlinkSync('../../x', join(root, 'lib/deep'));
    symlinkSync('up-chain', join(root, 'chain'));
    symlinkSync('../elsewhere/x', join(root, 'up-chain'));
    symlinkSync('../elsewhere', join(root, 'vendor'));
    symlinkSync('loop-b', join(root, 'loop-a'));
    symlinkSync('loop-a', join(root, 'loop-b'));

    const build = (path: string) => createPackageTarball({ metadataConfig: META, files: [{ path }], root });
    await rejectsWith(build('up'), 'unsafe_symlink', 'unsafe symlink in tarball: up -> ../outside');
    await rejectsWith(build('absolute'), 'unsafe_symlink', 'unsafe symlink in tarball: absolute -> /etc/passwd');
    await rejectsWith(build('lib/deep'), 'unsafe_symlink', 'unsafe symlink in tarball: lib/deep -> ../../x');
    // Each link looks harmless on its own; following them leaves the root.
    await rejectsWith(build('chain'), 'unsafe_path', 'unsafe path in tarball: chain');
    await rejectsWith(build('vendor/secret.ex'), 'unsafe_path', 'unsafe path in tarball: vendor/secret.ex');
    await rejectsWith(build('loop-a'), 'unsafe_path', 'unsafe path in tarball: loop-a');
  });

  test('refuses fifos and devices, and files it cannot read', async (t) => {
    const root = tempDir();
    t.after(() => removeDir(root));
    await rejectsWith(createPackageTarball({ metadataConfig: META, files: [{ path: 'nope.ex' }], root }), 'file_error', 'cannot read nope.ex: ENOENT');
    const mkfifo = spawnSync('mkfifo', [join(root, 'pipe')]);
    if (mkfifo.status !== 0) return t.skip('mkfifo is not available');
    await rejectsWith(createPackageTarball({ metadataConfig: META, files: [{ path: 'pipe' }], root }), 'unsupported_file_type', 'unsupported file type in tarball: pipe (other)');
    await rejectsWith(createPackageTarball({ metadataConfig: META, files: [{ path: 'null' }], root: '/dev' }), 'unsupported_file_type', 'unsupported file type in tarball: null (device)');
  });

  test('reads large files in chunks and archives them exactly', async (t) => {
    const root = tempDir();
    t.after(() => removeDir(root));
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(root, 'big.bin'), data);
    const result = await createPackageTarball({ metadataConfig: META, files: [{ path: 'big.bin' }], root });
    const unpacked = await unpackPackageTarball(result.tarball!);
    assert.deepEqual(unpacked.contents![0]!.data, data);
  });
});

describe('limits', () => {
  test('metadata.config over 1 MiB', async () => {
    await rejectsWith(createPackageTarball({ metadataConfig: Buffer.alloc(1024 * 1024 + 1, 0x20), files: [], root: '.' }), 'file_too_big', 'file too big: metadata.config');
  });

  test('the uncompressed contents over 128 MiB fail before anything is read', async (t) => {
    const root = tempDir();
    t.after(() => removeDir(root));
    // A sparse file: its size is all that is looked at.
    writeFileSync(join(root, 'huge.bin'), '');
    truncateSync(join(root, 'huge.bin'), 128 * 1024 * 1024);
    const output = join(root, 'out.tar');
    await rejectsWith(
      createPackageTarball({ metadataConfig: META, files: [{ path: 'huge.bin' }], root, output }),
      'too_big_uncompressed',
      'package exceeds max uncompressed size 134.217728 MB',
    );
    assert.deepEqual(readdirSync(root), ['huge.bin'], 'no output and no temporary file');
  });

  test('the outer tarball over 16 MiB', async (t) => {
    const root = tempDir();
    t.after(() => removeDir(root));
    writeFileSync(join(root, 'noise.bin'), randomBytes(17 * 1024 * 1024));
    await rejectsWith(
      createPackageTarball({ metadataConfig: META, files: [{ path: 'noise.bin' }], root, output: join(root, 'out.tar') }),
      'too_big_compressed',
      'package exceeds max compressed size 16.777216 MB',
    );
    assert.deepEqual(readdirSync(root), ['noise.bin']);
  });

  test('custom limits are checked exactly: a tarball of exactly the maximum passes', async () => {
    const files = [{ path: 'a', contents: Buffer.from('x') }];
    const exact = await createPackageTarball({ metadataConfig: META, files, root: '.', limits: { maxSize: 5120, maxUncompressedSize: 2048 } });
    assert.equal(exact.size, 5120);
    await rejectsWith(createPackageTarball({ metadataConfig: META, files, root: '.', limits: { maxSize: 5119 } }), 'too_big_compressed', 'package exceeds max compressed size 0.005119 MB');
    await rejectsWith(createPackageTarball({ metadataConfig: META, files, root: '.', limits: { maxUncompressedSize: 2047 } }), 'too_big_uncompressed', 'package exceeds max uncompressed size 0.002047 MB');
    await rejectsWith(createPackageTarball({ metadataConfig: META, files, root: '.', limits: { maxUncompressedSize: 1_000_000 - 1, maxSize: 1000 } }), 'too_big_compressed', 'package exceeds max compressed size 0.001 MB');
  });

  test('the contents.tar.gz is a plain gzip of the inner tar', async () => {
    const result = await createPackageTarball({ metadataConfig: META, files: [{ path: 'a.txt', contents: Buffer.from('hello') }], root: '.' });
    const { entries } = await readWithNodeTar(result.tarball!);
    assert.deepEqual(entries.map((e) => e.path), ['VERSION', 'CHECKSUM', 'metadata.config', 'contents.tar.gz']);
    assert.ok(entries.every((e) => e.mode === 0o100644));
    assert.equal(entries[0]!.data.toString(), '3');
    assert.equal(entries[1]!.data.toString(), result.innerChecksum);
    const inner = await readWithNodeTar(gunzipSync(entries[3]!.data));
    assert.deepEqual(inner.entries.map((e) => [e.path, e.data.toString()]), [['a.txt', 'hello']]);
  });
});
