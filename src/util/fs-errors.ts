import { CliError } from '../errors.js';

// A failed write as one line a user can act on (where, why, what to do) instead of a bare
// Node error naming a temporary file.

const WRITE_FAILURES: Record<string, [reason: string, hint: string]> = {
  ENOSPC: ['no space left on the device', 'Free some disk space and try again.'],
  EDQUOT: ['the disk quota is exhausted', 'Free some disk space and try again.'],
  EROFS: ['the file system is read-only', 'Choose a location you can write to.'],
  EACCES: ['permission denied', 'Choose a location you can write to.'],
  EPERM: ['operation not permitted', 'Choose a location you can write to.'],
  EISDIR: ['it is a directory', 'Give the path of a file, not of a directory.'],
  ENOENT: ['its directory does not exist', 'Create the directory first, or choose another path.'],
  ENOTDIR: ['part of the path is not a directory', 'Check the path.'],
};

/** `err` as "cannot ACTION PATH: reason (CODE)" when it is a file system error; anything else unchanged. */
export function writeFailure(action: string, path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof CliError || !(err instanceof Error) || typeof code !== 'string' || !('syscall' in err)) return err;
  const [reason, hint] = WRITE_FAILURES[code] ?? [err.message.replace(/^\w+: /, '').split(',')[0]!, undefined];
  return new CliError(`cannot ${action} ${path}: ${reason} (${code})`, hint);
}
