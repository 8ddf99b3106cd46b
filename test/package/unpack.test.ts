import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { gzip } from '../../src/package/tar/gzip.js';
import { encodeHeader, type TarEntry } from '../../src/package/tar/ustar.js';
import { createPackageTarball } from '../../src/package/tarball.js';
import { unpackPackageTarball } from '../../src/package/unpack.js';
import { builtCaseNames, loadBuiltCase } from '../helpers/corpus.js';
import { buildTar, fileEntry, rejectsWith, removeDir, tempDir } from './tarball-helpers.js';

const META = Buffer.from('{<<"name">>,<<"foo">>}.\n{<<"version">>,<<"1.0.0">>}.\n');
const bin = (text: string) => new TextEncoder().encode(text);
const checksumOf = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').toUpperCase();
};

/** An outer tarball with exactly the given members, CHECKSUM computed unless given. */
function outer(members: { version?: string; checksum?: string; metadata?: Buffer; contents?: Buffer; extra?: Array<[string, Buffer]> }): Buffer {
  const version = Buffer.from(members.version ?? '3');
  const metadata = members.metadata ?? META;
  const contents = members.contents ?? gzip(buildTar([fileEntry('a.txt', 'a')]));
  const checksum = members.checksum ?? checksumOf(version, metadata, contents);
  return buildTar([
    fileEntry('VERSION', version),
    fileEntry('CHECKSUM', checksum),
    fileEntry('metadata.config', metadata),
    fileEntry('contents.tar.gz', contents),
    ...(members.extra ?? []).map(([name, data]) => fileEntry(name, data)),
  ]);
}

const withContents = (entries: Array<{ entry: TarEntry; data?: Uint8Array }>) => outer({ contents: gzip(buildTar(entries)) });

describe('reading real tarballs', () => {
  for (const name of builtCaseNames()) {
    test(`${name}: members, checksums and every inner entry`, async () => {
      const c = loadBuiltCase(name);
      const result = await unpackPackageTarball(c.tarball);
      assert.equal(result.version, '3');
      assert.equal(result.outerChecksum, c.outerSha256);
      assert.equal(result.innerChecksum, c.innerChecksum);
      assert.deepEqual(result.metadataConfig, c.metadataConfig);
      assert.ok(result.metadata.length >= 8);
      const keys = result.metadata.map(([key]) => Buffer.from(key as Uint8Array).toString());
      assert.ok(keys.includes('name') && keys.includes('version') && keys.includes('files'));
      assert.deepEqual(
        result.contents!.map((e) => [e.type, e.mode.toString(8).padStart(7, '0'), String(e.size), e.path]),
        c.listing.map(([, type, mode, size, path]) => [{ '0': 'file', '5': 'directory', '2': 'symlink' }[type!], mode, size, path!.replace(/\/$/, '')]),
      );
      for (const entry of result.contents!) {
        if (entry.type === 'file') assert.deepEqual(entry.data, readFileSync(join(c.projectDir, entry.path)), entry.path);
      }
    });
  }

  test('reads from a file path, and `none` skips the contents', async (t) => {
    const dir = tempDir();
    t.after(() => removeDir(dir));
    const c = loadBuiltCase('long_and_unicode_paths');
    writeFileSync(join(dir, c.tarballName), c.tarball);
    const result = await unpackPackageTarball(join(dir, c.tarballName), { output: 'none' });
    assert.equal(result.outerChecksum, c.outerSha256);
    assert.equal(result.contents, undefined);
    assert.ok(result.metadata.every(([key]) => key instanceof Uint8Array));
    await rejectsWith(unpackPackageTarball(join(dir, 'missing.tar')), 'file_error', `cannot read ${join(dir, 'missing.tar')}: ENOENT`);
  });

  test('round trips what createPackageTarball writes', async () => {
    const created = await createPackageTarball({
      metadataConfig: META,
      files: [
        { path: 'lib/a.ex', contents: Buffer.from('a') },
        { path: `deep/${'d'.repeat(120)}/b.ex`, contents: Buffer.from('b') },
        { path: 'ünï/cödé.ex', contents: Buffer.from('c') },
      ],
      root: '.',
    });
    const result = await unpackPackageTarball(created.tarball!);
    assert.equal(result.outerChecksum, created.outerChecksum);
    assert.equal(result.innerChecksum, created.innerChecksum);
    assert.deepEqual(result.contents!.map((e) => [e.path, e.data!.toString()]), [
      ['lib/a.ex', 'a'],
      [`deep/${'d'.repeat(120)}/b.ex`, 'b'],
      ['ünï/cödé.ex', 'c'],
    ]);
    assert.deepEqual(result.metadata, [
      [bin('name'), bin('foo')],
      [bin('version'), bin('1.0.0')],
    ]);
  });
});

