// Structured ways to break a Hex package tarball, for the fuzz suite: real tarballs split
// into their parts (outer tar members, the gzipped inner tar, its entries), edited at a
// chosen level, then put back together with every checksum that guards the level below
// recomputed, so that each edit reaches the reader code it aims at instead of being stopped
// by the first checksum check.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';

const BLOCK = 512;

/** One tar entry as raw bytes: its 512-byte header and its (unpadded) data. */
export interface RawEntry {
  header: Buffer;
  data: Buffer;
}

/** Splits a well-formed tar (as our writer makes them) into raw entries. */
export function splitTar(tar: Buffer): RawEntry[] {
  const entries: RawEntry[] = [];
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = Buffer.from(tar.subarray(at, at + BLOCK));
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    const typeflag = String.fromCharCode(header[156]!);
    const dataSize = typeflag === '5' || typeflag === '2' ? 0 : size;
    entries.push({ header, data: Buffer.from(tar.subarray(at + BLOCK, at + BLOCK + dataSize)) });
    at += BLOCK + Math.ceil(dataSize / BLOCK) * BLOCK;
  }
  return entries;
}

/** Raw entries back to a tar: data padded to whole blocks, then two zero blocks. */
export function joinTar(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const { header, data } of entries) {
    parts.push(header, data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/** Writes the header's checksum field for its current bytes (unsigned sum, spaces in the field). */
export function fixChecksum(header: Buffer): Buffer {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

/** A fresh ustar header; `fields` are raw byte values written at their offsets. */
export function header(fields: { name: string | Buffer; typeflag: string; size?: number; mode?: number; linkname?: string | Buffer }): Buffer {
  const block = Buffer.alloc(BLOCK);
  put(block, 'name', typeof fields.name === 'string' ? Buffer.from(fields.name) : fields.name);
  block.write((fields.mode ?? 0o644).toString(8).padStart(7, '0'), 100, 'latin1');
  block.write('0000000', 108, 'latin1');
  block.write('0000000', 116, 'latin1');
  block.write((fields.size ?? 0).toString(8).padStart(11, '0'), 124, 'latin1');
  block.write('07346545000', 136, 'latin1');
  block.write(fields.typeflag, 156, 'latin1');
  if (fields.linkname !== undefined) put(block, 'linkname', typeof fields.linkname === 'string' ? Buffer.from(fields.linkname) : fields.linkname);
  block.write('ustar\0' + '00', 257, 'latin1');
  return fixChecksum(block);
}

const FIELDS = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;
type FieldName = keyof typeof FIELDS;

/** Writes `value` into the field, cut to its width and NUL-filled after. */
export function put(header: Buffer, field: FieldName, value: Buffer): void {
  const [offset, width] = FIELDS[field];
  header.fill(0, offset, offset + width);
  value.copy(header, offset, 0, Math.min(width, value.length));
}

// --- a package tarball in parts ---

export interface PackageParts {
  version: Buffer;
  metadata: Buffer;
  /** The inner tar, uncompressed. */
  inner: Buffer;
}

const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').toUpperCase();
};

const member = (name: string, data: Buffer): RawEntry => ({ header: header({ name, typeflag: '0', size: data.length }), data });

export function packageParts(tarball: Buffer): PackageParts {
  const members = new Map(splitTar(tarball).map((e) => [e.header.toString('latin1', 0, 100).replace(/\0.*$/s, ''), e.data]));
  return { version: members.get('VERSION')!, metadata: members.get('metadata.config')!, inner: gunzipSync(members.get('contents.tar.gz')!) };
}

/** The outer tar of a package with these parts (`contents` is contents.tar.gz); its CHECKSUM always matches them. */
export function assemble(parts: { version: Buffer; metadata: Buffer; contents: Buffer }): Buffer {
  const checksum = Buffer.from(sha256(parts.version, parts.metadata, parts.contents));
  return joinTar([member('VERSION', parts.version), member('CHECKSUM', checksum), member('metadata.config', parts.metadata), member('contents.tar.gz', parts.contents)]);
}

export const gzip = (data: Buffer) => gzipSync(data, { level: 1 });

// --- hostile values ---

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
const octal = (digits: number) => fc.stringMatching(new RegExp(`^[0-7]{1,${digits}}$`)).map((s) => Buffer.from(s.padStart(digits, '0') + '\0'));

/** Values for a numeric field: good and bad octal, GNU base-256 (huge, negative), spaces, garbage. */
const numberField = (width: number): fc.Arbitrary<Buffer> =>
  fc.oneof(
    octal(width - 1),
    fc.constantFrom('8', '9', '-1', '0x10', '1e9', ' 7 7 ', '\0\0\0', '', '7'.repeat(width), '0'.repeat(width - 1) + '8').map((s) => Buffer.from(s)),
    fc.uint8Array({ minLength: width, maxLength: width }).map((a) => Buffer.from([0x80 | (a[0]! & 0x3f), ...a.slice(1)])),
    fc.uint8Array({ minLength: width, maxLength: width }).map((a) => Buffer.from([0xc0 | a[0]!, ...a.slice(1)])),
    fc.constant(Buffer.from([0x80, ...Buffer.alloc(width - 1, 0xff)])),
    bytes(width),
  );

/** Paths that must never be extracted as given: escapes, absolute and drive paths, bad UTF-8. */
const ESCAPES = [
  '../evil', '..', '/etc/passwd', 'a/../../evil', 'a/b/../../../evil', 'C:evil', 'c:\\evil', '\\evil', 'lib\\..\\..\\evil',
  './../evil', 'lib/./../../evil', '//evil', 'lib/../..', '.\\..\\evil',
];
const pathValue: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...ESCAPES, '', '.', './', 'lib', 'lib/', 'a/../b', 'mix.exs', 'lib/x.ex', 'é/ü', 'x'.repeat(100), 'x/'.repeat(50)).map((s) => Buffer.from(s)),
  fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0x61, 0xc3]), Buffer.from([0xed, 0xa0, 0x80])),
  bytes(100),
);

