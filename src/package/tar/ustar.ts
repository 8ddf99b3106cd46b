// Tar entries encoded exactly as hex_erl_tar (OTP erl_tar) writes them, so package tarballs
// are byte-identical to hex_core's (Hex reference notes, tarball.md §2):
// - ustar headers, fields written one by one into a zeroed 512-byte block;
// - numbers as zero-padded octal: mode/uid/gid/checksum 7 digits, size/mtime 11, then NUL;
// - names over 100 chars (ASCII) split at the LAST `/` into prefix + name; otherwise
//   (non-ASCII, or the split fails) a PAX `x` entry before the header carries the name;
// - erl_tar's quirks kept, since checksums must match mix's: a 156-byte prefix (see
//   splitUstarPath) and a PAX length that can be one byte short (see paxRecord);
// - two zero blocks at the end and no padding up to a 10240-byte record.
import { TarballError } from './error.js';

export const BLOCK_SIZE = 512;
/** 2000-01-01T00:00:00Z: hex_core's fixed mtime for every entry. */
export const Y2K_MTIME = 946_684_800;

export type TarEntryType = 'file' | 'directory' | 'symlink';

export interface TarEntry {
  /** The name as stored; hex_core gives directory entries a trailing `/`. */
  name: string;
  /** The full st_mode, type bits included (e.g. 0o100644). */
  mode: number;
  /** Data bytes that follow the header (0 for directories and symlinks). */
  size: number;
  type: TarEntryType;
  linkname?: string;
  mtime?: number;
}

const NAME_LEN = 100;
const PREFIX_LEN = 155;
const TYPEFLAG: Record<TarEntryType | 'pax', number> = { file: 0x30, directory: 0x35, symlink: 0x32, pax: 0x78 };

const ZEROS = new Uint8Array(2 * BLOCK_SIZE);
export const END_OF_ARCHIVE: Uint8Array = ZEROS;

/** NUL bytes that pad `size` bytes of data up to a whole block. */
export function padding(size: number): Uint8Array {
  return ZEROS.subarray(0, (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE);
}

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);
const codePointLength = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** The header block of `entry`, preceded by a PAX entry when erl_tar would write one. */
export function encodeHeader(entry: TarEntry): Buffer {
  const { name, prefix, linkname, pax } = layout(entry);
  const mtime = entry.mtime ?? Y2K_MTIME;
  const block = headerBlock(entry.name, { name, prefix, linkname, mode: entry.mode, size: entry.size, mtime, typeflag: TYPEFLAG[entry.type] });
  return pax.size === 0 ? block : Buffer.concat([paxEntry(entry.name, mtime, pax), block]);
}

/**
 * Where tar readers will not read back what erl_tar was given, though its bytes (and so
 * ours) are exactly mix's: `shortened` when the directory part is 156 bytes and readers
 * take 155 of them, `pax-length` when a PAX record's length is one byte short, which
 * erl_tar (Hex) reads past but GNU tar, Python's tarfile and node-tar do not.
 */
export type NameQuirk = { kind: 'shortened'; readAs: string } | { kind: 'pax-length'; field: 'path' | 'linkpath' };

export function nameQuirks(entry: TarEntry): NameQuirk[] {
  const { name, prefix, pax } = layout(entry);
  const quirks: NameQuirk[] = [];
  if (prefix.length > PREFIX_LEN) {
    // A one-byte last directory leaves `dir/` + `/name`: readers land the entry in `dir`.
    quirks.push({ kind: 'shortened', readAs: `${prefix.slice(0, PREFIX_LEN).replace(/\/$/, '')}/${name}` });
  }
  for (const field of ['linkpath', 'path'] as const) {
    const value = pax.get(field);
    if (value !== undefined && paxLengthIsShort(field, value)) quirks.push({ kind: 'pax-length', field });
  }
  return quirks;
}

interface Layout {
  name: string;
  prefix: string;
  linkname: string;
  /** PAX records by key. */
  pax: Map<string, string>;
}