describe('extracting to a directory', () => {
  test('writes files with their modes, empty dirs, symlinks and hex_metadata.config', async (t) => {
    const dir = tempDir();
    t.after(() => removeDir(dir));
    const tarball = withContents([
      fileEntry('lib/a.ex', 'a'),
      fileEntry('bin/run.sh', '#!/bin/sh\n', 0o100755),
      { entry: { name: 'priv/cache/', mode: 0o40700, size: 0, type: 'directory' } },
      { entry: { name: 'lib/link', mode: 0o120777, size: 0, type: 'symlink', linkname: 'a.ex' } },
      fileEntry('setuid', 'x', 0o104755),
    ]);
    const destination = join(dir, 'out', 'foo-1.0.0');
    const result = await unpackPackageTarball(tarball, { output: { directory: destination } });
    assert.deepEqual(result.contents!.map((e) => e.path), ['lib/a.ex', 'bin/run.sh', 'priv/cache', 'lib/link', 'setuid']);
    assert.ok(result.contents!.every((e) => e.data === undefined));
    assert.equal(readFileSync(join(destination, 'lib/a.ex'), 'utf8'), 'a');
    assert.equal(statSync(join(destination, 'bin/run.sh')).mode & 0o7777, 0o755);
    assert.equal(statSync(join(destination, 'lib/a.ex')).mode & 0o7777, 0o644);
    assert.equal(statSync(join(destination, 'priv/cache')).mode & 0o7777, 0o700);
    assert.equal(statSync(join(destination, 'setuid')).mode & 0o7777, 0o755, 'no setuid bit');
    assert.equal(readlinkSync(join(destination, 'lib/link')), 'a.ex');
    assert.deepEqual(readFileSync(join(destination, 'hex_metadata.config')), META);
    assert.deepEqual(readdirSync(join(dir, 'out')), ['foo-1.0.0'], 'no temporary directory left');
  });

  test('extracts a real tarball into an existing empty directory', async (t) => {
    const dir = tempDir();
    t.after(() => removeDir(dir));
    const c = loadBuiltCase('explicit_files_globs');
    await unpackPackageTarball(c.tarball, { output: { directory: dir } });
    for (const [, type, , , path] of c.listing) {
      const stats = lstatSync(join(dir, path!));
      assert.equal(type === '5' ? stats.isDirectory() : stats.isFile(), true, path);
    }
    assert.deepEqual(readdirSync(join(dir, 'priv/cache')), []);
    assert.deepEqual(readFileSync(join(dir, 'hex_metadata.config')), c.metadataConfig);
  });

  test('refuses a non-empty destination before writing anything', async (t) => {
    const dir = tempDir();
    t.after(() => removeDir(dir));
    writeFileSync(join(dir, 'keep'), 'k');
    await rejectsWith(unpackPackageTarball(withContents([fileEntry('a', 'a')]), { output: { directory: dir } }), 'file_error', /it already exists/);
    assert.deepEqual(readdirSync(dir), ['keep']);
  });

  test('a failure half way leaves nothing behind', async (t) => {
    const dir = tempDir();
    t.after(() => removeDir(dir));
    const tarball = withContents([fileEntry('lib/a.ex', 'a'), fileEntry('lib/b.ex', 'b'), fileEntry('../evil', 'x')]);
    await rejectsWith(unpackPackageTarball(tarball, { output: { directory: join(dir, 'pkg') } }), 'unsafe_path', 'unsafe path in tarball: ../evil');
    assert.deepEqual(readdirSync(dir), []);
  });

  test('never writes through a symlink: links are made last, and not inside other links', async (t) => {
    const dir = tempDir();
    t.after(() => removeDir(dir));
    // Each target stays inside the root when read on its own; x/y/z would land at the root's parent.
    const chain = withContents([
      { entry: { name: 'x/y', mode: 0o120777, size: 0, type: 'symlink', linkname: '..' } },
      { entry: { name: 'x/y/z', mode: 0o120777, size: 0, type: 'symlink', linkname: '..' } },
    ]);
    await rejectsWith(unpackPackageTarball(chain, { output: { directory: join(dir, 'a') } }), 'unsafe_symlink', 'unsafe symlink in tarball: x/y/z -> ..');
    assert.deepEqual(readdirSync(dir), []);

    // A link followed by a file under the same name: the file lands in a real directory.
    const shadow = withContents([
      { entry: { name: 'lib', mode: 0o120777, size: 0, type: 'symlink', linkname: 'other' } },
      fileEntry('lib/a.ex', 'a'),
    ]);
    const destination = join(dir, 'b');
    await unpackPackageTarball(shadow, { output: { directory: destination } });
    assert.ok(lstatSync(join(destination, 'lib')).isDirectory());
    assert.equal(existsSync(join(destination, 'other')), false);
  });
});