const typeflagValue: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', 'x', 'g', 'L', 'K', 'S', 'V', 'M', 'D', '\0').map((s) => Buffer.from(s, 'latin1')),
  fc.integer({ min: 0, max: 255 }).map((b) => Buffer.from([b])),
);

/** A value for any header field, hostile for its kind. */
export const fieldEdit: fc.Arbitrary<{ field: FieldName; value: Buffer }> = fc.oneof(
  fc.record({ field: fc.constantFrom<FieldName>('name', 'linkname', 'prefix'), value: pathValue }),
  fc.record({ field: fc.constantFrom<FieldName>('mode', 'uid', 'gid', 'devmajor', 'devminor'), value: numberField(8) }),
  fc.record({ field: fc.constantFrom<FieldName>('size', 'mtime'), value: numberField(12) }),
  fc.record({ field: fc.constant<FieldName>('checksum'), value: numberField(8) }),
  fc.record({ field: fc.constant<FieldName>('typeflag'), value: typeflagValue }),
  fc.record({ field: fc.constantFrom<FieldName>('magic', 'version'), value: fc.oneof(fc.constantFrom('ustar\0', 'ustar ', 'ustar  ', '\0\0\0\0\0\0', '00', ' \0').map((s) => Buffer.from(s)), bytes(6)) }),
);

/** PAX `x` records: well-formed, huge or negative lengths, lengths past the end, no newline, bad keys. */
const paxData: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(fc.constantFrom('path', 'linkpath', 'size', 'mtime', 'uid', 'comment', ''), fc.oneof(pathValue, fc.constantFrom('1', '-1', '99999999999999999999', '1e3', '0x10', '', ' ').map((s) => Buffer.from(s))))
    .map(([key, value]) => {
      const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
      let length = body.length + 1;
      while (String(length).length + body.length !== length) length = String(length).length + body.length;
      return Buffer.concat([Buffer.from(String(length)), body]);
    }),
  fc.tuple(fc.constantFrom('0', '-5', '1', '3', '99999999999999999999999', '9007199254740993', '18446744073709551616', 'NaN', 'x', '', '1 1', '+4'), fc.constantFrom(' path=a\n', ' size=1\n', ' path=a', 'path=a\n', ' =\n', ' path\n', ''))
    .map(([length, rest]) => Buffer.from(length + rest)),
  bytes(200),
  fc.nat({ max: 70_000 }).map((n) => Buffer.from(`${n + 12} comment=${'a'.repeat(n)}\n`)),
);

