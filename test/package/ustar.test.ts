import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { readTar, type TarReadEntry } from '../../src/package/tar/reader.js';
import { BLOCK_SIZE, encodeHeader, nameQuirks, type TarEntry } from '../../src/package/tar/ustar.js';
import { loadBuiltCase } from '../helpers/corpus.js';
import { buildTar, fileEntry, readWithNodeTar } from './tarball-helpers.js';

const field = (block: Buffer, offset: number, length: number) => block.toString('latin1', offset, offset + length);
const nul = (n: number) => '\0'.repeat(n);

// Independent of the writer: the sum of all bytes with the checksum field as spaces.
function expectedChecksum(block: Buffer): string {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return `${sum.toString(8).padStart(7, '0')}\0`;
}

const file = (name: string, size = 0, mode = 0o100644): TarEntry => ({ name, mode, size, type: 'file' });

describe('ustar header encoding', () => {
  test('matches the headers hex_erl_tar wrote in a real mix hex.build tarball', () => {
    const tiny = loadBuiltCase('ref_tiny').tarball;
    assert.deepEqual(encodeHeader(file('VERSION', 1)), tiny.subarray(0, 512));
    assert.deepEqual(encodeHeader(file('CHECKSUM', 64)), tiny.subarray(1024, 1536));
    assert.deepEqual(encodeHeader(file('metadata.config', 407)), tiny.subarray(2048, 2560));
  });

  test('writes every field the erl_tar way', () => {
    const block = encodeHeader(file('src/foo.erl', 13));
    assert.equal(block.length, 512);
    assert.equal(field(block, 0, 100), 'src/foo.erl' + nul(89));
    assert.equal(field(block, 100, 8), '0100644\0');
    assert.equal(field(block, 108, 8), '0000000\0');
    assert.equal(field(block, 116, 8), '0000000\0');
    assert.equal(field(block, 124, 12), '00000000015\0');
    assert.equal(field(block, 136, 12), '07033241600\0');
    assert.equal(field(block, 148, 8), expectedChecksum(block));
    assert.equal(field(block, 156, 1), '0');
    assert.equal(field(block, 157, 100), nul(100));
    assert.equal(field(block, 257, 8), 'ustar\x0000');
    assert.equal(field(block, 265, 64), nul(64));
    assert.equal(field(block, 329, 8), '0000000\0');
    assert.equal(field(block, 337, 8), '0000000\0');
    assert.equal(field(block, 345, 167), nul(167));
  });

  test('directories and symlinks keep their full st_mode and have no data', () => {
    const dir = encodeHeader({ name: 'empty/', mode: 0o40755, size: 0, type: 'directory' });
    assert.equal(field(dir, 0, 7), 'empty/\0');
    assert.equal(field(dir, 100, 8), '0040755\0');
    assert.equal(field(dir, 156, 1), '5');
    const link = encodeHeader({ name: 'a', mode: 0o120777, size: 0, type: 'symlink', linkname: '../b' });
    assert.equal(field(link, 100, 8), '0120777\0');
    assert.equal(field(link, 124, 12), '00000000000\0');
    assert.equal(field(link, 156, 1), '2');
    assert.equal(field(link, 157, 5), '../b\0');
    assert.equal(field(link, 148, 8), expectedChecksum(link));
  });

  test('a name of exactly 100 characters fills the field without a NUL', () => {
    const name = `${'d'.repeat(49)}/${'f'.repeat(50)}`;
    const block = encodeHeader(file(name));
    assert.equal(block.length, 512);
    assert.equal(field(block, 0, 100), name);
    assert.equal(field(block, 345, 155), nul(155));
  });

  test('a longer ASCII name is split at the last slash into prefix and name', () => {
    const name = `${'a'.repeat(40)}/${'b'.repeat(40)}/${'c'.repeat(30)}.txt`;
    const block = encodeHeader(file(name));
    assert.equal(block.length, 512, 'no PAX entry');
    assert.equal(field(block, 0, 35), `${'c'.repeat(30)}.txt\0`);
    assert.equal(field(block, 345, 82), `${'a'.repeat(40)}/${'b'.repeat(40)}\0`);
  });

  test('reproduces the corpus 108-byte path split', () => {
    const name = 'priv/assets/third_party/chartkit-2.4.1/dist/esm/components/legend/horizontal/legend-horizontal-layout.min.js';
    const block = encodeHeader(file(name, 88));
    const tarball = loadBuiltCase('long_and_unicode_paths');
    assert.equal(tarball.listing[1]![4], name);
    assert.equal(field(block, 0, 32), 'legend-horizontal-layout.min.js\0');
    assert.equal(field(block, 345, 77), 'priv/assets/third_party/chartkit-2.4.1/dist/esm/components/legend/horizontal\0');
  });

  test('a prefix of exactly 155 bytes is used; one of 156 is written whole, its last byte after the field', () => {
    const ok = encodeHeader(file(`${'p'.repeat(77)}/${'q'.repeat(77)}/n.txt`));
    assert.equal(ok.length, 512);
    assert.equal(field(ok, 345, 155), `${'p'.repeat(77)}/${'q'.repeat(77)}`);
    assert.equal(ok[500], 0);
    // erl_tar checks len(part) + len(prefix) <= 155 without the joining slash.
    const quirk = encodeHeader(file(`${'p'.repeat(78)}/${'q'.repeat(77)}/n.txt`));
    assert.equal(quirk.length, 512, 'no PAX entry');
    assert.equal(field(quirk, 0, 6), 'n.txt\0');
    assert.equal(field(quirk, 345, 156), `${'p'.repeat(78)}/${'q'.repeat(77)}`);
    assert.equal(field(quirk, 501, 11), nul(11));
    assert.equal(field(quirk, 148, 8), expectedChecksum(quirk), 'the byte in the padding is summed too');
  });

  test('names the split cannot hold go to a PAX path record', () => {
    for (const name of [
      `${'a'.repeat(50)}/${'b'.repeat(50)}/${'c'.repeat(56)}/n`, // prefix would reach 157
      `${'p'.repeat(156)}/n`, // first component over 155
      `dir/${'n'.repeat(100)}`, // last component of 100
      'x'.repeat(101), // a single component
    ]) {
      const out = encodeHeader(file(name));
      assert.equal(out.length, 3 * 512, name);
      const header = out.subarray(out.length - 512);
      assert.equal(field(header, 0, 100), nul(100), 'name field left empty');
      assert.equal(field(header, 345, 155), nul(155));
      assert.equal(field(out, 156, 1), 'x');
      const record = `${name.length + 10} path=${name}\n`;
      assert.equal(field(out, 512, record.length), record);
    }
  });

  test('names the PAX header after the entry: dir/PaxHeaders.0/base, ASCII only, cut to 99', () => {
    const corpus = encodeHeader(file('priv/crème.txt', 49));
    assert.equal(field(corpus, 0, 27), 'priv/PaxHeaders.0/crme.txt\0');
    assert.equal(field(corpus, 100, 8), '0100644\0');
    assert.equal(field(corpus, 124, 12), '00000000030\0');
    assert.equal(field(corpus, 148, 8), expectedChecksum(corpus));
    assert.equal(corpus.subarray(512, 536).toString('utf8'), '24 path=priv/crème.txt\n');
    assert.equal(field(corpus, 1024, 100), nul(100));

    const top = encodeHeader(file('é.txt'));
    assert.equal(field(top, 0, 21), './PaxHeaders.0/.txt\0\0');

    const deep = encodeHeader(file(`${'d'.repeat(95)}/é`));
    assert.equal(field(deep, 0, 100), `${'d'.repeat(95)}/Pax\0`);

    const dir = encodeHeader({ name: 'a/b/ü/', mode: 0o40755, size: 0, type: 'directory' });
    assert.equal(field(dir, 0, 19), 'a/b//PaxHeaders.0/\0');
    assert.equal(dir.subarray(512, 529).toString('utf8'), '16 path=a/b/ü/\n\0');
  });

  test('long or non-ASCII link targets go to a PAX linkpath record, sorted before path', () => {
    const target = 't'.repeat(120);
    const out = encodeHeader({ name: 'löng', mode: 0o120777, size: 0, type: 'symlink', linkname: target });
    const records = `134 linkpath=${target}\n14 path=löng\n`;
    assert.equal(out.subarray(512, 512 + Buffer.byteLength(records)).toString('utf8'), records);
    const header = out.subarray(1024);
    assert.equal(field(header, 157, 100), nul(100));
    assert.equal(field(header, 0, 100), nul(100));
  });

  test('keeps erl_tar\'s PAX length quirk: a re-rendered record can still be one byte off', () => {
    // 88 code points, 91 bytes: guess 97, first rendering 100 bytes, second 101 bytes.
    const name = `${'a'.repeat(85)}ééé`;
    const out = encodeHeader(file(name));
    const data = out.subarray(512, 512 + 101).toString('utf8');
    assert.equal(data, `100 path=${name}\n`);
    assert.equal(Buffer.byteLength(data), 101);
    assert.equal(field(out, 124, 12), '00000000145\0', 'the PAX size is the real byte count');
  });

  test('the archive ends with exactly two zero blocks and no record padding', () => {
    const tar = buildTar([fileEntry('a', 'x')]);
    assert.equal(tar.length, 512 + 512 + 1024);
    assert.ok(tar.subarray(1024).every((b) => b === 0));
    assert.equal(tar[512], 0x78);
    assert.ok(tar.subarray(513, 1024).every((b) => b === 0));
  });
});