// erl_tar's build_header: which field, split or PAX record each name goes to.
function layout(entry: TarEntry): Layout {
  const pax = new Map<string, string>();
  let name = entry.name;
  let prefix = '';
  if (!fitsField(name)) {
    const split = splitUstarPath(name);
    if (split) ({ name, prefix } = split);
    else {
      pax.set('path', name);
      name = '';
    }
  }
  let linkname = entry.linkname ?? '';
  if (!fitsField(linkname)) {
    pax.set('linkpath', linkname);
    linkname = '';
  }
  return { name, prefix, linkname, pax };
}

/** Unsigned sum of the block with the checksum field counted as spaces. */
export function headerChecksum(block: Uint8Array): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK_SIZE; i++) if (i < 148 || i >= 156) sum += block[i]!;
  return sum;
}

// erl_tar's write_string: a value goes to PAX when it is longer than the field or not ASCII.
const fitsField = (value: string) => isAscii(value) && value.length <= NAME_LEN;

interface HeaderFields {
  name: string;
  prefix: string;
  linkname: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: number;
}

// A zeroed block written field by field; a string keeps its NUL only when shorter than
// its field; uid/gid/devmajor/devminor are 0 and uname/gname empty. The layout keeps the
// name and linkname within 100 bytes; a 156-byte prefix is written whole, as erl_tar
// does, its last byte landing in the unused bytes after the field (500–511).
function headerBlock(entryName: string, fields: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  block.write(fields.name, 0, 'latin1');
  writeOctal(block, 100, 8, fields.mode, entryName);
  writeOctal(block, 108, 8, 0, entryName);
  writeOctal(block, 116, 8, 0, entryName);
  writeOctal(block, 124, 12, fields.size, entryName);
  writeOctal(block, 136, 12, fields.mtime, entryName);
  block[156] = fields.typeflag;
  block.write(fields.linkname, 157, 'latin1');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  writeOctal(block, 329, 8, 0, entryName);
  writeOctal(block, 337, 8, 0, entryName);
  block.write(fields.prefix, 345, 'latin1');
  writeOctal(block, 148, 8, headerChecksum(block), entryName);
  return block;
}

function writeOctal(block: Buffer, offset: number, size: number, value: number, entryName: string): void {
  const digits = value.toString(8).padStart(size - 1, '0');
  if (digits.length >= size) throw new TarballError('file_too_big', `value too large for a tar header field: ${entryName}`);
  block.write(digits, offset, 'latin1');
}

// erl_tar's split_ustar_path as Hex vendors it: components from filename:split (empty
// ones dropped; OTP 25's own erl_tar differs only on absolute paths, which hex_core
// refuses). The prefix is built left to right and each step checks only
// len(part)+len(prefix), not the joining `/`, so a 156-byte prefix passes.
function splitUstarPath(path: string): { name: string; prefix: string } | undefined {
  if (!isAscii(path)) return undefined;
  const parts = path.split('/');
  if (parts[0] === '') parts[0] = '/';
  const nonEmpty = parts.filter((part) => part !== '');
  const name = nonEmpty.at(-1)!;
  if (name.length >= NAME_LEN) return undefined;
  let prefix: string | undefined;
  for (const part of nonEmpty.slice(0, -1)) {
    if (prefix === undefined) {
      if (part.length > PREFIX_LEN) return undefined;
      prefix = part;
    } else {
      if (part.length + prefix.length > PREFIX_LEN) return undefined;
      prefix = `${prefix}/${part}`;
    }
  }
  // erl_tar crashes on a long name that is all slashes but one component; refuse it too.
  if (prefix === undefined) throw new TarballError('unwritable_path', `path cannot be stored in a tar header: ${path}`);
  return { name, prefix };
}

function paxEntry(entryName: string, mtime: number, pax: Map<string, string>): Buffer {
  const data = Buffer.concat([...pax.keys()].sort().map((key) => paxRecord(key, pax.get(key)!)));
  let name = [...erlJoin(erlJoin(erlDirname(entryName), 'PaxHeaders.0'), erlBasename(entryName))]
    .filter((ch) => ch.codePointAt(0)! < 0x80)
    .join('');
  if (name.length > NAME_LEN) name = name.slice(0, NAME_LEN - 1);
  const fields = { name, prefix: '', linkname: '', mode: 0o100644, size: data.length, mtime, typeflag: TYPEFLAG.pax };
  return Buffer.concat([headerBlock(entryName, fields), data, padding(data.length)]);
}

