// Elixir regexes (~r) for exclude_patterns. Elixir compiles them with PCRE; hexts translates
// the common subset to a JavaScript RegExp with the same matches and refuses the rest,
// rather than risk excluding different files.
import { ErlMap, atom, binary } from '../../erlang/term.js';

/** An Elixir %Regex{}: a map for the term model, plus the translated JavaScript pattern. */
export class MixRegex extends ErlMap {
  constructor(
    readonly source: string,
    readonly modifiers: string,
    readonly pattern: RegExp,
  ) {
    super([
      [atom('__struct__'), atom('Elixir.Regex')],
      [atom('opts'), binary(modifiers)],
      [atom('source'), binary(source)],
    ]);
  }
}

/** Translates a PCRE pattern; returns the problem (a string) when it uses something not translated. */
export function compileRegex(source: string, modifiers: string): MixRegex | string {
  for (const m of modifiers) {
    if (m === 'x' || m === 'f' || m === 'U') return `cannot read regex modifier ${m}`;
    if (!'imsuoE'.includes(m)) return `unknown regex modifier ${m}`;
  }
  const unicode = modifiers.includes('u');
  const multiline = modifiers.includes('m');
  const dotAll = modifiers.includes('s');
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined) return 'cannot read regex ending in \\';
      const translated = translateEscape(source, i + 1, unicode, inClass);
      if ('problem' in translated) return translated.problem;
      out += translated.text;
      i += translated.length;
      continue;
    }
    if (inClass) {
      if (c === '[' && source[i + 1] === ':') return 'cannot read regex POSIX class';
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    switch (c) {
      case '[':
        inClass = true;
        out += c;
        if (source[i + 1] === '^') out += source[++i];
        if (source[i + 1] === ']') out += '\\' + source[++i];
        continue;
      case '(':
        if (source[i + 1] === '*') return 'cannot read regex verb (*…)';
        if (source[i + 1] === '?') {
          const group = /^\(\?(?::|=|!|<=|<!|P?<[A-Za-z_]\w*>)/.exec(source.slice(i));
          if (!group) return `cannot read regex group ${source.slice(i, i + 3)}`;
          out += group[0].replace('(?P<', '(?<');
          i += group[0].length - 1;
          continue;
        }
        out += c;
        continue;
      case '*': case '+': case '?': case '}':
        if (source[i + 1] === '+') return 'cannot read regex possessive quantifier';
        out += c;
        continue;
      case '$':
        // PCRE's $ also matches before a final newline.
        out += multiline ? '$' : '(?=\\n?(?![\\s\\S]))';
        continue;
      case '.':
        out += dotAll ? '[\\s\\S]' : '[^\\n]';
        continue;
      default:
        out += c;
    }
  }
  if (inClass) return 'cannot read regex: missing ]';
  try {
    const flags = (modifiers.includes('i') ? 'i' : '') + (multiline ? 'm' : '') + (unicode ? 'u' : '');
    return new MixRegex(source, modifiers, new RegExp(out, flags));
  } catch {
    return `cannot read regex ${JSON.stringify(source)}`;
  }
}

type Translated = { text: string; length: number } | { problem: string };

// The escape whose letter is at source[i]; `length` counts the characters it takes after the backslash.
function translateEscape(source: string, i: number, unicode: boolean, inClass: boolean): Translated {
  const e = source[i]!;
  const text = (t: string, length = 1) => ({ text: t, length });
  const problem = (what: string) => ({ problem: `cannot read regex escape \\${what}` });
  if ('dDwWsS'.includes(e)) {
    if (!unicode) return text('\\' + e);
    const u: Record<string, string> = { d: '\\p{Nd}', D: '\\P{Nd}', w: '[\\p{L}\\p{N}_]', W: '[^\\p{L}\\p{N}_]', s: '\\s', S: '\\S' };
    return inClass && (e === 'w' || e === 'W') ? problem(e) : text(u[e]!);
  }
  if (e === 'b' || e === 'B') return unicode || inClass ? problem(e) : text('\\' + e);
  if (!inClass) {
    if (e === 'A') return text('(?<![\\s\\S])');
    if (e === 'z') return text('(?![\\s\\S])');
    if (e === 'Z') return text('(?=\\n?(?![\\s\\S]))');
  }
  const simple: Record<string, string> = { n: '\\n', r: '\\r', t: '\\t', f: '\\f', v: '\\v', e: '\\x1b', a: '\\x07' };
  if (e in simple) return text(simple[e]!);
  if (e === 'x') {
    const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(i + 1, i + 9));
    const cp = braced ? parseInt(braced[1]!, 16) : 0;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return problem('x');
    if (braced) return text(literal(cp, unicode), 1 + braced[0].length);
    const plain = /^[0-9a-fA-F]{2}/.exec(source.slice(i + 1, i + 3));
    return plain ? text('\\x' + plain[0], 3) : problem('x');
  }
  if (/[1-9]/.test(e) && !inClass) return text('\\' + e);
  if (/[A-Za-z0-9]/.test(e)) return problem(e);
  const cp = source.codePointAt(i)!;
  return text(literal(cp, unicode), String.fromCodePoint(cp).length);
}

function literal(cp: number, unicode: boolean): string {
  if (cp <= 0xff) return '\\x' + cp.toString(16).padStart(2, '0');
  if (cp <= 0xffff) return '\\u' + cp.toString(16).padStart(4, '0');
  return unicode ? `\\u{${cp.toString(16)}}` : String.fromCodePoint(cp);
}
