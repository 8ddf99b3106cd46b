import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { writeFailure } from './fs-errors.js';

// Writes go to a temporary file in the same directory and are renamed into place, so a
// crash or a full disk never leaves a half-written file; the mode is set at creation so the
// content is never readable by others, not even for a moment.
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  try {
    await writeThroughTemporary(path, data, mode);
  } catch (err) {
    throw writeFailure('write', path, err);
  }
}

async function writeThroughTemporary(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.chmod(mode); // the umask may have narrowed or the mode is wider than asked
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
}