describe('bad tarballs', () => {
  test('outer structure', async () => {
    await rejectsWith(unpackPackageTarball(Buffer.from('badtar')), 'tar', 'tarball error, Unexpected end of file');
    await rejectsWith(unpackPackageTarball(buildTar([])), 'empty', 'empty tarball');
    await rejectsWith(
      unpackPackageTarball(buildTar([fileEntry('metadata.config', ''), fileEntry('contents.tar.gz', '')])),
      'missing_files',
      'missing files: ["VERSION","CHECKSUM"]',
    );
    await rejectsWith(unpackPackageTarball(outer({ extra: [['extra.txt', Buffer.from('x')]] })), 'invalid_files', 'invalid files: ["extra.txt"]');
    await rejectsWith(unpackPackageTarball(outer({ version: '2' })), 'bad_version', 'unsupported version: <<"2">>');
    await rejectsWith(unpackPackageTarball(outer({ version: '\x01' })), 'bad_version', 'unsupported version: <<1>>');
  });

  test('member and tarball sizes', async () => {
    await rejectsWith(unpackPackageTarball(outer({ version: '3'.repeat(33) })), 'file_too_big', 'file too big: VERSION');
    await rejectsWith(unpackPackageTarball(outer({ checksum: 'A'.repeat(129) })), 'file_too_big', 'file too big: CHECKSUM');
    await rejectsWith(unpackPackageTarball(outer({ metadata: Buffer.alloc(1024 * 1024 + 1, 0x20) })), 'file_too_big', 'file too big: metadata.config');
    const tarball = outer({});
    await rejectsWith(unpackPackageTarball(tarball, { limits: { maxSize: tarball.length - 1 } }), 'too_big_compressed', /^package exceeds max compressed size/);
    await rejectsWith(unpackPackageTarball(Buffer.alloc(16 * 1024 * 1024 + 1)), 'too_big_compressed', 'package exceeds max compressed size 16.777216 MB');
  });

  test('the inner checksum', async () => {
    await rejectsWith(unpackPackageTarball(outer({ checksum: 'bad' })), 'invalid_checksum', 'invalid tarball checksum');
    await rejectsWith(unpackPackageTarball(outer({ checksum: 'Z'.repeat(64) })), 'invalid_checksum', 'invalid tarball checksum');
    const wrong = 'A'.repeat(64);
    await rejectsWith(unpackPackageTarball(outer({ checksum: wrong })), 'checksum_mismatch', new RegExp(`^inner checksum mismatch: CHECKSUM is ${wrong} but the contents give [0-9A-F]{64}$`));
    const contents = gzip(buildTar([fileEntry('a.txt', 'a')]));
    const lower = checksumOf(Buffer.from('3'), META, contents).toLowerCase();
    const result = await unpackPackageTarball(outer({ checksum: lower, contents }));
    assert.equal(result.innerChecksum, lower.toUpperCase());
  });

  test('hex_tarball_SUITE: checksums pass and the contents are bad', async () => {
    await rejectsWith(
      unpackPackageTarball(outer({ contents: Buffer.from('badgzip'), checksum: 'C01D8E226CE736680D2D402E5A32A53D6C0DCEA47A773F77A30EE361416FF5BA' })),
      'inner_tar',
      /^inner tarball error, invalid gzip data/,
    );
    await rejectsWith(
      unpackPackageTarball(outer({ contents: gzip(Buffer.from('badtar')), checksum: '1D87B5FFDA2480FC41F282A722FDAE60661349D47E7E084E93190BC242BB4D9C' })),
      'inner_tar',
      'inner tarball error, Unexpected end of file',
    );
    await rejectsWith(
      unpackPackageTarball(outer({ metadata: Buffer.from('ok $') })),
      'metadata',
      /^error reading package metadata: /,
    );
  });

  test('metadata that is not a list of {Key, Value}', async () => {
    await rejectsWith(unpackPackageTarball(outer({ metadata: Buffer.alloc(0) })), 'metadata', 'error reading package metadata: invalid terms');
    await rejectsWith(unpackPackageTarball(outer({ metadata: Buffer.from('ok.\n') })), 'metadata', 'error reading package metadata: not in key-value format');
  });

  test('unsafe inner paths and symlinks', async () => {
    for (const name of ['../evil', '/etc/passwd', 'a/../../evil', 'C:evil', '\\evil', 'lib\\..\\..\\evil']) {
      await rejectsWith(unpackPackageTarball(withContents([fileEntry(name, 'x')])), 'unsafe_path', `unsafe path in tarball: ${name}`);
    }
    await rejectsWith(
      unpackPackageTarball(withContents([{ entry: { name: '../d/', mode: 0o40755, size: 0, type: 'directory' } }])),
      'unsafe_path',
      'unsafe path in tarball: ../d/',
    );
    for (const [name, target] of [['link', '../../x'], ['lib/link', '../../x'], ['abs', '/etc/passwd'], ['drive', 'C:\\x']]) {
      await rejectsWith(
        unpackPackageTarball(withContents([{ entry: { name: name!, mode: 0o120777, size: 0, type: 'symlink', linkname: target } }])),
        'unsafe_symlink',
        `unsafe symlink in tarball: ${name} -> ${target}`,
      );
    }
    const fine = await unpackPackageTarball(withContents([{ entry: { name: 'lib/link', mode: 0o120777, size: 0, type: 'symlink', linkname: '../mix.exs' } }, fileEntry('a/../b', 'b')]));
    assert.deepEqual(fine.contents!.map((e) => e.path), ['lib/link', 'a/../b']);
  });

  test('a gzip bomb stops at the uncompressed limit', async () => {
    // A header announcing 129 MiB, then 129 gzip members of 1 MiB of zeros: 130 KB in all.
    const header = encodeHeader({ name: 'bomb', mode: 0o100644, size: 129 * 1024 * 1024, type: 'file' });
    const zeros = gzipSync(Buffer.alloc(1024 * 1024));
    const bomb = Buffer.concat([gzipSync(header), ...Array.from({ length: 129 }, () => zeros)]);
    assert.ok(bomb.length < 200_000);
    await rejectsWith(unpackPackageTarball(outer({ contents: bomb })), 'too_big_uncompressed', 'package exceeds max uncompressed size 134.217728 MB');
    // Stopped at the header, before its data was inflated: the same bomb with broken gzip after its
    // second MiB of data gives the same error. Inflating goes no further than what the tar reader
    // takes (a chunk or two of 64 KiB), so the broken member is never reached; a reader that
    // inflated the data before checking the size would fail on it, as 'inner_tar'.
    const broken = Buffer.from(zeros);
    broken.fill(0xff, 10, 40);
    const brokenBomb = Buffer.concat([gzipSync(header), zeros, zeros, broken, ...Array.from({ length: 126 }, () => zeros)]);
    await rejectsWith(unpackPackageTarball(outer({ contents: brokenBomb })), 'too_big_uncompressed', 'package exceeds max uncompressed size 134.217728 MB');
    // The broken member is met when the data is read: a header announcing 3 MiB reaches it.
    const honest = encodeHeader({ name: 'bomb', mode: 0o100644, size: 3 * 1024 * 1024, type: 'file' });
    await rejectsWith(
      unpackPackageTarball(outer({ contents: Buffer.concat([gzipSync(honest), zeros, zeros, broken, zeros]) })),
      'inner_tar',
      /^inner tarball error, invalid gzip data/,
    );

    // Headers alone count too: 300 empty files are 150 KiB of tar once inflated.
    const headers = gzip(buildTar(Array.from({ length: 300 }, (_, i) => fileEntry(`f${i}`, ''))));
    await rejectsWith(
      unpackPackageTarball(outer({ contents: headers }), { limits: { maxUncompressedSize: 64 * 1024 } }),
      'too_big_uncompressed',
      'package exceeds max uncompressed size 0.065536 MB',
    );
    const fits = await unpackPackageTarball(outer({ contents: headers }), { limits: { maxUncompressedSize: 300 * 512 + 1024 } });
    assert.equal(fits.contents!.length, 300);
  });

  test('truncated data', async () => {
    const tarball = outer({});
    await rejectsWith(unpackPackageTarball(tarball.subarray(0, 1536 + 100)), 'tar', 'tarball error, Unexpected end of file');
    await rejectsWith(unpackPackageTarball(tarball.subarray(0, 512 * 8)), 'tar', 'tarball error, Unexpected end of file');
    const contents = gzip(buildTar([fileEntry('a.txt', 'x'.repeat(5000))]));
    await rejectsWith(unpackPackageTarball(outer({ contents: contents.subarray(0, contents.length - 10) })), 'inner_tar', 'inner tarball error, Unexpected end of file');
    const innerTar = buildTar([fileEntry('a.txt', 'x'.repeat(5000))]);
    await rejectsWith(unpackPackageTarball(outer({ contents: gzip(innerTar.subarray(0, 2048)) })), 'inner_tar', 'inner tarball error, Unexpected end of file');
  });

  test('a bad header checksum and a bad end of archive', async () => {
    const tarball = Buffer.from(outer({}));
    tarball[0] = 'W'.charCodeAt(0);
    await rejectsWith(unpackPackageTarball(tarball), 'tar', 'tarball error, Unrecognized tar header format: bad header checksum');
    const innerTar = buildTar([fileEntry('a.txt', 'a')]);
    innerTar[innerTar.length - 1] = 1;
    await rejectsWith(unpackPackageTarball(outer({ contents: gzip(innerTar) })), 'inner_tar', 'inner tarball error, Invalid end of archive');
  });

  test('huge and malformed PAX records', async () => {
    const pax = (size: number, data: Buffer) => {
      const header = buildTar([fileEntry('PaxHeaders.0/a', Buffer.alloc(0))]).subarray(0, 512);
      header.write('x', 156, 'latin1');
      header.write(size.toString(8).padStart(11, '0'), 124, 'latin1');
      header.fill(0x20, 148, 156);
      let sum = 0;
      for (const b of header) sum += b;
      header.write(`${sum.toString(8).padStart(7, '0')}\0`, 148, 'latin1');
      const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
      data.copy(padded);
      return Buffer.concat([header, padded, buildTar([fileEntry('a', 'a')])]);
    };
    await rejectsWith(
      unpackPackageTarball(outer({ contents: gzip(pax(10 * 1024 * 1024, Buffer.alloc(0))) })),
      'inner_tar',
      'inner tarball error, extended header too large (10485760 bytes)',
    );
    const garbage = Buffer.from('not a record');
    await rejectsWith(unpackPackageTarball(outer({ contents: gzip(pax(garbage.length, garbage)) })), 'inner_tar', 'inner tarball error, malformed PAX record');
    const good = Buffer.from('16 path=renamed\n');
    const renamed = await unpackPackageTarball(outer({ contents: gzip(pax(good.length, good)) }));
    assert.deepEqual(renamed.contents!.map((e) => e.path), ['renamed']);
  });

  test('extra entry types are skipped, not extracted', async () => {
    const tar = buildTar([fileEntry('hard', ''), fileEntry('a', 'a')]);
    tar.write('1', 156, 'latin1');
    tar.write('target', 157, 'latin1');
    tar.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of tar.subarray(0, 512)) sum += b;
    tar.write(`${sum.toString(8).padStart(7, '0')}\0`, 148, 'latin1');
    const result = await unpackPackageTarball(outer({ contents: gzip(tar) }));
    assert.deepEqual(result.contents!.map((e) => e.path), ['a']);
  });
});
