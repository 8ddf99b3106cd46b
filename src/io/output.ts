import type { Readable, Writable } from 'node:stream';
import { redactKeys } from '../credentials/redact.js';

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
type StyleName = keyof typeof CODES;

/**
 * What Output writes: strings, and spans in one of hexts's styles. Every string is data —
 * much of it came from the registry or a tarball — so Output escapes the control characters
 * in it, and only then adds the codes of the styles, itself.
 */
export type Text = string | Styled | readonly Text[];

export class Styled {
  constructor(readonly style: StyleName, readonly content: Text) {}

  /** A span put into a template string keeps its text (still escaped on output) and loses its style. */
  toString(): string {
    return render(this, false);
  }
}

export type Style = { [K in StyleName]: (text: Text) => Styled };

export const style = Object.fromEntries(Object.keys(CODES).map((name) => [name, (text: Text) => new Styled(name as StyleName, text)])) as Style;

// C0 controls (ESC, CR, BEL, backspace…), DEL and the C1 controls (CSI, OSC… in 8 bits).
// Tab and newline are kept where text may span lines; a table cell keeps neither.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const CONTROLS_AND_LAYOUT = /[\u0000-\u001f\u007f-\u009f]/g;
const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** `text` with its control characters shown as `\xNN`: printed, it moves no cursor and sets no title. */
export function escapeControls(text: string, keepLayout: boolean): string {
  return keepLayout ? text.replace(/\r\n/g, '\n').replace(CONTROLS, hex) : text.replace(CONTROLS_AND_LAYOUT, hex);
}

function render(text: Text, color: boolean): string {
  if (typeof text === 'string') return escapeControls(text, true);
  if (text instanceof Styled) {
    const [open, close] = CODES[text.style];
    const inner = render(text.content, color);
    return color ? `\u001b[${open}m${inner}\u001b[${close}m` : inner;
  }
  return text.map((t) => render(t, color)).join('');
}

/** The text itself: no escapes, no styles. */
function plain(text: Text): string {
  if (typeof text === 'string') return text;
  if (text instanceof Styled) return plain(text.content);
  return text.map(plain).join('');
}

// Data goes to stdout; progress, warnings and errors go to stderr so that stdout stays
// clean for pipes and --json. Every line of text passes through render(): the one place
// where what came from outside meets the terminal.
export class Output {
  readonly style = style;
  private readonly stdoutColor: boolean;
  private readonly stderrColor: boolean;

  constructor(readonly streams: Streams, env: Env, colorFlag: boolean) {
    this.stdoutColor = colorEnabled(streams.stdout, env, colorFlag);
    this.stderrColor = colorEnabled(streams.stderr, env, colorFlag);
  }

  /** A line of data on stdout. */
  print(text: Text = ''): void {
    this.streams.stdout.write(render(text, this.stdoutColor) + '\n');
  }

  /**
   * Machine-readable output on stdout, exact: JSON escapes the C0 controls itself, and DEL
   * and the C1 controls are written as \u escapes too (the same string to a JSON reader).
   */
  json(value: unknown): void {
    const text = JSON.stringify(value, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    this.streams.stdout.write(text + '\n');
  }

  /**
   * Data that must reach a pipe or a file byte for byte (a diff): written as it is, without
   * styles, when stdout is not a terminal; on a terminal escaped and styled as print() does.
   * Resolves once the stream can take more, so that a long output does not pile up in memory.
   */
  verbatim(text: Text): Promise<void> {
    const terminal = this.streams.stdout.isTTY === true;
    const written = this.streams.stdout.write(terminal ? render(text, this.stdoutColor) : plain(text));
    if (written) return Promise.resolve();
    const stdout = this.streams.stdout;
    return new Promise((resolve) => {
      const done = () => {
        for (const event of ['drain', 'close', 'error']) stdout.off(event, done);
        resolve();
      };
      for (const event of ['drain', 'close', 'error']) stdout.once(event, done);
    });
  }

  /**
   * A line of progress or information on stderr. No API key shows there, whatever the text
   * quotes (only `key generate` shows one, on stdout).
   */
  info(text: Text = ''): void {
    this.streams.stderr.write(redactKeys(render(text, this.stderrColor)) + '\n');
  }

  warn(text: Text): void {
    this.info(style.yellow(text));
  }

  error(message: Text, hint?: Text): void {
    this.info(style.red(['error: ', message]));
    if (hint) this.info(hint);
  }
}
