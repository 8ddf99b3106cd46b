// A safe reader for Hex package tarballs (hex_core's hex_tarball:unpack/3, with its checks
// made strict): for `build --unpack`, publish checks, `package fetch` and the local registry.
// Errors are TarballErrors worded like hex_core / the hex.pm server.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, rename, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Tuple, type Term } from '../erlang/term.js';
import { TermSyntaxError, parseTerms } from '../erlang/text.js';
import { onInterrupt } from '../util/interrupt.js';
import { TarballError, tooBigCompressed, tooBigUncompressed, unsafePath, unsafeSymlink } from './tar/error.js';
import { DEFAULT_LIMITS, MAX_CHECKSUM_SIZE, MAX_METADATA_SIZE, MAX_VERSION_SIZE, type TarballLimits } from './tar/limits.js';
import { isSafeArchivePath, isSafeSymlink, rootResolver } from './tar/paths.js';
import { TarFormatError, readTar, type TarEntryBody, type TarReadEntry } from './tar/reader.js';

export type UnpackOutput = 'memory' | 'none' | { directory: string };

export interface UnpackOptions {
  /**
   * `memory` (default): contents with their data; `none`: metadata and checksums only;
   * `{ directory }`: contents extracted there, plus `hex_metadata.config` as Hex writes it.
   * The directory must not exist or be empty; it appears complete or not at all.
   */
  output?: UnpackOutput;
  limits?: Partial<TarballLimits>;
}

export interface UnpackedEntry {
  /** The stored path (a directory's trailing `/` dropped). */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  linkname?: string;
  /** File data, with the `memory` output only. */
  data?: Buffer;
}

export interface UnpackedPackage {
  version: string;
  /** The verified CHECKSUM member, uppercase hex. */
  innerChecksum: string;
  /** SHA-256 of the whole tarball, lowercase hex; compare it with the registry's. */
  outerChecksum: string;
  metadataConfig: Buffer;
  /** metadata.config's `{Key, Value}` terms, in file order. */
  metadata: Array<[Term, Term]>;
  /** Absent with the `none` output. Entries of other types (hard links, devices) are skipped. */
  contents?: UnpackedEntry[];
}

const REQUIRED_MEMBERS = ['VERSION', 'CHECKSUM', 'metadata.config', 'contents.tar.gz'] as const;
const MEMBER_LIMITS: Record<string, number> = {
  VERSION: MAX_VERSION_SIZE,
  CHECKSUM: MAX_CHECKSUM_SIZE,
  'metadata.config': MAX_METADATA_SIZE,
};

export async function unpackPackageTarball(input: Uint8Array | string, options: UnpackOptions = {}): Promise<UnpackedPackage> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const output = options.output ?? 'memory';
  const tarball = await readInput(input, limits.maxSize);
  const outerChecksum = createHash('sha256').update(tarball).digest('hex');
  const members = await readOuterMembers(tarball);

  const version = members.get('VERSION')!;
  if (version.toString('latin1') !== '3') {
    throw new TarballError('bad_version', `unsupported version: ${formatBinary(version)}`);
  }
  const metadataConfig = members.get('metadata.config')!;
  const contents = members.get('contents.tar.gz')!;
  const innerChecksum = verifyInnerChecksum(members.get('CHECKSUM')!, version, metadataConfig, contents);
  const metadata = parseMetadata(metadataConfig);
  const result: UnpackedPackage = { version: '3', innerChecksum, outerChecksum, metadataConfig, metadata };
  if (output === 'none') return result;
  if (output === 'memory') return { ...result, contents: await readContents(contents, limits.maxUncompressedSize, undefined) };

  const destination = resolve(output.directory);
  await checkDestination(destination);
  const extractor = await Extractor.create(destination);
  try {
    const entries = await readContents(contents, limits.maxUncompressedSize, extractor);
    await extractor.finish(metadataConfig);
    return { ...result, contents: entries };
  } catch (err) {
    extractor.discard();
    throw err;
  }
}

/**
 * A docs tarball (the gzipped tar `mix hex.publish docs` uploads and the repository serves at
 * docs/NAME-VERSION.tar.gz) extracted into `directory` by the same extractor, with the same
 * checks: no path or symlink that leads outside, sizes bounded while inflating (hex_core's docs
 * limits are the package ones), modes narrowed, the directory complete or not at all.
 */
