import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SPAWN_WATCHDOG_MS, finished, type CliResult } from '../helpers/cli.js';

// Runs the built hexts where the disk misbehaves, which a test cannot arrange as root on the
// real file system: in a private user and mount namespace (unshare), a directory is covered
// by a small tmpfs — read-only, or too small for what is written — and files can be
// bind-mounted over others. What the tmpfs holds after the run is copied out before the
// namespace (and the tmpfs) goes away, for the test to inspect.

const BIN = new URL('../../bin/hexts.cjs', import.meta.url).pathname;

/** Why the sandbox cannot run here, or undefined when it can (for `test(…, { skip })`). */
export const sandboxMissing: string | undefined =
  spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'true']).status === 0
    ? undefined
    : 'unshare cannot make a user and mount namespace here';

export interface SandboxOptions {
  /** The directory the tmpfs covers (it must exist). */
  mount: string;
  /** The tmpfs's size (rounded up to whole pages). */
  sizeBytes?: number;
  /** Remount the tmpfs read-only once the seed files are in. */
  readOnly?: boolean;
  /** Files put into the tmpfs before the run: name → content. */
  seed?: Record<string, string | Buffer>;
  /** [source, target] bind mounts made before the run. */
  binds?: Array<[string, string]>;
  cwd: string;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
}

export interface SandboxResult extends CliResult {
  /** A copy of everything the tmpfs held after the run. */
  left: string;
  cleanup(): void;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function runInSandbox(argv: string[], options: SandboxOptions): Promise<SandboxResult> {
  const work = mkdtempSync(join(tmpdir(), 'hexts-sandbox-'));
  const seed = join(work, 'seed');
  const left = join(work, 'left');
  mkdirSync(seed);
  mkdirSync(left);
  for (const [name, content] of Object.entries(options.seed ?? {})) writeFileSync(join(seed, name), content);
  const mount = quote(options.mount);
  const script = [
    'set -e',
    `mount -t tmpfs -o size=${options.sizeBytes ?? 1024 * 1024},mode=755 tmpfs ${mount}`,
    `cp -a ${quote(seed)}/. ${mount}/`,
    ...(options.binds ?? []).map(([source, target]) => `mount --bind ${quote(source)} ${quote(target)}`),
    ...(options.readOnly ? [`mount -o remount,ro ${mount}`] : []),
    'set +e',
    `${quote(process.execPath)} ${quote(BIN)} "$@"`,
    'status=$?',
    `cp -a ${mount}/. ${quote(left)}/`,
    'exit $status',
  ].join('\n');
  const child = spawn('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', ...argv], {
    cwd: options.cwd,
    env: options.env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result = await finished(child, `hexts ${argv.join(' ')} in the sandbox`, options.timeoutMs ?? SPAWN_WATCHDOG_MS);
  return { ...result, left, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}

/**
 * A sysfs file whose size (4096) is more than it reads (a few bytes): bind-mounted over a
 * project file, it is a file that shrinks between being listed and being read.
 */
export function shrinkingFile(): string | undefined {
  const candidates = ['/sys/kernel/mm/transparent_hugepage/enabled', '/sys/kernel/profiling', '/sys/power/state', '/sys/kernel/uevent_helper'];
  for (const path of candidates) {
    const probe = spawnSync('sh', ['-c', `[ "$(stat -c %s ${quote(path)})" -gt "$(wc -c < ${quote(path)})" ]`]);
    if (probe.status === 0) return path;
  }
  return undefined;
}
