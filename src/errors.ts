// Errors a command can end with. The CLI prints the message on one line (plus an optional
// hint saying what to do) and exits 1; UsageError exits 2 like commander's own usage errors.
// Exit codes (README "Exit codes"): 0 done, 1 failed or declined, 2 usage error, 130 Ctrl-C.

export class CliError extends Error {
  readonly exitCode: number = 1;
  /** What the credential layer knows about a refusal (another credential that may do it), printed last. */
  advice?: string;
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  override readonly exitCode = 2;
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'UsageError';
  }
}

/** Keeps the credential advice of `from` on `to`, an error made to explain it. */
export function keepAdvice<T>(from: unknown, to: T): T {
  if (from instanceof CliError && from.advice && to instanceof CliError && to !== from) to.advice ??= from.advice;
  return to;
}

/**
 * The user declined at a prompt (answered no, or closed it with Ctrl-D): nothing was done.
 * Not an error: the CLI prints `Aborted.` and exits 1, so that `hexts … && next` stops.
 */
export class AbortedError extends Error {
  readonly exitCode = 1;
  constructor() {
    super('Aborted.');
    this.name = 'AbortedError';
  }
}

/** Ctrl-C at a prompt: the CLI exits 130 without a message, as a shell reports a command stopped by SIGINT. */
export class InterruptedError extends Error {
  readonly exitCode = 130;
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/**
 * An outcome that is not a failure but still ends with a non-zero code, with nothing more to
 * print: `package diff` exits 1 when the releases differ (as diff and mix do), or with the code
 * of the diff command it ran.
 */
export class ExitStatus extends Error {
  constructor(readonly exitCode: number) {
    super(`exit status ${exitCode}`);
    this.name = 'ExitStatus';
  }
}