export async function unpackDocsTarball(tarball: Buffer, options: { directory: string; limits?: Partial<TarballLimits> }): Promise<UnpackedEntry[]> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (tarball.length > limits.maxSize) throw tooBigCompressed(limits.maxSize);
  const destination = resolve(options.directory);
  await checkDestination(destination);
  const extractor = await Extractor.create(destination);
  try {
    const entries = await readContents(tarball, limits.maxUncompressedSize, extractor, 'docs tarball');
    await extractor.finish();
    return entries;
  } catch (err) {
    extractor.discard();
    throw err;
  }
}

async function readInput(input: Uint8Array | string, maxSize: number): Promise<Buffer> {
  if (typeof input !== 'string') {
    if (input.length > maxSize) throw tooBigCompressed(maxSize);
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }
  try {
    if ((await stat(input)).size > maxSize) throw tooBigCompressed(maxSize);
    const bytes = await readFile(input);
    if (bytes.length > maxSize) throw tooBigCompressed(maxSize);
    return bytes;
  } catch (err) {
    if (err instanceof TarballError) throw err;
    throw new TarballError('file_error', `cannot read ${input}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

async function readOuterMembers(tarball: Buffer): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  const unknown: string[] = [];
  try {
    await readTar(single(tarball), async (entry, body) => {
      if (entry.type !== 'file') return;
      const max = MEMBER_LIMITS[entry.name];
      if (max !== undefined && entry.size > max) throw new TarballError('file_too_big', `file too big: ${entry.name}`);
      if ((REQUIRED_MEMBERS as readonly string[]).includes(entry.name)) members.set(entry.name, await body.read());
      else unknown.push(entry.name);
    });
  } catch (err) {
    if (err instanceof TarFormatError) throw new TarballError('tar', `tarball error, ${err.message}`);
    throw err;
  }
  if (members.size === 0 && unknown.length === 0) throw new TarballError('empty', 'empty tarball');
  const missing = REQUIRED_MEMBERS.filter((name) => !members.has(name));
  if (missing.length > 0) throw new TarballError('missing_files', `missing files: ${formatStrings(missing)}`);
  if (unknown.length > 0) throw new TarballError('invalid_files', `invalid files: ${formatStrings(unknown)}`);
  return members;
}

// CHECKSUM is base16 of SHA-256(VERSION ‖ metadata.config ‖ contents.tar.gz), either case.
function verifyInnerChecksum(checksum: Buffer, version: Buffer, metadata: Buffer, contents: Buffer): string {
  const text = checksum.toString('latin1');
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new TarballError('invalid_checksum', 'invalid tarball checksum');
  const expected = text.toUpperCase();
  const actual = createHash('sha256').update(version).update(metadata).update(contents).digest('hex').toUpperCase();
  if (expected !== actual) {
    throw new TarballError('checksum_mismatch', `inner checksum mismatch: CHECKSUM is ${expected} but the contents give ${actual}`);
  }
  return actual;
}

function parseMetadata(bytes: Buffer): Array<[Term, Term]> {
  let terms: Term[];
  try {
    terms = parseTerms(bytes);
  } catch (err) {
    if (err instanceof TermSyntaxError) throw new TarballError('metadata', `error reading package metadata: ${err.message}`);
    throw err;
  }
  if (terms.length === 0) throw new TarballError('metadata', 'error reading package metadata: invalid terms');
  return terms.map((term) => {
    if (!(term instanceof Tuple) || term.elements.length !== 2) {
      throw new TarballError('metadata', 'error reading package metadata: not in key-value format');
    }
    return [term.elements[0]!, term.elements[1]!];
  });
}

async function readContents(gzipped: Buffer, maxUncompressedSize: number, extractor: Extractor | undefined, what = 'inner tarball'): Promise<UnpackedEntry[]> {
  const entries: UnpackedEntry[] = [];
  let declared = 0;
  try {
    await readTar(gunzipWithLimit(gzipped, maxUncompressedSize), async (entry, body) => {
      // As erl_tar's max_size: the sizes headers announce, checked before any data is read.
      declared += entry.size;
      if (declared > maxUncompressedSize) throw tooBigUncompressed(maxUncompressedSize);
      if (entry.type === 'other') return;
      const parts = checkedPath(entry);
      const unpacked: UnpackedEntry = { path: entry.name.replace(/\/+$/, ''), type: entry.type, mode: entry.mode, size: entry.size };
      if (entry.type === 'symlink') unpacked.linkname = entry.linkname;
      if (extractor) await extractor.add(entry, parts, body);
      else if (entry.type === 'file') unpacked.data = await body.read();
      entries.push(unpacked);
    });
  } catch (err) {
    if (err instanceof TarballError) throw err;
    if (err instanceof TarFormatError) throw new TarballError('inner_tar', `${what} error, ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw new TarballError('inner_tar', `${what} error, Unexpected end of file`);
    if (code?.startsWith('Z_')) throw new TarballError('inner_tar', `${what} error, invalid gzip data (${(err as Error).message})`);
    throw err;
  }
  return entries;
}

// The name's components below the root, after hex_core's checks on the name and, for a
// symlink, on its target resolved from the link's directory.
function checkedPath(entry: TarReadEntry): string[] {
  if (!isSafeArchivePath(entry.name)) throw unsafePath(entry.name);
  if (entry.type === 'symlink' && !isSafeSymlink(entry.name, entry.linkname)) throw unsafeSymlink(entry.name, entry.linkname);
  const parts: string[] = [];
  for (const part of entry.name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.pop() === undefined) throw unsafePath(entry.name);
    } else {
      parts.push(part);
    }
  }
  return parts;
}

