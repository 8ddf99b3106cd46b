import { CliError } from '../errors.js';

// The `x-hex-message` header hex.pm may put on any answer, API or repository:
// `"<text>";level=warn|fatal` (deprecation notices, for instance). Read as the Hex client
// reads it (lib/hex/http.ex): the text runs from the first quote to the next, with no escapes;
// whitespace may surround `;`, `level` and `=`; a message without a level, with another level,
// or in any other shape is not shown.

export interface HexMessage {
  text: string;
  level: 'warn' | 'fatal';
}

const SPACE = /^[ \t]*/;

/** The message to show, or undefined. Control characters come back escaped, never interpreted by a terminal. */
export function parseHexMessage(value: string): HexMessage | undefined {
  const rest = value.replace(SPACE, '');
  if (!rest.startsWith('"')) return undefined;
  const close = rest.indexOf('"', 1);
  if (close < 0) return undefined;
  const parameter = /^[ \t]*;[ \t]*level[ \t]*=[ \t]*(.*?)[ \t]*$/.exec(rest.slice(close + 1));
  const level = parameter?.[1];
  if (level !== 'warn' && level !== 'fatal') return undefined;
  return { text: escapeControls(utf8(rest.slice(1, close))), level };
}

/** Header values arrive as latin1, one character per byte; hex.pm's bytes are UTF-8. */
function utf8(latin1: string): string {
  return Buffer.from(latin1, 'latin1').toString('utf8');
}

function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A `level=fatal` message: the registry's own words are the error. */
export class HexMessageError extends CliError {
  constructor(text: string) {
    super(text);
    this.name = 'HexMessageError';
  }
}