// ---- round trips through node-tar (independent) and our own reader ----

const segment = fc
  .oneof(
    fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/),
    fc.stringMatching(/^[a-z]{40,130}$/),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  )
  .filter((s) => s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0'));
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));
const perm = fc.integer({ min: 0, max: 0o7777 });
const shortTarget = fc.stringMatching(/^[A-Za-z0-9_./-]{1,100}$/);
const anyTarget = fc.oneof(shortTarget, path);

const entry = (target: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.record({ kind: fc.constant('file' as const), name: path, perm, data: fc.uint8Array({ maxLength: 1500 }) }),
    fc.record({ kind: fc.constant('directory' as const), name: path, perm }),
    fc.record({ kind: fc.constant('symlink' as const), name: path, target }),
  );
type Generated = { kind: 'file'; name: string; perm: number; data: Uint8Array } | { kind: 'directory'; name: string; perm: number } | { kind: 'symlink'; name: string; target: string };

function toTarEntry(g: Generated): { entry: TarEntry; data?: Uint8Array } {
  if (g.kind === 'file') return { entry: { name: g.name, mode: 0o100000 | g.perm, size: g.data.length, type: 'file' }, data: g.data };
  if (g.kind === 'directory') return { entry: { name: `${g.name}/`, mode: 0o40000 | g.perm, size: 0, type: 'directory' } };
  return { entry: { name: g.name, mode: 0o120777, size: 0, type: 'symlink', linkname: g.target } };
}

