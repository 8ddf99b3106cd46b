import { Chalk, type ChalkInstance } from 'chalk';
import type { Readable, Writable } from 'node:stream';

export type Env = Record<string, string | undefined>;

export interface Streams {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

// chalk 5 ignores NO_COLOR, so the decision is made here: --no-color and NO_COLOR turn colour
// off, FORCE_COLOR turns it on, otherwise colour only on a terminal that is not "dumb".
export function colorEnabled(stream: { isTTY?: boolean }, env: Env, flag: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

// Data goes to stdout; progress, warnings and errors go to stderr so that stdout stays
// clean for pipes and --json.
export class Output {
  readonly color: ChalkInstance;
  readonly errColor: ChalkInstance;

  constructor(readonly streams: Streams, env: Env, colorFlag: boolean) {
    this.color = new Chalk({ level: colorEnabled(streams.stdout, env, colorFlag) ? 1 : 0 });
    this.errColor = new Chalk({ level: colorEnabled(streams.stderr, env, colorFlag) ? 1 : 0 });
  }

  /** A line of data on stdout. */
  print(text = ''): void {
    this.streams.stdout.write(text + '\n');
  }

  /** Machine-readable output on stdout. */
  json(value: unknown): void {
    this.streams.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  /** A line of progress or information on stderr. */
  info(text = ''): void {
    this.streams.stderr.write(text + '\n');
  }

  warn(text: string): void {
    this.streams.stderr.write(this.errColor.yellow(text) + '\n');
  }

  error(message: string, hint?: string): void {
    this.streams.stderr.write(this.errColor.red(`error: ${message}`) + '\n');
    if (hint) this.streams.stderr.write(hint + '\n');
  }
}
