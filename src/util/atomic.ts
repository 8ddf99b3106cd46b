import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { writeFailure } from './fs-errors.js';
import { removeOnInterrupt } from './interrupt.js';

// Writes go to a temporary file in the same directory and are renamed into place, so a
// crash or a full disk never leaves a half-written file; the mode is set at creation so the
// content is never readable by others, not even for a moment. A signal removes the
// temporary file before the process ends (what it holds may be a secret); one that no
// handler sees (SIGKILL, a power cut) leaves it until the next write of the same file.

export interface AtomicWriteOptions {
  /**
   * The file's mode, exactly (default 0600, in directories made 0700); or `public`: a file
   * served to everyone, 0666 less the umask in directories made 0777 less the umask, as mix
   * writes a repository.
   */
  mode?: number | 'public';
  /** How an error names the file (default: its path). */
  shown?: string;
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  try {
    await writeThroughTemporary(path, data, options.mode ?? 0o600);
  } catch (err) {
    throw writeFailure('write', options.shown ?? path, err);
  }
}

async function writeThroughTemporary(path: string, data: string | Uint8Array, mode: number | 'public'): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, mode === 'public' ? { recursive: true } : { recursive: true, mode: 0o700 });
  await removeAbandoned(dir, basename(path));
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const forget = removeOnInterrupt(tmp);
  try {
    const handle = await open(tmp, 'wx', mode === 'public' ? 0o666 : mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
      // the umask may have narrowed or the mode is wider than asked; a public file keeps the umask's
      if (mode !== 'public') await handle.chmod(mode);
    } catch (err) {
      await handle.close();
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await handle.close();
    try {
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  } finally {
    forget();
  }
}

/** A write takes moments; a temporary file this old was left by a process that was killed. */
const ABANDONED_AFTER_MS = 60_000;

async function removeAbandoned(dir: string, name: string): Promise<void> {
  const prefix = `.${name}.`;
  const names = await readdir(dir).catch(() => []);
  for (const entry of names) {
    if (!entry.startsWith(prefix) || !/^[0-9a-f]{12}\.tmp$/.test(entry.slice(prefix.length))) continue;
    const stats = await lstat(join(dir, entry)).catch(() => undefined);
    if (stats?.isFile() && Date.now() - stats.mtimeMs > ABANDONED_AFTER_MS) await unlink(join(dir, entry)).catch(() => {});
  }
}
