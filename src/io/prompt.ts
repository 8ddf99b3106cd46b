import { Writable } from 'node:stream';
import { AbortedError, CliError, InterruptedError } from '../errors.js';
import type { Streams } from './output.js';

/** What to say when a prompt is needed but there is no terminal: the message and the flag that does without it. */
export interface Refusal {
  message: string;
  hint: string;
}

type PromptContext = { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal: AbortSignal };

// Prompts render on stderr and read stdin, and only when both are terminals; the prompt
// library is loaded on first use so commands that never ask don't pay for it.
//
// How a prompt ends, for every command alike: an answer; `no` to proceed() or Ctrl-D
// (AbortedError: `Aborted.`, exit 1); Ctrl-C (InterruptedError: exit 130). Without a
// terminal it is refused (exit 1), naming the flag that replaces the question.
export class Prompter {
  constructor(private readonly streams: Streams, readonly interactive: boolean) {}

  private async ask<T>(run: (lib: typeof import('@inquirer/prompts'), context: PromptContext) => Promise<T>, refusal: Refusal): Promise<T> {
    if (!this.interactive) throw new CliError(refusal.message, refusal.hint);
    const lib = await import('@inquirer/prompts');
    // Ctrl-D closes the library's readline, which pauses stdin but leaves the prompt
    // unsettled; the pause is the one sign of it.
    const closed = new AbortController();
    const onPause = () => closed.abort();
    const stdin = this.streams.stdin;
    stdin.once('pause', onPause);
    try {
      return await run(lib, { input: stdin, output: promptOutput(this.streams.stderr), signal: closed.signal });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'ExitPromptError') throw new InterruptedError(); // Ctrl-C
      if (name === 'AbortPromptError') throw new AbortedError(); // Ctrl-D
      throw err;
    } finally {
      stdin.off('pause', onPause);
    }
  }

  confirm(message: string, refusal: Refusal, defaultYes = true): Promise<boolean> {
    return this.ask((lib, context) => lib.confirm({ message, default: defaultYes }, context), refusal);
  }

  /** A yes/no question where no means stop: declining throws AbortedError. */
  async proceed(message: string, refusal: Refusal, defaultYes = true): Promise<void> {
    if (!(await this.confirm(message, refusal, defaultYes))) throw new AbortedError();
  }

  input(message: string, refusal: Refusal, validate?: (value: string) => string | true): Promise<string> {
    return this.ask((lib, context) => lib.input({ message, validate }, context), refusal);
  }

  password(message: string, refusal: Refusal): Promise<string> {
    return this.ask((lib, context) => lib.password({ message, mask: '*' }, context), refusal);
  }

  select<T extends string>(message: string, choices: Array<{ name: string; value: T }>, refusal: Refusal): Promise<T> {
    return this.ask((lib, context) => lib.select<T>({ message, choices }, context), refusal);
  }
}

/**
 * stderr as the prompt library's output. The library ends its output stream when a prompt
 * is done; this stand-in lets it, while stderr itself stays open for the rest of the run.
 * Each write is handed to stderr at once: a stream that queued writes until stderr called
 * back would let the prompt's closing newline land after the command's next line.
 */
function promptOutput(stderr: Streams['stderr']): NodeJS.WritableStream {
  const output = new Writable({
    write: (chunk, encoding, done) => {
      stderr.write(chunk, encoding);
      done();
    },
    final: (done) => done(),
  });
  const size = stderr as { columns?: number; rows?: number };
  return Object.assign(output, { isTTY: true, columns: size.columns ?? 80, rows: size.rows ?? 24 });
}
