// What the secret scan reads: the package's regular files on disk, one at a time, as the
// scan asks for them (a 45 MB package is never in memory at once).
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocsFile } from './docs-tarball.js';
import type { ScanFile } from './secret-scan.js';

/**
 * The regular files among `paths` (relative to `root`, as the package lists them: directories
 * and symlinks are skipped, a link's target is scanned where it is listed itself). `prefix`
 * names them as the user sees them (`doc/` for the files of a docs tarball).
 */
export function* filesOnDisk(root: string, paths: readonly string[], prefix = ''): Generator<ScanFile> {
  for (const path of paths) {
    const full = join(root, path);
    // A file that went away is left to the tarball, which says so.
    const stats = lstatSync(full, { throwIfNoEntry: false });
    if (!stats?.isFile()) continue;
    yield { path: `${prefix}${path}`, data: readFileSync(full) };
  }
}

/**
 * The files of a docs tarball (collectDocsFiles), read as the tarball reads them: symlinks
 * followed. `prefix` names them as the user sees them (`doc/`).
 */
export function* docsFilesToScan(files: readonly DocsFile[], prefix: string): Generator<ScanFile> {
  for (const file of files) yield { path: `${prefix}${file.path}`, data: 'contents' in file ? file.contents : readFileSync(file.source) };
}
