// A strict, streaming tar reader covering what erl_tar reads: ustar (with the name prefix),
// PAX `x` records (path, linkpath, size), GNU long names, v7 headers. Entry data is handed
// to the caller as it arrives, so nothing larger than one read chunk needs to be held.
// Malformed input raises TarFormatError, with erl_tar's wording where it has one.
import { BLOCK_SIZE, headerChecksum } from './ustar.js';

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

export type TarReadType = 'file' | 'directory' | 'symlink' | 'other';

export interface TarReadEntry {
  /** The stored name: PAX path or GNU long name if present, else prefix + `/` + name. */
  name: string;
  type: TarReadType;
  /** The raw typeflag character. */
  typeflag: string;
  mode: number;
  size: number;
  linkname: string;
}

export interface TarEntryBody {
  /** The rest of the entry's data as one buffer (entries are bounded by the caller's limits). */
  read(): Promise<Buffer>;
  /** The rest of the entry's data, in chunks as they arrive. */
  chunks(): AsyncGenerator<Buffer>;
}

// Extended headers are names and a few numbers; anything bigger is hostile.
const MAX_EXTENDED_HEADER_SIZE = 64 * 1024;

const EOF_MESSAGE = 'Unexpected end of file';

/**
 * Reads the archive, calling `onEntry` for every real entry in order. Data the handler
 * leaves unread is skipped. Anything after the end-of-archive blocks is ignored.
 */
export async function readTar(
  source: AsyncIterable<Uint8Array>,
  onEntry: (entry: TarReadEntry, body: TarEntryBody) => Promise<void> | void,
): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    await readEntries(new ByteReader(iterator), onEntry);
  } finally {
    await iterator.return?.();
  }
}

async function readEntries(
  input: ByteReader,
  onEntry: (entry: TarReadEntry, body: TarEntryBody) => Promise<void> | void,
): Promise<void> {
  let extended: { path?: string; linkpath?: string; size?: number } = {};
  for (;;) {
    const block = await input.read(BLOCK_SIZE);
    if (block.length < BLOCK_SIZE) throw new TarFormatError(EOF_MESSAGE);
    if (isZeroBlock(block)) {
      // erl_tar: a lone zero block at the very end is tolerated; zero then data is not.
      const next = await input.read(BLOCK_SIZE);
      if (next.length === BLOCK_SIZE && !isZeroBlock(next)) throw new TarFormatError('Invalid end of archive');
      return;
    }
    const header = parseHeader(block);

    if (header.typeflag === 'x' || header.typeflag === 'L' || header.typeflag === 'K') {
      const size = header.size;
      if (size > MAX_EXTENDED_HEADER_SIZE) throw new TarFormatError(`extended header too large (${size} bytes)`);
      const data = await input.read(size);
      if (data.length < size) throw new TarFormatError(EOF_MESSAGE);
      await input.skip(padding(size));
      if (header.typeflag === 'x') extended = { ...extended, ...parsePax(data) };
      else if (header.typeflag === 'L') extended.path = cString(data);
      else extended.linkpath = cString(data);
      continue;
    }
    if (header.typeflag === 'S') throw new TarFormatError('Unrecognized tar header format: sparse files are not supported');

    const type = entryType(header.typeflag);
    // erl_tar reads no data for header-only types, whatever their size field says.
    const dataSize = type === 'directory' || type === 'symlink' || header.typeflag === '1' ? 0 : (extended.size ?? header.size);
    const remaining = { bytes: dataSize };
    const entry: TarReadEntry = {
      name: extended.path ?? header.name,
      type,
      typeflag: header.typeflag,
      mode: header.mode,
      size: dataSize,
      linkname: extended.linkpath ?? header.linkname,
    };
    extended = {};
    await onEntry(entry, entryBody(input, remaining));
    await input.skip(remaining.bytes);
    remaining.bytes = 0;
    await input.skip(padding(dataSize));
  }
}

function entryBody(input: ByteReader, remaining: { bytes: number }): TarEntryBody {
  async function* chunks(): AsyncGenerator<Buffer> {
    while (remaining.bytes > 0) {
      const chunk = await input.readSome(remaining.bytes);
      if (chunk.length === 0) throw new TarFormatError(EOF_MESSAGE);
      remaining.bytes -= chunk.length;
      yield chunk;
    }
  }
  return {
    chunks,
    async read() {
      const data = await input.read(remaining.bytes);
      if (data.length < remaining.bytes) throw new TarFormatError(EOF_MESSAGE);
      remaining.bytes = 0;
      return data;
    },
  };
}

const padding = (size: number) => (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function entryType(typeflag: string): TarReadType {
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '5':
      return 'directory';
    case '2':
      return 'symlink';
    default:
      return 'other';
  }
}

interface RawHeader {
  name: string;
  mode: number;
  size: number;
  typeflag: string;
  linkname: string;
}

