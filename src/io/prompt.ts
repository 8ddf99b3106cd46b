import { Writable } from 'node:stream';
import { CliError } from '../errors.js';
import type { Streams } from './output.js';

/** What to say when a prompt is needed but there is no terminal: the message and how to do without it. */
export interface Refusal {
  message: string;
  hint: string;
}

// Prompts render on stderr and read stdin, and only when both are terminals; the prompt
// library is loaded on first use so commands that never ask don't pay for it.
export class Prompter {
  constructor(private readonly streams: Streams, readonly interactive: boolean) {}

  private async ask<T>(
    run: (lib: typeof import('@inquirer/prompts'), context: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }) => Promise<T>,
    refusal: Refusal,
  ): Promise<T> {
    if (!this.interactive) throw new CliError(refusal.message, refusal.hint);
    const lib = await import('@inquirer/prompts');
    try {
      return await run(lib, { input: this.streams.stdin, output: promptOutput(this.streams.stderr) });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError') throw new CliError('cancelled');
      throw err;
    }
  }

  confirm(message: string, refusal: Refusal, defaultYes = true): Promise<boolean> {
    return this.ask((lib, context) => lib.confirm({ message, default: defaultYes }, context), refusal);
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
 */
function promptOutput(stderr: Streams['stderr']): NodeJS.WritableStream {
  const output = new Writable({
    write: (chunk, encoding, done) => void stderr.write(chunk, encoding, done),
    final: (done) => done(),
  });
  const size = stderr as { columns?: number; rows?: number };
  return Object.assign(output, { isTTY: true, columns: size.columns ?? 80, rows: size.rows ?? 24 });
}