// The one case where erl_tar's own PAX length is wrong (see the quirk test above); readers
// that trust the length, like node-tar, then drop the record.
function paxLengthIsWrong(key: string, value: string): boolean {
  const n = key.length + [...value].length + 3;
  const guess = String(n).length + n;
  const first = Buffer.byteLength(`${guess} ${key}=${value}\n`);
  return first !== guess && Buffer.byteLength(`${first} ${key}=${value}\n`) !== first;
}

const strip = (name: string) => name.replace(/\/+$/, '');
// What readers take for the name: a 156-byte directory part loses its last byte.
const readName = (entry: TarEntry) => {
  const shortened = nameQuirks(entry).find((q) => q.kind === 'shortened');
  return shortened?.kind === 'shortened' ? shortened.readAs : strip(entry.name);
};
const landing = (name: string) => name.replace(/\/+/g, '/').replace(/\/$/, '');
const NODE_TAR_TYPES = { file: 'File', directory: 'Directory', symlink: 'SymbolicLink' };

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

async function readOwn(tar: Buffer) {
  const out: Array<TarReadEntry & { data: Buffer }> = [];
  await readTar(once(tar), async (e, body) => {
    out.push({ ...e, data: await body.read() });
  });
  return out;
}

describe('round trips', () => {
  test('node-tar reads back what the writer wrote: names, types, modes, sizes, data, links', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry(shortTarget), { minLength: 1, maxLength: 6 }), async (generated) => {
        const entries = generated.map(toTarEntry);
        const tar = buildTar(entries);
        fc.pre(!entries.some(({ entry }) => paxLengthIsWrong('path', entry.name)));
        // node-tar (like erl_tar's reader) splits PAX data on newlines, whatever LEN says.
        fc.pre(!entries.some(({ entry }) => entry.name.includes('\n')));
        const { entries: read, warnings } = await readWithNodeTar(tar);
        assert.deepEqual(warnings, []);
        assert.equal(read.length, entries.length);
        entries.forEach(({ entry, data }, i) => {
          const got = read[i]!;
          assert.equal(landing(got.path), landing(readName(entry)));
          assert.equal(got.type, NODE_TAR_TYPES[entry.type]);
          assert.equal(got.mode, entry.mode);
          assert.equal(got.size, entry.size);
          assert.deepEqual(got.data, Buffer.from(data ?? []));
          if (entry.type === 'symlink') assert.equal(got.linkpath, entry.linkname);
        });
      }),
      { numRuns: 1000, seed: 20240611 },
    );
  });

  test('our reader reads back everything, long and non-ASCII link targets and the PAX length quirk included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry(anyTarget), { minLength: 1, maxLength: 6 }), async (generated) => {
        const entries = generated.map(toTarEntry);
        const read = await readOwn(buildTar(entries));
        assert.equal(read.length, entries.length);
        entries.forEach(({ entry, data }, i) => {
          const got = read[i]!;
          assert.equal(landing(got.name), landing(readName(entry)));
          assert.equal(got.type, entry.type);
          assert.equal(got.mode, entry.mode);
          assert.equal(got.size, entry.size);
          assert.deepEqual(got.data, Buffer.from(data ?? []));
          assert.equal(got.linkname, entry.linkname ?? '');
        });
      }),
      { numRuns: 1000, seed: 7 },
    );
  });

  test('the quirky PAX record itself is read back by our reader', async () => {
    const name = `${'a'.repeat(85)}ééé`;
    const read = await readOwn(buildTar([fileEntry(name, 'data')]));
    assert.equal(read[0]!.name, name);
    assert.equal(read[0]!.data.toString(), 'data');
  });
});