function parseHeader(block: Buffer): RawHeader {
  const stored = parseOctal(block.subarray(148, 156));
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK_SIZE; i++) if (i < 148 || i >= 156) signed += (block[i]! << 24) >> 24;
  if (stored !== headerChecksum(block) && stored !== signed) {
    throw new TarFormatError('Unrecognized tar header format: bad header checksum');
  }
  const magic = block.toString('latin1', 257, 263);
  let name = cString(block.subarray(0, 100));
  if (magic === 'ustar\0') {
    // star archives end the header with "tar\0" and keep a shorter prefix.
    const star = block.toString('latin1', 508, 512) === 'tar\0';
    const prefix = cString(block.subarray(345, star ? 476 : 500));
    if (prefix !== '') name = name === '' ? prefix : `${prefix}/${name}`;
  }
  return {
    name,
    mode: parseNumber(block.subarray(100, 108)),
    size: parseNumber(block.subarray(124, 136)),
    typeflag: String.fromCharCode(block[156]!),
    linkname: cString(block.subarray(157, 257)),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function cString(field: Uint8Array): string {
  const end = field.indexOf(0);
  try {
    return utf8.decode(end === -1 ? field : field.subarray(0, end));
  } catch {
    throw new TarFormatError('Unrecognized tar header format: invalid string');
  }
}

// Octal, skipping spaces and NULs as erl_tar does, or GNU base-256 when the top bit is set.
function parseNumber(field: Uint8Array): number {
  if (field.length > 0 && field[0]! & 0x80) {
    if (field[0]! & 0x40) throw new TarFormatError('Unrecognized tar header format: negative number');
    let value = field[0]! & 0x7f;
    for (const byte of field.subarray(1)) {
      value = value * 256 + byte;
      if (value > Number.MAX_SAFE_INTEGER) throw new TarFormatError('Failed to parse numeric: integer overflow');
    }
    return value;
  }
  return parseOctal(field);
}

function parseOctal(field: Uint8Array): number {
  let value = 0;
  for (const byte of field) {
    if (byte === 0x20 || byte === 0) continue;
    if (byte < 0x30 || byte > 0x37) throw new TarFormatError('Unrecognized tar header format: invalid number');
    value = value * 8 + (byte - 0x30);
  }
  return value;
}

// "<LEN> <key>=<value>\n" records. erl_tar can write a LEN one byte short (see ustar.ts)
// and itself reads up to the newline, so a record whose LEN misses the newline is read
// that way too.
function parsePax(data: Buffer): { path?: string; linkpath?: string; size?: number } {
  const result: { path?: string; linkpath?: string; size?: number } = {};
  let pos = 0;
  while (pos < data.length && data[pos] !== 0) {
    const space = data.indexOf(0x20, pos);
    const length = space > pos ? Number(data.toString('latin1', pos, space)) : NaN;
    if (!Number.isInteger(length) || length <= 0) throw new TarFormatError('malformed PAX record');
    let end = pos + length;
    if (end > data.length || data[end - 1] !== 0x0a) {
      end = data.indexOf(0x0a, space) + 1;
      if (end === 0) throw new TarFormatError('malformed PAX record');
    }
    const record = data.subarray(space + 1, end - 1);
    const equals = record.indexOf(0x3d);
    if (equals <= 0) throw new TarFormatError('malformed PAX record');
    const key = record.toString('latin1', 0, equals);
    const value = record.subarray(equals + 1);
    if (key === 'path' || key === 'linkpath') result[key] = cString(value);
    else if (key === 'size') {
      const text = value.toString('latin1');
      if (!/^\d{1,15}$/.test(text)) throw new TarFormatError('malformed PAX record');
      result.size = Number(text);
    }
    pos = end;
  }
  return result;
}

/** Exact-length reads over an async stream of chunks, copying only when a read spans chunks. */
class ByteReader {
  private queue: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private done = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    if (chunk.length > 0) {
      if (this.head > 64) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.queue.push(chunk);
      this.buffered += chunk.length;
    }
    return true;
  }

  /** `n` bytes, or fewer only when the input ends first. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && (await this.pull()));
    const take = Math.min(n, this.buffered);
    if (take === 0) return Buffer.alloc(0);
    if (this.queue[this.head]!.length >= take) return this.consume(take);
    const parts: Buffer[] = [];
    for (let left = take; left > 0; ) {
      const part = this.consume(Math.min(left, this.queue[this.head]!.length));
      parts.push(part);
      left -= part.length;
    }
    return Buffer.concat(parts, take);
  }

  /** Between 1 and `max` bytes without copying; empty only at the end of the input. */
  async readSome(max: number): Promise<Buffer> {
    while (this.buffered === 0 && (await this.pull()));
    if (this.buffered === 0) return Buffer.alloc(0);
    return this.consume(Math.min(max, this.queue[this.head]!.length));
  }

  async skip(n: number): Promise<void> {
    for (let left = n; left > 0; ) {
      const part = await this.readSome(left);
      if (part.length === 0) throw new TarFormatError(EOF_MESSAGE);
      left -= part.length;
    }
  }

  // Takes n bytes from the first queued chunk (n is at most its length).
  private consume(n: number): Buffer {
    const first = this.queue[this.head]!;
    const part = first.subarray(0, n);
    if (n === first.length) this.queue[this.head++] = EMPTY;
    else this.queue[this.head] = first.subarray(n);
    this.buffered -= n;
    return part;
  }
}

const EMPTY = Buffer.alloc(0);
