import { ApiError } from './api/errors.js';
import type { RunIO } from './cli.js';
import { AbortedError, CliError, ExitStatus, InterruptedError } from './errors.js';
import { Output } from './io/output.js';

/** Prints a command's failure on stderr and returns its exit code. */
export function reportError(err: unknown, io: RunIO, flags: { verbose: boolean; color: boolean }): number {
  const out = new Output(io.streams, io.env, flags.color);
  if (err instanceof ApiError) {
    const [first, ...rest] = err.lines();
    out.error(first!);
    for (const line of rest) out.info(line);
    if (err.hint) out.info(err.hint);
    if (err.advice) out.info(err.advice);
    return 1;
  }
  if (err instanceof CliError) {
    out.error(err.message, err.hint);
    if (err.advice) out.info(err.advice);
    return err.exitCode;
  }
  // Declining and Ctrl-C are the user's choice, not failures: no `error:`.
  if (err instanceof AbortedError) {
    out.info(err.message);
    return err.exitCode;
  }
  if (err instanceof InterruptedError || err instanceof ExitStatus) return err.exitCode;
  const e = err as Error;
  out.error(`unexpected failure: ${e?.message ?? String(err)}`, flags.verbose ? e?.stack : 'Run again with --verbose for details.');
  return 1;
}
