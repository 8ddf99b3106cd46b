import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';

// Runs mix's diff_command (src/diff/template.ts) as mix does: in the parent directory of the
// two trees, with their names as paths. No shell: its output goes through as it is, and its
// exit code becomes hexts's.

/**
 * Runs the command in `cwd` and resolves with its exit code (128 + N when signal N ended it).
 * `setIn` names where the command was set (HEX_DIFF_COMMAND, the config file), for the error
 * when it cannot be started.
 */
export function runDiffCommand(ctx: Context, argv: string[], cwd: string, setIn: string): Promise<number> {
  const [program, ...args] = argv;
  return new Promise((resolve, reject) => {
    // The program compares two directories: the key and the two-factor code of this run are not its business.
    const { HEX_API_KEY: _key, HEX_OTP: _otp, ...env } = ctx.env;
    const child = spawn(program!, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(ctx.streams.stdout, { end: false });
    child.stderr.pipe(ctx.streams.stderr, { end: false });
    child.on('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'ENOENT' ? 'not found' : err.code === 'EACCES' ? 'not executable' : err.message;
      reject(new CliError(`cannot run the diff command set in ${setIn}: ${program}: ${reason}`, 'Check the program it names (`hexts config diff_command` shows it), or remove the setting to use the built-in diff.'));
    });
    child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