// Inflated bytes are counted as they come, so a gzip bomb stops at the limit.
async function* gunzipWithLimit(gzipped: Buffer, max: number): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  gunzip.end(gzipped);
  let total = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) throw tooBigUncompressed(max);
      yield chunk;
    }
  } finally {
    gunzip.destroy();
  }
}

async function* single(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

async function checkDestination(destination: string): Promise<void> {
  const existing = await lstat(destination).catch(() => undefined);
  if (!existing) return;
  if (!existing.isDirectory() || (await readdir(destination)).length > 0) {
    throw new TarballError('file_error', `cannot unpack into ${destination}: it already exists`);
  }
}

/**
 * Writes entries under a fresh temporary directory next to the destination, renamed into
 * place by `finish`. Files and directories are written as they stream by; symlinks are
 * created only after every file, so no write can pass through one, and never inside
 * another symlink; then every link is followed through the others as the OS would, and
 * one that leads outside refuses the whole package. Modes are applied as tar does for a
 * user: without the setuid/setgid/sticky bits, narrowed by the umask, and never so narrow
 * that the user cannot read a file or list and remove a directory. Until `finish` or
 * `discard`, a signal that ends the process removes what was written.
 */
class Extractor {
  private readonly symlinks: Array<{ entry: TarReadEntry; parts: string[] }> = [];
  private readonly directories: Array<{ parts: string[]; mode: number }> = [];
  private readonly created = new Set<string>();
  private readonly forgetOnInterrupt: () => void;
  /** From mkdir's 0o777 as the kernel narrowed it (by the umask, or the parent's default ACL): read without changing it. */
  private umask!: number;

  private constructor(
    private readonly destination: string,
    private readonly root: string,
    /** The topmost directory above the destination that this unpack creates, if any. */
    private readonly madeParent: string | undefined,
  ) {
    this.forgetOnInterrupt = onInterrupt(() => this.removeWritten());
  }

  static async create(destination: string): Promise<Extractor> {
    const parent = dirname(destination);
    const root = join(parent, `.${basename(destination)}.${randomBytes(6).toString('hex')}.tmp`);
    // Known before anything is made, so that an interrupt at any point removes all of it.
    const extractor = new Extractor(destination, root, await firstMissing(parent));
    try {
      await mkdir(parent, { recursive: true });
      await mkdir(root);
      extractor.umask = ~(await stat(root)).mode & 0o777;
      return extractor;
    } catch (err) {
      extractor.discard();
      throw err;
    }
  }

  async add(entry: TarReadEntry, parts: string[], body: TarEntryBody): Promise<void> {
    if (parts.length === 0) return;
    try {
      if (entry.type === 'symlink') this.symlinks.push({ entry, parts });
      else if (entry.type === 'directory') await this.directory(parts, entry.mode);
      else await this.file(entry.name, parts, entry.mode, body.chunks());
    } catch (err) {
      throw unpackFailure(err, entry.name);
    }
  }

  private async directory(parts: string[], mode: number): Promise<void> {
    const path = join(this.root, ...parts);
    try {
      await mkdir(path, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return; // a file of that name came first; erl_tar leaves it too
    }
    this.directories.push({ parts, mode });
  }

  private async makeParent(parts: string[]): Promise<void> {
    const parent = join(this.root, ...parts.slice(0, -1));
    if (this.created.has(parent)) return;
    await mkdir(parent, { recursive: true });
    this.created.add(parent);
  }

  private async file(name: string, parts: string[], mode: number, chunks: AsyncIterable<Buffer>): Promise<void> {
    await this.makeParent(parts);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
    let fd: number;
    try {
      fd = openSync(join(this.root, ...parts), flags, 0o600);
    } catch (err) {
      throw new TarballError('file_error', `cannot unpack ${name}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
      for await (const chunk of chunks) {
        for (let offset = 0; offset < chunk.length; ) offset += writeSync(fd, chunk, offset);
      }
      fchmodSync(fd, (mode & 0o777 & ~this.umask) | 0o400);
    } finally {
      closeSync(fd);
    }
  }

  /** Puts the tree in place; a package's metadata goes beside its files as hex_metadata.config. */
  async finish(metadataConfig?: Buffer): Promise<void> {
    if (metadataConfig) await this.file('hex_metadata.config', ['hex_metadata.config'], 0o644, single(metadataConfig));
    const links: Array<{ entry: TarReadEntry; parts: string[] }> = [];
    for (const link of this.symlinks) {
      try {
        if (await this.symlink(link.entry, link.parts)) links.push(link);
      } catch (err) {
        throw unpackFailure(err, link.entry.name);
      }
    }
    const inside = rootResolver(this.root);
    for (const { entry, parts } of links) {
      if (!inside(parts.join('/'))) throw unsafeSymlink(entry.name, entry.linkname);
    }
    const deepestFirst = [...this.directories].sort((a, b) => b.parts.length - a.parts.length);
    for (const { parts, mode } of deepestFirst) await chmod(join(this.root, ...parts), (mode & 0o777 & ~this.umask) | 0o700);
    await rename(this.root, this.destination);
    this.forgetOnInterrupt();
  }

  /** Creates the link unless something of its name came first; says whether it did. */
  private async symlink(entry: TarReadEntry, parts: string[]): Promise<boolean> {
    for (let depth = 1; depth < parts.length; depth++) {
      const ancestor = await lstat(join(this.root, ...parts.slice(0, depth))).catch(() => undefined);
      if (!ancestor) break;
      if (ancestor.isSymbolicLink()) throw unsafeSymlink(entry.name, entry.linkname);
    }
    await this.makeParent(parts);
    try {
      await symlink(entry.linkname, join(this.root, ...parts));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return false; // a file or directory of that name came first
    }
  }

  discard(): void {
    this.removeWritten();
    this.forgetOnInterrupt();
  }

  /** The temporary directory, and the directories made to hold the destination when they hold nothing else. */
  private removeWritten(): void {
    try {
      rmSync(this.root, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      return;
    }
    if (this.madeParent === undefined) return;
    for (let dir = dirname(this.destination); ; dir = dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        return; // not empty: something else arrived there meanwhile
      }
      if (dir === this.madeParent || dirname(dir) === dir) return;
    }
  }
}

/** The topmost ancestor of `dir` (itself included) that does not exist yet, if any. */
async function firstMissing(dir: string): Promise<string | undefined> {
  let missing: string | undefined;
  for (let at = dir; !(await lstat(at).then(() => true, () => false)); at = dirname(at)) {
    missing = at;
    if (dirname(at) === at) break;
  }
  return missing;
}

// A file system refusal while extracting (a file where a directory must go, say) is a
// property of the tarball, reported like the others; anything else passes through.
function unpackFailure(err: unknown, name: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof TarballError || !(err instanceof Error) || !('syscall' in err) || typeof code !== 'string') return err;
  return new TarballError('file_error', `cannot unpack ${name}: ${code}`);
}

// Erlang's ~p of a list of strings, as in `missing files: ["VERSION","CHECKSUM"]`.
function formatStrings(names: readonly string[]): string {
  return `[${names.map((name) => JSON.stringify(name)).join(',')}]`;
}

// Erlang's ~p of a binary: <<"3">> when printable, else its bytes.
function formatBinary(bytes: Buffer): string {
  if (/^[\x20-\x7e]*$/.test(bytes.toString('latin1'))) {
    return `<<${JSON.stringify(bytes.toString('latin1'))}>>`;
  }
  return `<<${[...bytes].join(',')}>>`;
}