// "<LEN> <key>=<value>\n". erl_tar guesses LEN from the key length plus the value's length
// in code points, and re-renders once with the actual byte length if the guess was off.
// The second rendering can still be one byte off when LEN gains a digit; that is kept.
function paxRecord(key: string, value: string): Buffer {
  const n = key.length + codePointLength(value) + 3;
  const guess = String(n).length + n;
  const record = Buffer.from(`${guess} ${key}=${value}\n`, 'utf8');
  return record.length === guess ? record : Buffer.from(`${record.length} ${key}=${value}\n`, 'utf8');
}

function paxLengthIsShort(key: string, value: string): boolean {
  const record = paxRecord(key, value);
  return Number(record.toString('latin1', 0, record.indexOf(0x20))) !== record.length;
}

// filename:dirname/1, basename/1 and join/2 on Unix, for the PAX header's own name.
function erlDirname(name: string): string {
  let dir = '';
  let file = '';
  for (const ch of name) {
    if (ch === '/') {
      dir += file;
      file = '/';
    } else {
      file += ch;
    }
  }
  while (dir.endsWith('/')) dir = dir.slice(0, -1);
  if (dir === '') return file.startsWith('/') ? '/' : '.';
  return dir;
}

function erlBasename(name: string): string {
  let tail = name;
  for (let i = 0; i < name.length; i++) {
    if (name[i] !== '/') continue;
    if (i === name.length - 1) return tail.slice(0, -1);
    tail = name.slice(i + 1);
  }
  return tail;
}

function erlJoin(a: string, b: string): string {
  const out: string[] = [];
  const endsWithSlashDot = () => out.at(-1) === '.' && out.at(-2) === '/';
  const feed = (s: string) => {
    for (const ch of s) {
      if (ch === '/' && endsWithSlashDot()) out.pop();
      else if (ch === '/' && out.at(-1) === '/') continue;
      else out.push(ch);
    }
  };
  const [first, rest] = b.startsWith('/') ? [b, ''] : [a, b];
  feed(first);
  if (rest !== '') {
    if (endsWithSlashDot()) out.pop();
    else if (out.at(-1) !== '/') out.push('/');
    feed(rest);
  }
  if (out.length > 1 && out.at(-1) === '/') out.pop();
  return out.join('');
}

export type Sink = (chunk: Uint8Array) => void;

/**
 * Writes tar entries to a sink as they come: a header, then the entry's data in as many
 * chunks as the caller likes, then padding. The sink may keep the chunks it is given but
 * must not modify them.
 */
export class TarWriter {
  private remaining = 0;
  private pad: Uint8Array = ZEROS.subarray(0, 0);

  constructor(private readonly sink: Sink) {}

  /** Starts an entry; a file's `size` data bytes must follow through `write`. */
  begin(entry: TarEntry, encodedHeader: Buffer = encodeHeader(entry)): void {
    if (this.remaining !== 0) throw new Error('tar entry started before the previous one was complete');
    this.sink(encodedHeader);
    this.remaining = entry.size;
    this.pad = padding(entry.size);
  }

  write(chunk: Uint8Array): void {
    if (chunk.length > this.remaining) throw new Error('more tar entry data than its header announced');
    if (chunk.length === 0) return;
    this.sink(chunk);
    this.remaining -= chunk.length;
    if (this.remaining === 0 && this.pad.length > 0) this.sink(this.pad);
  }

  /** A whole entry whose data is in memory. */
  add(entry: TarEntry, data?: Uint8Array): void {
    this.begin(entry);
    if (data) this.write(data);
  }

  end(): void {
    if (this.remaining !== 0) throw new Error('tar archive ended inside an entry');
    this.sink(END_OF_ARCHIVE);
  }
}
