// Package tarballs byte-identical to hex_core's hex_tarball:create/3 (tarball.md §1–§3, §7):
// an uncompressed outer tar of VERSION, CHECKSUM, metadata.config and contents.tar.gz.
import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { encodeMetadata } from '../erlang/pretty.js';
import type { Term } from '../erlang/term.js';
import { writeFailure } from '../util/fs-errors.js';
import { gzipTar, planEntry, type PlannedEntry } from './tar/archive.js';
import { TarballError, tooBigCompressed, unsafePath, unsafeSymlink } from './tar/error.js';
import { DEFAULT_LIMITS, MAX_METADATA_SIZE, type TarballLimits } from './tar/limits.js';
import { isSafeArchivePath, isSafeSymlink, rootResolver } from './tar/paths.js';
import { BLOCK_SIZE, TarWriter, nameQuirks, type NameQuirk, type TarEntry } from './tar/ustar.js';

export { TarballError } from './tar/error.js';
export type { TarballErrorCode } from './tar/error.js';
export { DEFAULT_LIMITS, type TarballLimits } from './tar/limits.js';

/**
 * A file to archive, in archive order. `{ path }` is read from disk (relative to the root)
 * without following symlinks: a regular file keeps its full st_mode, an empty directory
 * becomes a `path/` entry, a non-empty directory writes nothing (its files are listed on
 * their own), a symlink is stored as a link. `{ path, contents }` is an in-memory file;
 * its `mode` is a full st_mode and defaults to 0o100644, as hex_core writes binaries.
 */
export type PackageFile = { path: string } | { path: string; contents: Uint8Array; mode?: number };

export interface CreatePackageTarballOptions {
  /** The printed metadata.config bytes. */
  metadataConfig: Uint8Array;
  files: readonly PackageFile[];
  /** The project directory disk paths are resolved against. */
  root: string;
  /** Where to write the tarball (atomically); without it the bytes are returned. */
  output?: string;
  limits?: Partial<TarballLimits>;
}

export interface PackageTarball {
  /** SHA-256 of the whole tarball, lowercase hex (what `mix hex.build` prints). */
  outerChecksum: string;
  /** The CHECKSUM member, uppercase hex. */
  innerChecksum: string;
  size: number;
  path?: string;
  tarball?: Buffer;
  /** Paths (as listed, without a directory's `/`) that tar readers will not read back as written, as in mix's tarball. */
  nameQuirks: Array<{ path: string } & NameQuirk>;
}

const VERSION = Buffer.from('3');
const FILE_MODE = 0o100644;
// 4 member headers + VERSION and CHECKSUM blocks + the end blocks.
const OUTER_FIXED_SIZE = 4 * BLOCK_SIZE + 2 * BLOCK_SIZE + 2 * BLOCK_SIZE;
const padded = (size: number) => Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;

export async function createPackageTarball(options: CreatePackageTarballOptions): Promise<PackageTarball> {
  const { metadataConfig: metadata } = options;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  if (metadata.length > MAX_METADATA_SIZE) throw new TarballError('file_too_big', 'file too big: metadata.config');

  const entries = planPackageEntries(options.files, resolve(options.root));
  const outerSizeWith = (gzipSize: number) => OUTER_FIXED_SIZE + padded(metadata.length) + padded(gzipSize);
  const contents = await gzipTar(entries, limits.maxUncompressedSize, (gzipSize) => {
    if (outerSizeWith(gzipSize) > limits.maxSize) throw tooBigCompressed(limits.maxSize);
  });

  const inner = createHash('sha256').update(VERSION).update(metadata);
  for (const chunk of contents.chunks) inner.update(chunk);
  const innerChecksum = inner.digest('hex').toUpperCase();

  const pieces: Uint8Array[] = [];
  const outer = new TarWriter((chunk) => pieces.push(chunk));
  const member = (name: string, size: number): TarEntry => ({ name, mode: FILE_MODE, size, type: 'file' });
  outer.add(member('VERSION', VERSION.length), VERSION);
  outer.add(member('CHECKSUM', 64), Buffer.from(innerChecksum, 'latin1'));
  outer.add(member('metadata.config', metadata.length), metadata);
  outer.begin(member('contents.tar.gz', contents.size));
  for (const chunk of contents.chunks) outer.write(chunk);
  outer.end();

  const hash = createHash('sha256');
  let size = 0;
  for (const piece of pieces) {
    hash.update(piece);
    size += piece.length;
  }
  const quirks = entries.flatMap(({ entry }) => nameQuirks(entry).map((quirk) => ({ path: entry.name.replace(/\/$/, ''), ...quirk })));
  const result: PackageTarball = { outerChecksum: hash.digest('hex'), innerChecksum, size, nameQuirks: quirks };
  if (options.output === undefined) return { ...result, tarball: Buffer.concat(pieces, size) };
  writeAtomically(options.output, pieces);
  return { ...result, path: options.output };
}

