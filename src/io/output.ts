import type { Readable, Writable } from 'node:stream';

export type Env = Record<string, string | undefined>;

export interface Streams {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

/** --no-color and NO_COLOR turn colour off, FORCE_COLOR turns it on, otherwise colour only on a terminal that is not "dumb". */
export function colorEnabled(stream: { isTTY?: boolean }, env: Env, flag: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

// The few ANSI styles hexts uses. (A colour library would cost more start-up time than
// these lines, and the usual one ignores NO_COLOR anyway.)
const CODES = { red: [31, 39], yellow: [33, 39], green: [32, 39], bold: [1, 22], dim: [2, 22], underline: [4, 24] } as const;

export type Style = { readonly enabled: boolean } & { [K in keyof typeof CODES]: (text: string) => string };

export function style(enabled: boolean): Style {
  const styles = { enabled } as Record<string, unknown>;
  for (const [name, [open, close]] of Object.entries(CODES)) {
    styles[name] = enabled ? (text: string) => `\u001b[${open}m${text}\u001b[${close}m` : (text: string) => text;
  }
  return styles as Style;
}

// Data goes to stdout; progress, warnings and errors go to stderr so that stdout stays
// clean for pipes and --json.
export class Output {
  readonly color: Style;
  readonly errColor: Style;

  constructor(readonly streams: Streams, env: Env, colorFlag: boolean) {
    this.color = style(colorEnabled(streams.stdout, env, colorFlag));
    this.errColor = style(colorEnabled(streams.stderr, env, colorFlag));
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
