// Sigils: ~s ~c ~w ~r (with interpolation and escapes) and their uppercase, verbatim forms.
// The parser keeps a sigil's text as written; the sigil itself unescapes it, as Kernel does.
import { Atom, atom } from '../../erlang/term.js';
import { isNode, type Ast, type AstNode } from '../ast.js';
import { OutsideModelError, argumentError, compileError } from '../errors.js';
import type { Interpreter } from '../eval.js';
import type { Scope } from '../scope.js';
import type { Value } from '../values.js';
import { compileOrRaise, splitWords } from './string.js';

type Unescape = (escaped: string) => string | false;

// :elixir_interpolation.unescape_map/1: what `\x` means in strings and lowercase sigils.
const STRING_ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', d: '\x7f', e: '\x1b', f: '\f', n: '\n', r: '\r', s: ' ', t: '\t', v: '\v',
};
const stringEscape: Unescape = (c) => STRING_ESCAPES[c] ?? c;
// Regex.unescape_map/1: only these become characters; the rest stays for PCRE.
const REGEX_ESCAPES: Record<string, string> = { f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', a: '\x07' };
const regexEscape: Unescape = (c) => REGEX_ESCAPES[c] ?? false;

/** :elixir_interpolation.unescape_string/2 on one literal piece of a sigil (as UTF-8 bytes). */
export function unescape(raw: string, map: Unescape, isRegex: boolean): Buffer {
  const out: Buffer[] = [];
  let text = '';
  const flush = () => {
    if (text !== '') out.push(Buffer.from(text, 'utf8'));
    text = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\' || i + 1 >= raw.length) {
      text += c;
      continue;
    }
    const e = raw[i + 1]!;
    if (e === '\n' || (e === '\r' && raw[i + 2] === '\n')) {
      i += e === '\r' ? 2 : 1; // a line continuation
      continue;
    }
    if (e === 'x' && !isRegex) {
      const hex = /^[0-9a-fA-F]{2}/.exec(raw.slice(i + 2));
      if (!hex) throw compileError('invalid hex escape character, expected \\xHH where H is a hexadecimal digit');
      flush();
      out.push(Buffer.from([parseInt(hex[0], 16)]));
      i += 1 + hex[0].length;
      continue;
    }
    if (e === 'u' && !isRegex) {
      const m = /^(?:([0-9a-fA-F]{4})|\{([0-9a-fA-F]{1,6})\})/.exec(raw.slice(i + 2));
      if (!m) throw compileError('invalid Unicode escape character, expected \\uHHHH or \\u{H*} where H is a hexadecimal digit');
      const cp = parseInt(m[1] ?? m[2]!, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw compileError(`invalid or reserved Unicode code point \\u{${(m[1] ?? m[2])!}}`);
      text += String.fromCodePoint(cp);
      i += 1 + m[0].length;
      continue;
    }
    const mapped = map(e);
    if (mapped === false) text += '\\' + e;
    else text += mapped;
    i++;
  }
  flush();
  return Buffer.concat(out);
}

/** The sigil's text: literal pieces unescaped (lowercase sigils) and interpolations as strings. */
function sigilText(interp: Interpreter, content: Ast, scope: Scope, map: Unescape | undefined, isRegex: boolean): Buffer {
  if (!isNode(content) || !(content.form instanceof Atom) || content.form.name !== '<<>>' || !Array.isArray(content.args)) {
    throw argumentError('sigils expect a string as their first argument');
  }
  const chunks = (content.args as Ast[]).map((piece) => {
    if (typeof piece === 'string') return map ? unescape(piece, map, isRegex) : Buffer.from(piece, 'utf8');
    // an interpolation: {:"::", _, [Kernel.to_string(expr), binary]}
    const segment = piece as AstNode;
    const expr = (segment.args as Ast[])[0]!;
    return interp.toString(interp.eval(expr, scope));
  });
  const text = Buffer.concat(chunks);
  interp.rt.checkSize('binary', text.length);
  return text;
}

function modifiersOf(mods: Ast): string {
  return Array.isArray(mods) ? String.fromCodePoint(...(mods as number[])) : '';
}

export function evalSigil(interp: Interpreter, letter: string, content: Ast, mods: Ast, scope: Scope): Value {
  const modifiers = modifiersOf(mods);
  const lower = letter === letter.toLowerCase();
  switch (letter) {
    case 's': case 'S':
      return sigilText(interp, content, scope, lower ? stringEscape : undefined, false);
    case 'c': case 'C':
      return Array.from(sigilText(interp, content, scope, lower ? stringEscape : undefined, false).toString('utf8'), (ch) => ch.codePointAt(0)!);
    case 'w': case 'W': {
      const words = splitWords(sigilText(interp, content, scope, lower ? stringEscape : undefined, false).toString('utf8'));
      if (modifiers === '' || modifiers === 's') return words.map((w) => Buffer.from(w, 'utf8'));
      if (modifiers === 'a') return words.map((w) => atom(w));
      if (modifiers === 'c') return words.map((w) => Array.from(w, (ch) => ch.codePointAt(0)!));
      throw argumentError('modifier must be one of: s, a, c');
    }
    case 'r': case 'R': {
      const source = sigilText(interp, content, scope, lower ? regexEscape : undefined, true).toString('utf8');
      return compileOrRaise(source, modifiers);
    }
    case 'D': case 'T': case 'N': case 'U':
      throw new OutsideModelError(`the ~${letter} sigil (dates and times)`, 'Write the value as a string.');
  }
  throw new OutsideModelError(`the ~${letter} sigil`);
}