/**
 * The tarball of a package read from mix.exs (preparePackage): its metadata printed as mix
 * prints it, its files read from `root`, the project directory, in the package's order.
 */
export function createProjectTarball(
  prepared: { metadata: Array<[string, Term]>; files: readonly string[] },
  root: string,
  output?: string,
): Promise<PackageTarball> {
  return createPackageTarball({ metadataConfig: encodeMetadata(prepared.metadata), files: prepared.files.map((path) => ({ path })), root, output });
}

// hex_core's validate_create_files + add_file, in the caller's order. File system calls
// are synchronous: they are many and tiny, and each asynchronous one costs a thread-pool
// round trip that a command-line build only waits for.
function planPackageEntries(files: readonly PackageFile[], root: string): PlannedEntry[] {
  const inside = rootResolver(root);
  const planned: PlannedEntry[] = [];
  for (const file of files) {
    const name = file.path;
    if (!isSafeArchivePath(name)) throw unsafePath(name);
    if ('contents' in file) {
      const entry: TarEntry = { name, mode: file.mode ?? FILE_MODE, size: file.contents.length, type: 'file' };
      planned.push(planEntry(entry, { data: file.contents }));
      continue;
    }
    const diskPath = join(root, name);
    let stats: Stats;
    try {
      stats = lstatSync(diskPath);
    } catch (err) {
      throw new TarballError('file_error', `cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (stats.isSymbolicLink()) {
      const target = readlinkSync(diskPath);
      if (!isSafeSymlink(name, target)) throw unsafeSymlink(name, target);
      if (!inside(name)) throw unsafePath(name);
      planned.push(planEntry({ name, mode: stats.mode, size: 0, type: 'symlink', linkname: target }));
    } else if (stats.isDirectory()) {
      if (!inside(name)) throw unsafePath(name);
      if (readdirSync(diskPath).length === 0) {
        planned.push(planEntry({ name: `${name}/`, mode: stats.mode, size: 0, type: 'directory' }));
      }
    } else if (stats.isFile()) {
      if (!inside(name)) throw unsafePath(name);
      planned.push(planEntry({ name, mode: stats.mode, size: stats.size, type: 'file' }, { source: diskPath }));
    } else {
      throw new TarballError('unsupported_file_type', `unsupported file type in tarball: ${name} (${fileType(stats)})`);
    }
  }
  return planned;
}

const fileType = (stats: Stats) => (stats.isCharacterDevice() || stats.isBlockDevice() ? 'device' : 'other');

// A temporary file in the same directory, renamed into place once complete.
function writeAtomically(path: string, pieces: readonly Uint8Array[]): void {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', 0o666);
  } catch (err) {
    throw writeFailure('write', path, err);
  }
  try {
    try {
      for (const piece of pieces) {
        for (let written = 0; written < piece.length; ) written += writeSync(fd, piece, written);
      }
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw writeFailure('write', path, err);
  }
}
