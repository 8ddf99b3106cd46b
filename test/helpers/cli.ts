import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** In-process runs that succeeded: the options given on the command line that the command never read. */
  unreadOptions?: string[];
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Text fed on stdin. */
  stdin?: string;
  /** Pretend stdin/stdout/stderr are terminals (prompts allowed). */
  tty?: boolean;
  /** Called with each piece of stderr as it is written (e.g. to answer a device code). */
  onStderr?: (text: string) => void;
  /**
   * With `tty`: answers typed at prompts, in order. Each is sent once stderr (where prompts
   * render) matches its pattern; stdin stays open until all are sent.
   */
  answers?: Array<[RegExp, string]>;
}

const BIN = new URL('../../bin/hexts.cjs', import.meta.url).pathname;

/** Runs hexts in this process with captured streams: fast, and what most tests use. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<CliResult> {
  const pending = [...(options.answers ?? [])];
  const typing = new PassThrough();
  const stdin = (pending.length > 0 ? typing : Readable.from(options.stdin === undefined ? [] : [options.stdin])) as Readable & { isTTY?: boolean };
  const stdout = new PassThrough() as PassThrough & { isTTY?: boolean };
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.tty) stdin.isTTY = stdout.isTTY = stderr.isTTY = true;
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  let answeredUpTo = 0; // prompts are looked for in what stderr showed since the last answer
  stderr.on('data', (c) => {
    err += c;
    options.onStderr?.(String(c));
    const next = pending[0];
    if (next && next[0].test(err.slice(answeredUpTo))) {
      pending.shift();
      answeredUpTo = err.length;
      setTimeout(() => {
        typing.write(next[1]);
        if (pending.length === 0) setTimeout(() => typing.end(), 50);
      }, 10);
    }
  });
  let unreadOptions: string[] | undefined;
  const code = await main(argv, {
    streams: { stdin, stdout, stderr },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    onUnreadOptions: (flags) => (unreadOptions = flags),
  });
  return { code, stdout: out, stderr: err, unreadOptions };
}

/** A hang watchdog for one run of the built hexts, not a speed target: generous, for a loaded machine. */
export const SPAWN_WATCHDOG_MS = 120_000;

/** Runs the built `bin/hexts.cjs` in a child process, as a user would. */
export function spawnCli(argv: string[], options: RunOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...argv], {
    cwd: options.cwd,
    env: options.env as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin!.end(options.stdin ?? '');
  return finished(child, `hexts ${argv.join(' ')}`, options.timeoutMs ?? SPAWN_WATCHDOG_MS);
}

/** A child's exit code and output; killed, and the promise rejected, if it runs past `timeoutMs` (a hang). */
export function finished(child: ChildProcess, what: string, timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** A fresh HOME and HEXTS_HOME for one test; call the returned cleanup when done. */
export function scratchHome(): { home: string; hextsHome: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'hexts-home-'));
  return { home, hextsHome: join(home, '.config', 'hexts'), cleanup: () => rmSync(home, { recursive: true, force: true }) };
}
