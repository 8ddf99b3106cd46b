// Docs tarballs as `mix hex.publish docs` builds them (tarball.md §8): gzip (§4) of a tar
// of regular files only, every entry 0100644 with no directory entries, in the order of
// Path.wildcard("<dir>/**"), with hex_core's docs limits.
import { realpath, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipTar, planEntry, type PlannedEntry } from './tar/archive.js';
import { TarballError, tooBigCompressed, unsafePath } from './tar/error.js';
import { DEFAULT_LIMITS, type TarballLimits } from './tar/limits.js';
import { isSafeArchivePath } from './tar/paths.js';

/** A docs file: in memory, or read from `source` on disk (symlinks followed) when archived. */
export type DocsFile = { path: string; contents: Uint8Array } | { path: string; source: string };

export async function createDocsTarball(files: readonly DocsFile[], options: { limits?: Partial<TarballLimits> } = {}): Promise<Buffer> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const entries: PlannedEntry[] = [];
  for (const file of files) {
    if (!isSafeArchivePath(file.path)) throw unsafePath(file.path);
    if ('contents' in file) {
      entries.push(planEntry({ name: file.path, mode: 0o100644, size: file.contents.length, type: 'file' }, { data: file.contents }));
      continue;
    }
    // Resolved once, so the archive reads exactly the file that was measured.
    const source = await realpath(file.source).catch(() => file.source);
    const stats = await stat(source).catch((err: NodeJS.ErrnoException) => {
      throw new TarballError('file_error', `cannot read ${file.path}: ${err.code ?? err.message}`);
    });
    if (!stats.isFile()) throw new TarballError('file_error', `not a regular file: ${file.path}`);
    entries.push(planEntry({ name: file.path, mode: 0o100644, size: stats.size, type: 'file' }, { source }));
  }
  const docs = await gzipTar(entries, limits.maxUncompressedSize, (size) => {
    if (size > limits.maxSize) throw tooBigCompressed(limits.maxSize);
  });
  return Buffer.concat(docs.chunks, docs.size);
}

/**
 * The files mix publishes from a docs directory: every regular file (following symlinks)
 * under it, dotfiles and dot-directories skipped, sorted by full path like Path.wildcard.
 * `dir` appears in messages as given, e.g. `File not found: doc/index.html`.
 */
export async function collectDocsFiles(dir: string): Promise<DocsFile[]> {
  const index = await stat(join(dir, 'index.html')).catch(() => undefined);
  if (!index) throw new TarballError('docs', `File not found: ${dir}/index.html`);

  const found: Array<{ path: string; source: string }> = [];
  const visited = new Set<string>();
  const walk = async (relative: string) => {
    const absolute = join(dir, relative);
    const real = await realpath(absolute);
    if (visited.has(real)) return; // a symlink loop; Path.wildcard would never finish
    visited.add(real);
    for (const name of await readdir(absolute)) {
      if (name.startsWith('.')) continue;
      const path = relative === '' ? name : `${relative}/${name}`;
      const stats = await stat(join(dir, path)).catch(() => undefined);
      if (stats?.isDirectory()) await walk(path);
      else if (stats?.isFile()) found.push({ path, source: join(dir, path) });
    }
  };
  await walk('');
  found.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));

  for (const { path } of found) {
    if (SEMVER.test(path.split('/')[0]!)) {
      throw new TarballError('docs', 'Invalid filename: top-level filenames cannot match a semantic version pattern');
    }
  }
  return found;
}

// Elixir's Version.parse/1: SemVer 2.0 with no leading zeros in numeric parts.
const NUMBER = '(?:0|[1-9]\\d*)';
const PRE_ID = '(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)';
const BUILD_ID = '[0-9A-Za-z-]+';
const SEMVER = new RegExp(
  `^${NUMBER}\\.${NUMBER}\\.${NUMBER}(?:-${PRE_ID}(?:\\.${PRE_ID})*)?(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?$`,
);