/** An extended header entry (PAX `x`/`g`, GNU `L`/`K`) carrying `data`; `size` may lie. */
export const extendedEntry: fc.Arbitrary<RawEntry> = fc
  .tuple(fc.constantFrom('x', 'g', 'L', 'K'), paxData, fc.oneof(fc.constant<number | undefined>(undefined), fc.nat({ max: 2 ** 33 })))
  .map(([typeflag, data, size]) => ({ header: header({ name: 'PaxHeaders.0/x', typeflag, size: size ?? data.length }), data }));

/** Entries that try to leave the root: escaping names, escaping symlinks, a file written through a symlink. */
export const escapeEntries: fc.Arbitrary<RawEntry[]> = fc.oneof(
  fc.tuple(fc.constantFrom(...ESCAPES), fc.constantFrom('0', '5', '2', '1', '7')).map(([name, typeflag]) => [
    { header: header({ name, typeflag, size: typeflag === '0' ? 1 : 0, linkname: 'target' }), data: Buffer.from(typeflag === '0' ? 'x' : '') },
  ]),
  fc.tuple(fc.constantFrom('link', 'lib/link', 'a/b/link'), fc.constantFrom(...ESCAPES, '../../..', 'lib/../../x', '../x/../../y')).map(([name, target]) => [
    { header: header({ name, typeflag: '2', linkname: target }), data: Buffer.alloc(0) },
  ]),
  fc.constantFrom('.', '..', '/tmp', '../..', 'lib').map((target) => [
    { header: header({ name: 'link', typeflag: '2', linkname: target }), data: Buffer.alloc(0) },
    { header: header({ name: 'link/file', typeflag: '0', size: 1 }), data: Buffer.from('x') },
  ]),
  fc.constant<RawEntry[]>([
    { header: header({ name: 'a', typeflag: '0', size: 1 }), data: Buffer.from('x') },
    { header: header({ name: 'a/b', typeflag: '0', size: 1 }), data: Buffer.from('y') },
  ]),
  fc.constant<RawEntry[]>([
    { header: header({ name: 'a', typeflag: '0', size: 1 }), data: Buffer.from('x') },
    { header: header({ name: 'a/b/', typeflag: '5' }), data: Buffer.alloc(0) },
  ]),
  fc.constant<RawEntry[]>([
    { header: header({ name: 'd/', typeflag: '5' }), data: Buffer.alloc(0) },
    { header: header({ name: 'd', typeflag: '0', size: 1 }), data: Buffer.from('x') },
  ]),
  fc.constant<RawEntry[]>([
    { header: header({ name: 'l', typeflag: '2', linkname: 'lib' }), data: Buffer.alloc(0) },
    { header: header({ name: 'l/x', typeflag: '2', linkname: '../../..' }), data: Buffer.alloc(0) },
  ]),
);

/** Replacement contents.tar.gz: bombs over the limit, gzip in gzip, cut and flipped gzip, trailing garbage. */
export function gzipEdits(inner: Buffer, limit: number): fc.Arbitrary<Buffer> {
  const zeros = gzipSync(Buffer.alloc(256 * 1024));
  const bombHeader = header({ name: 'bomb', typeflag: '0', size: 4 * limit });
  const whole = gzip(inner);
  return fc.oneof(
    // A header announcing more than the limit, then members of zeros: stops at the header.
    fc.nat({ max: 20 }).map((n) => Buffer.concat([gzip(bombHeader), ...Array<Buffer>(n).fill(zeros)])),
    // Zeros past the limit with no announcing header: stops while inflating.
    fc.integer({ min: 1, max: 2 * Math.ceil(limit / (256 * 1024)) + 2 }).map((n) => Buffer.concat(Array<Buffer>(n).fill(zeros))),
    fc.constant(gzip(whole)),
    fc.constant(gzip(gzip(Buffer.concat([bombHeader, Buffer.alloc(2 * limit)])))),
    fc.nat().map((cut) => whole.subarray(0, cut % whole.length)),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
      const copy = Buffer.from(whole);
      copy[at % copy.length] = value;
      return copy;
    }),
    bytes(64).map((garbage) => Buffer.concat([whole, garbage])),
    fc.constant(Buffer.concat([whole, whole])),
    fc.constant(Buffer.alloc(0)),
  );
}
