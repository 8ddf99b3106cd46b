import { randomBytes } from 'node:crypto';
import { mkdir, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { CliError } from '../errors.js';
import { writeFailure } from './fs-errors.js';

// Runs that share a home (CI jobs, a shell loop, an editor and a terminal) change the same
// files. Each read-modify-write of a shared file runs under an advisory lock: a file created
// with O_EXCL next to it that names its holder (pid, host). A lock whose holder is gone (a pid
// of this host that no longer runs) or that is older than any holder keeps one is removed; any
// other lock is waited for, for a bounded time, then named in the error.

/** How long a run waits for a lock on a file; holders keep it for a read and a write. */
export const FILE_LOCK_WAIT_MS = 10_000;

/** A lock this old has no holder any more, whatever it says (a reused pid, another host's run). */
const ABANDONED_MS = 10 * 60_000;

/** A lock still empty after this long was left by a run that died between creating and filling it. */
const UNFILLED_MS = 5_000;

interface Holder {
  pid?: number;
  host?: string;
  token?: string;
  /** The lock file's identity (inode, modification time, content): what a breaker must still find. */
  identity: string;
  ageMs: number;
}

export interface LockOptions {
  /** What the lock protects, for the error: "change /home/me/.config/hexts/config.json". */
  what: string;
  /** How long to wait for another holder; FILE_LOCK_WAIT_MS unless the holders' work is longer. */
  waitMs?: number;
}

/** Runs `work` holding the lock file `lockPath`; released (removed) however `work` ends. */
export async function withLock<T>(lockPath: string, work: () => Promise<T>, options: LockOptions): Promise<T> {
  const token = await acquire(lockPath, options);
  try {
    return await work();
  } finally {
    await release(lockPath, token);
  }
}

/** Runs `work` holding the lock of `file` (`FILE.lock`): for a re-read, change and write of `file`. */
export function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  return withLock(`${file}.lock`, work, { what: `change ${file}` });
}

async function acquire(lockPath: string, options: LockOptions): Promise<string> {
  const token = randomBytes(8).toString('hex');
  const content = JSON.stringify({ pid: process.pid, host: hostname(), token });
  const deadline = Date.now() + (options.waitMs ?? FILE_LOCK_WAIT_MS);
  let pause = 5;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(content);
      } finally {
        await handle.close();
      }
      return token;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        await mkdir(dirname(lockPath), { recursive: true, mode: 0o700 }).catch((mkdirErr: unknown) => {
          throw writeFailure('create the lock', lockPath, mkdirErr);
        });
        continue;
      }
      if (code !== 'EEXIST') throw writeFailure('create the lock', lockPath, err);
    }
    const holder = await readHolder(lockPath);
    if (!holder) continue; // released meanwhile
    if (abandoned(holder)) {
      await breakLock(lockPath, holder);
      continue;
    }
    if (Date.now() >= deadline) throw heldTooLong(lockPath, holder, options.what);
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 100);
  }
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  let handle;
  try {
    handle = await open(lockPath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw writeFailure('read the lock', lockPath, err);
  }
  try {
    const stats = await handle.stat();
    const text = await handle.readFile('utf8');
    let parsed: { pid?: unknown; host?: unknown; token?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // being filled, or not ours: judged by its age
    }
    return {
      pid: typeof parsed?.pid === 'number' ? parsed.pid : undefined,
      host: typeof parsed?.host === 'string' ? parsed.host : undefined,
      token: typeof parsed?.token === 'string' ? parsed.token : undefined,
      identity: `${stats.ino}:${stats.mtimeMs}:${text}`,
      ageMs: Math.max(0, Date.now() - stats.mtimeMs),
    };
  } finally {
    await handle.close();
  }
}

function abandoned(holder: Holder): boolean {
  if (holder.ageMs > ABANDONED_MS) return true;
  if (holder.pid === undefined) return holder.ageMs > UNFILLED_MS;
  return holder.host === hostname() && !running(holder.pid);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process: alive
  }
}

/**
 * Removes an abandoned lock. Several waiters may find the same one: each breaks it only while
 * holding `LOCK.break` and only if the lock is still the one found, so no waiter removes a
 * lock another has taken since.
 */
async function breakLock(lockPath: string, found: Holder): Promise<void> {
  const breaker = `${lockPath}.break`;
  try {
    await (await open(breaker, 'wx', 0o600)).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailure('create the lock', breaker, err);
    // Held for an instant; one this old was left by a run that died holding it.
    const other = await readHolder(breaker);
    if (other && other.ageMs > UNFILLED_MS) await unlink(breaker).catch(() => {});
    else await sleep(5);
    return;
  }
  try {
    const still = await readHolder(lockPath);
    if (still?.identity === found.identity) await unlink(lockPath).catch(() => {});
  } finally {
    await unlink(breaker).catch(() => {});
  }
}

/** Removes the lock if it is still this run's (a run that held it past ABANDONED_MS may have lost it). */
async function release(lockPath: string, token: string): Promise<void> {
  const holder = await readHolder(lockPath).catch(() => undefined);
  if (holder?.token === token) await unlink(lockPath).catch(() => {});
}

function heldTooLong(lockPath: string, holder: Holder, what: string): CliError {
  const who = holder.pid === undefined ? 'another process' : `another process (pid ${holder.pid}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''})`;
  return new CliError(
    `cannot ${what}: ${who} has held its lock ${lockPath} for ${Math.round(holder.ageMs / 1000)} s`,
    `Try again once it has finished. If no hexts is running, delete ${lockPath}.`,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
