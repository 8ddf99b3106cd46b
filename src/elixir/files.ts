// The project's files as mix.exs may read them: only inside the project directory (symlinks
// resolved), only regular files, at most 16 MB, the limit enforced while reading. A FIFO or a
// device is never opened for reading: it is opened non-blocking and refused by its type.
import { closeSync, constants, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { FileAccessError, type ProjectFiles } from './runtime.js';

export const MAX_FILE_BYTES = 16 * 1024 * 1024;

function reason(e: unknown): FileAccessError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileAccessError('enoent');
  if (code === 'EISDIR') return new FileAccessError('eisdir');
  if (code === 'ENOTDIR') return new FileAccessError('enotdir');
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return new FileAccessError('eacces');
  return new FileAccessError('eio');
}

export function projectFiles(root: string): ProjectFiles {
  const base = (() => {
    try {
      return realpathSync(resolve(root));
    } catch {
      return resolve(root);
    }
  })();
  const within = (p: string) => p === base || p.startsWith(base + sep);

  /** The path with every symlink resolved; for a path that does not exist, its nearest existing parent's. */
  const real = (path: string): string => {
    const absolute = resolve(base, path);
    try {
      return realpathSync(absolute);
    } catch {
      const parent = resolve(absolute, '..');
      if (parent === absolute) return absolute;
      return resolve(real(parent), absolute.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
    }
  };

  return {
    inside: (path) => within(real(path)),
    read(path) {
      const target = real(path);
      if (!within(target)) throw new FileAccessError('eacces');
      let fd: number;
      try {
        fd = openSync(target, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
      } catch (e) {
        throw reason(e);
      }
      try {
        const stats = fstatSync(fd);
        if (stats.isDirectory()) throw new FileAccessError('eisdir');
        if (!stats.isFile()) throw new FileAccessError('special');
        const chunks: Buffer[] = [];
        let total = 0;
        for (;;) {
          const chunk = Buffer.allocUnsafe(Math.min(1 << 20, MAX_FILE_BYTES + 1 - total));
          const n = readSync(fd, chunk, 0, chunk.length, null);
          if (n === 0) break;
          total += n;
          if (total > MAX_FILE_BYTES) throw new FileAccessError('efbig');
          chunks.push(chunk.subarray(0, n));
        }
        return Buffer.concat(chunks, total);
      } catch (e) {
        throw e instanceof FileAccessError ? e : reason(e);
      } finally {
        closeSync(fd);
      }
    },
    stat(path) {
      try {
        const stats = statSync(resolve(base, path));
        return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
      } catch {
        return undefined;
      }
    },
    list(path) {
      const target = real(path);
      if (!within(target)) throw new FileAccessError('eacces');
      try {
        return readdirSync(target);
      } catch (e) {
        throw reason(e);
      }
    },
  };
}
