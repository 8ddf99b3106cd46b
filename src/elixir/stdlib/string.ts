// String, Atom, Integer, Float, Module, Macro and Regex.
import { Atom, ErlFloat, ErlMap, Tuple, atom } from '../../erlang/term.js';
import { ElixirException, LimitError, OutsideModelError, argumentError } from '../errors.js';
import { formatFloat, inspect } from '../inspect.js';
import { ElixirRegex, RegexLimitError, RegexSyntaxError, RegexUnsupportedError, compileRegex } from '../regex.js';
import type { Runtime } from '../runtime.js';
import { FALSE, NIL, TRUE, bool, isBinary, isFun, isKeyword, mapGet, structName, type Value } from '../values.js';
import { parseInteger } from './enum.js';
import { splitWords, trimLeadingWhitespace, trimRepeated, trimTrailingWhitespace, trimWhitespace } from '../chars.js';
import { toStringChars } from '../chars.js';

export { splitWords } from '../chars.js';
import { atomArg, binArg, define, intArg, listArg, need, strArg, type StdFn } from './table.js';

// ------------------------------------------------------------ whitespace and graphemes

let segmenter: Intl.Segmenter | undefined;
export function graphemes(text: string): string[] {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

// ------------------------------------------------------------ split and replace

type Pattern = { kind: 'strings'; parts: Buffer[] } | { kind: 'regex'; regex: ElixirRegex };

function patternArg(v: Value, name: string): Pattern {
  if (v instanceof ElixirRegex) return { kind: 'regex', regex: v };
  if (isBinary(v)) return { kind: 'strings', parts: [Buffer.from(v)] };
  if (Array.isArray(v) && v.length > 0 && v.every(isBinary)) return { kind: 'strings', parts: v.map((p) => Buffer.from(p as Uint8Array)) };
  need(false, name);
}

/** The matches of a pattern in a subject, as [start, end) byte ranges with their groups (leftmost, longest alternative first for string lists). */
function findAll(subject: Buffer, pattern: Pattern, rt: Runtime, limit = Infinity): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  let from = 0;
  while (out.length < limit && from <= subject.length) {
    rt.tick();
    let found: Array<[number, number]> | undefined;
    if (pattern.kind === 'regex') {
      found = regexExec(pattern.regex, subject, from, rt);
    } else {
      let best: [number, number] | undefined;
      for (const p of pattern.parts) {
        const i = p.length === 0 ? -1 : subject.indexOf(p, from);
        if (i >= 0 && (!best || i < best[0] || (i === best[0] && i + p.length > best[1]))) best = [i, i + p.length];
      }
      found = best && [best];
    }
    if (!found) break;
    out.push(found);
    const [s, e] = found[0]!;
    from = e > s ? e : nextCodePoint(subject, e);
  }
  return out;
}

function nextCodePoint(b: Buffer, at: number): number {
  if (at >= b.length) return at + 1;
  const c = b[at]!;
  return at + (c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1);
}

export function regexExec(regex: ElixirRegex, subject: Uint8Array, from = 0, rt?: Runtime): Array<[number, number]> | undefined {
  try {
    // The matcher's work counts against the evaluation's steps (one step per ten thread steps).
    return regex.exec(subject, from, rt ? (units) => rt.tick(Math.ceil(units / 10)) : undefined);
  } catch (e) {
    if (e instanceof RegexUnsupportedError) throw unsupportedRegex(regex, e.message);
    if (e instanceof RegexLimitError) throw new LimitError(`matching ~r/${regex.source}/ takes more work than hexts allows`);
    throw e;
  }
}

export const unsupportedRegex = (regex: ElixirRegex, what: string) =>
  new OutsideModelError(`a match with ~r/${regex.source}/: it uses ${what}, which cannot be matched in linear time`, 'Rewrite the regex without it, or match with String functions.');

function splitBy(subject: Buffer, pattern: Pattern, opts: Value, rt: Runtime): Value[] {
  const trim = optionTrue(opts, 'trim');
  const partsOpt = optionValue(opts, 'parts');
  const maxParts = typeof partsOpt === 'number' ? partsOpt : Infinity;
  const isEmptyString = pattern.kind === 'strings' && pattern.parts.every((p) => p.length === 0);
  let pieces: Buffer[];
  if (isEmptyString) {
    const gs = graphemes(subject.toString('utf8')).map((g) => Buffer.from(g, 'utf8'));
    pieces = [Buffer.alloc(0), ...gs, Buffer.alloc(0)];
    if (maxParts !== Infinity) pieces = [...pieces.slice(0, maxParts - 1), Buffer.concat(pieces.slice(maxParts - 1))];
  } else {
    const matches = findAll(subject, pattern, rt, maxParts === Infinity ? Infinity : maxParts - 1);
    pieces = [];
    let last = 0;
    for (const m of matches) {
      const [s, e] = m[0]!;
      if (pattern.kind === 'regex' && s === e && (s === 0 || s === subject.length)) continue;
      pieces.push(subject.subarray(last, s));
      last = e;
    }
    pieces.push(subject.subarray(last));
  }
  return (trim ? pieces.filter((p) => p.length > 0) : pieces).map((p) => Buffer.from(p));
}

function optionValue(opts: Value, key: string): Value | undefined {
  if (!isKeyword(opts)) return undefined;
  return opts.find((t) => t.elements[0] === atom(key))?.elements[1];
}
const optionTrue = (opts: Value, key: string) => optionValue(opts, key) === TRUE;

/** A regex replacement with \N, \g{N} and \\ (Regex.replace/4); or a function of the match and groups. */
function expandReplacement(replacement: Value, subject: Buffer, groups: Array<[number, number]>, rt: Runtime): Buffer {
  const group = (n: number) => {
    const g = groups[n];
    return g && g[0] >= 0 ? subject.subarray(g[0], g[1]) : Buffer.alloc(0);
  };
  if (isFun(replacement)) {
    const args = Array.from({ length: replacement.arity }, (_, i) => Buffer.from(group(i)));
    return binArg(rt.apply(replacement as unknown as Value, args), 'Regex.replace/4');
  }
  const text = Buffer.from(replacement as Uint8Array).toString('latin1');
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const braced = /^g\{(\d+)\}/.exec(text.slice(i + 1));
      const plain = /^\d{1,2}/.exec(text.slice(i + 1));
      if (braced) {
        out += group(Number(braced[1])).toString('latin1');
        i += braced[0].length;
        continue;
      }
      if (plain) {
        out += group(Number(plain[0])).toString('latin1');
        i += plain[0].length;
        continue;
      }
      out += text[i + 1];
      i++;
      continue;
    }
    out += c;
  }
  return Buffer.from(out, 'latin1');
}

function replaceIn(subject: Buffer, pattern: Pattern, replacement: Value, global: boolean, rt: Runtime): Buffer {
  const matches = findAll(subject, pattern, rt, global ? Infinity : 1);
  const out: Buffer[] = [];
  let last = 0;
  let size = 0;
  for (const m of matches) {
    const [s, e] = m[0]!;
    const piece = pattern.kind === 'regex' ? expandReplacement(replacement, subject, m, rt) : literalReplacement(replacement, subject.subarray(s, e), rt);
    out.push(subject.subarray(last, s), piece);
    size += s - last + piece.length;
    rt.checkSize('binary', size);
    last = e;
  }
  out.push(subject.subarray(last));
  return Buffer.concat(out);
}

function literalReplacement(replacement: Value, matched: Buffer, rt: Runtime): Buffer {
  if (isFun(replacement)) return binArg(rt.apply(replacement as unknown as Value, [Buffer.from(matched)]), 'String.replace/4');
  return Buffer.from(binArg(replacement, 'String.replace/4'));
}

// ------------------------------------------------------------ String

const text = (v: Value, name: string) => binArg(v, name).toString('utf8');

function startsOrEnds(s: Buffer, prefixes: Value, which: 'start' | 'end', name: string): Value {
  const list = Array.isArray(prefixes) ? prefixes : [prefixes];
  need(list.every(isBinary), name);
  return bool(list.some((p) => {
    const b = Buffer.from(p as Uint8Array);
    return which === 'start' ? s.subarray(0, b.length).equals(b) : b.length <= s.length && s.subarray(s.length - b.length).equals(b);
  }));
}

function pad(s: string, count: number, padding: string, leading: boolean, rt: Runtime): Buffer {
  const length = graphemes(s).length;
  if (count <= length || padding === '') return Buffer.from(s, 'utf8');
  const needed = count - length;
  rt.checkSize('binary', needed * Buffer.byteLength(padding));
  const units = graphemes(padding);
  let fill = '';
  for (let i = 0; i < needed; i++) fill += units[i % units.length];
  return Buffer.from(leading ? fill + s : s + fill, 'utf8');
}

function sliceGraphemes(s: string, start: number, length: number): Buffer {
  const gs = graphemes(s);
  const from = start < 0 ? Math.max(0, gs.length + start) : start;
  return Buffer.from(gs.slice(from, from + Math.max(0, length)).join(''), 'utf8');
}

function capitalize(s: string): string {
  const gs = graphemes(s);
  if (gs.length === 0) return s;
  return gs[0]!.toUpperCase() + gs.slice(1).join('').toLowerCase();
}

const STRING: Record<string, StdFn> = {
  'trim/1': ([s]) => trimWhitespace(binArg(s!, 'String.trim/1')),
  'trim/2': ([s, t]) => trimRepeated(binArg(s!, 'String.trim/2'), binArg(t!, 'String.trim/2'), true, true),
  'trim_leading/1': ([s]) => trimLeadingWhitespace(binArg(s!, 'String.trim_leading/1')),
  'trim_leading/2': ([s, t]) => trimRepeated(binArg(s!, 'String.trim_leading/2'), binArg(t!, 'String.trim_leading/2'), true, false),
  'trim_trailing/1': ([s]) => trimTrailingWhitespace(binArg(s!, 'String.trim_trailing/1')),
  'trim_trailing/2': ([s, t]) => trimRepeated(binArg(s!, 'String.trim_trailing/2'), binArg(t!, 'String.trim_trailing/2'), false, true),
  'split/1': ([s]) => splitWords(text(s!, 'String.split/1')).map((w) => Buffer.from(w, 'utf8')),
  'split/2': ([s, p], rt) => splitBy(binArg(s!, 'String.split/3'), patternArg(p!, 'String.split/3'), [], rt),
  'split/3': ([s, p, o], rt) => splitBy(binArg(s!, 'String.split/3'), patternArg(p!, 'String.split/3'), o!, rt),
  'replace/3': ([s, p, r], rt) => replaceIn(binArg(s!, 'String.replace/4'), patternArg(p!, 'String.replace/4'), r!, true, rt),
  'replace/4': ([s, p, r, o], rt) => replaceIn(binArg(s!, 'String.replace/4'), patternArg(p!, 'String.replace/4'), r!, optionValue(o!, 'global') !== FALSE, rt),
  'replace_prefix/3': ([s, p, r]) => {
    const b = binArg(s!, 'String.replace_prefix/3');
    const prefix = binArg(p!, 'String.replace_prefix/3');
    return b.subarray(0, prefix.length).equals(prefix) ? Buffer.concat([binArg(r!, 'String.replace_prefix/3'), b.subarray(prefix.length)]) : b;
  },
  'replace_suffix/3': ([s, p, r]) => {
    const b = binArg(s!, 'String.replace_suffix/3');
    const suffix = binArg(p!, 'String.replace_suffix/3');
    const ends = suffix.length <= b.length && b.subarray(b.length - suffix.length).equals(suffix);
    return ends ? Buffer.concat([b.subarray(0, b.length - suffix.length), binArg(r!, 'String.replace_suffix/3')]) : b;
  },
  'contains?/2': ([s, p], rt) => {
    const b = binArg(s!, 'String.contains?/2');
    const pattern = patternArg(p!, 'String.contains?/2');
    if (pattern.kind === 'strings' && pattern.parts.some((x) => x.length === 0)) return TRUE;
    return bool(findAll(b, pattern, rt, 1).length > 0);
  },
  'starts_with?/2': ([s, p]) => startsOrEnds(binArg(s!, 'String.starts_with?/2'), p!, 'start', 'String.starts_with?/2'),
  'ends_with?/2': ([s, p]) => startsOrEnds(binArg(s!, 'String.ends_with?/2'), p!, 'end', 'String.ends_with?/2'),
  'match?/2': ([s, r], rt) => {
    need(r instanceof ElixirRegex, 'String.match?/2');
    return bool(regexExec(r as ElixirRegex, binArg(s!, 'String.match?/2'), 0, rt) !== undefined);
  },
  'upcase/1': ([s]) => Buffer.from(text(s!, 'String.upcase/2').toUpperCase(), 'utf8'),
  'upcase/2': ([s]) => Buffer.from(text(s!, 'String.upcase/2').toUpperCase(), 'utf8'),
  'downcase/1': ([s]) => Buffer.from(text(s!, 'String.downcase/2').toLowerCase(), 'utf8'),
  'downcase/2': ([s]) => Buffer.from(text(s!, 'String.downcase/2').toLowerCase(), 'utf8'),
  'capitalize/1': ([s]) => Buffer.from(capitalize(text(s!, 'String.capitalize/2')), 'utf8'),
  'to_atom/1': ([s]) => atom(text(s!, 'String.to_atom/1')),
  'to_existing_atom/1': ([s]) => atom(text(s!, 'String.to_existing_atom/1')),
  'to_integer/1': ([s]) => parseInteger(text(s!, 'String.to_integer/1'), 10, 'String.to_integer/1'),
  'to_integer/2': ([s, b]) => parseInteger(text(s!, 'String.to_integer/2'), intArg(b!, 'String.to_integer/2'), 'String.to_integer/2'),
  'to_float/1': ([s]) => {
    const t = text(s!, 'String.to_float/1');
    if (!/^[+-]?\d+\.\d+([eE][+-]?\d+)?$/.test(t)) throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of a float\n');
    return new ErlFloat(Number(t));
  },
  'to_charlist/1': ([s]) => Array.from(text(s!, 'String.to_charlist/1'), (c) => c.codePointAt(0)!),
  'length/1': ([s]) => graphemes(text(s!, 'String.length/1')).length,
  'slice/2': ([s, r]) => {
    const t = text(s!, 'String.slice/2');
    need(structName(r!) === 'Range', 'String.slice/2');
    const range = r as ErlMap;
    const first = Number(mapGet(range, atom('first')));
    const last = Number(mapGet(range, atom('last')));
    const gs = graphemes(t);
    const from = first < 0 ? gs.length + first : first;
    const to = last < 0 ? gs.length + last : last;
    return Buffer.from(gs.slice(Math.max(0, from), Math.max(0, to + 1)).join(''), 'utf8');
  },
  'slice/3': ([s, start, len]) => sliceGraphemes(text(s!, 'String.slice/3'), intArg(start!, 'String.slice/3'), intArg(len!, 'String.slice/3')),
  'at/2': ([s, i]) => {
    const gs = graphemes(text(s!, 'String.at/2'));
    const idx = intArg(i!, 'String.at/2');
    const g = gs[idx < 0 ? gs.length + idx : idx];
    return g === undefined ? NIL : Buffer.from(g, 'utf8');
  },
  'first/1': ([s]) => {
    const g = graphemes(text(s!, 'String.first/1'))[0];
    return g === undefined ? NIL : Buffer.from(g, 'utf8');
  },
  'last/1': ([s]) => {
    const g = graphemes(text(s!, 'String.last/1')).at(-1);
    return g === undefined ? NIL : Buffer.from(g, 'utf8');
  },
  'graphemes/1': ([s]) => graphemes(text(s!, 'String.graphemes/1')).map((g) => Buffer.from(g, 'utf8')),
  'codepoints/1': ([s]) => Array.from(text(s!, 'String.codepoints/1'), (c) => Buffer.from(c, 'utf8')),
  'reverse/1': ([s]) => Buffer.from(graphemes(text(s!, 'String.reverse/1')).reverse().join(''), 'utf8'),
  'duplicate/2': ([s, n], rt) => {
    const b = binArg(s!, 'String.duplicate/2');
    const k = intArg(n!, 'String.duplicate/2');
    need(k >= 0, 'String.duplicate/2');
    rt.checkSize('binary', b.length * k);
    return Buffer.from(b.toString('latin1').repeat(k), 'latin1');
  },
  'pad_leading/2': ([s, n], rt) => pad(text(s!, 'String.pad_leading/3'), intArg(n!, 'String.pad_leading/3'), ' ', true, rt),
  'pad_leading/3': ([s, n, p], rt) => pad(text(s!, 'String.pad_leading/3'), intArg(n!, 'String.pad_leading/3'), text(p!, 'String.pad_leading/3'), true, rt),
  'pad_trailing/2': ([s, n], rt) => pad(text(s!, 'String.pad_trailing/3'), intArg(n!, 'String.pad_trailing/3'), ' ', false, rt),
  'pad_trailing/3': ([s, n, p], rt) => pad(text(s!, 'String.pad_trailing/3'), intArg(n!, 'String.pad_trailing/3'), text(p!, 'String.pad_trailing/3'), false, rt),
  'valid?/1': ([s]) => {
    const b = binArg(s!, 'String.valid?/1');
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b);
      return TRUE;
    } catch {
      return FALSE;
    }
  },
  'split_at/2': ([s, i]) => {
    const gs = graphemes(text(s!, 'String.split_at/2'));
    const idx = intArg(i!, 'String.split_at/2');
    const at = idx < 0 ? Math.max(0, gs.length + idx) : idx;
    return new Tuple([Buffer.from(gs.slice(0, at).join(''), 'utf8'), Buffer.from(gs.slice(at).join(''), 'utf8')]);
  },
};
define('String', STRING);

// ------------------------------------------------------------ Atom, Integer, Float

define('Atom', {
  'to_string/1': ([a]) => Buffer.from(atomArg(a!, 'Atom.to_string/1').name, 'utf8'),
  'to_charlist/1': ([a]) => Array.from(atomArg(a!, 'Atom.to_charlist/1').name, (c) => c.codePointAt(0)!),
});

function integerToString(n: Value, base: number, name: string): string {
  need(typeof n === 'number' || typeof n === 'bigint', name);
  need(base >= 2 && base <= 36, name);
  return BigInt(n as number).toString(base).toUpperCase();
}

define('Integer', {
  'to_string/1': ([n]) => Buffer.from(integerToString(n!, 10, 'Integer.to_string/1')),
  'to_string/2': ([n, b]) => Buffer.from(integerToString(n!, intArg(b!, 'Integer.to_string/2'), 'Integer.to_string/2')),
  'to_charlist/1': ([n]) => Array.from(integerToString(n!, 10, 'Integer.to_charlist/1'), (c) => c.charCodeAt(0)),
  'parse/1': ([s]) => parseIntegerPrefix(text(s!, 'Integer.parse/2'), 10),
  'parse/2': ([s, b]) => parseIntegerPrefix(text(s!, 'Integer.parse/2'), intArg(b!, 'Integer.parse/2')),
});

function parseIntegerPrefix(t: string, base: number): Value {
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  let i = t[0] === '-' || t[0] === '+' ? 1 : 0;
  const start = i;
  while (i < t.length && digits.includes(t[i]!.toLowerCase())) i++;
  if (i === start) return atom('error');
  return new Tuple([parseInteger(t.slice(0, i), base, 'Integer.parse/2'), Buffer.from(t.slice(i), 'utf8')]);
}

define('Float', {
  'to_string/1': ([f]) => {
    need(f instanceof ErlFloat, 'Float.to_string/1');
    return Buffer.from(formatFloat((f as ErlFloat).value));
  },
  'parse/1': ([s]) => {
    const t = text(s!, 'Float.parse/1');
    const m = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(t);
    if (!m) return atom('error');
    return new Tuple([new ErlFloat(Number(m[0])), Buffer.from(t.slice(m[0].length), 'utf8')]);
  },
});

// ------------------------------------------------------------ Module, Macro

function moduleSegments(v: Value, name: string): string[] {
  if (isBinary(v)) return Buffer.from(v).toString('utf8').replace(/^Elixir\./, '').split('.');
  need(v instanceof Atom, name);
  const n = (v as Atom).name;
  if (!n.startsWith('Elixir.')) throw argumentError(`expected an Elixir module, got: ${inspect(v)}`);
  return n.slice('Elixir.'.length).split('.');
}

function concatModules(parts: Value[]): Value {
  const segments = parts.flatMap((p) => {
    if (p === NIL) return [];
    if (p instanceof Atom) return p.name.replace(/^Elixir\./, '').split('.');
    if (isBinary(p)) return Buffer.from(p).toString('utf8').replace(/^Elixir\./, '').split('.');
    throw argumentError(`expected an atom or a string, got: ${inspect(p)}`);
  });
  return atom(['Elixir', ...segments].join('.'));
}

define('Module', {
  'register_attribute/3': ([m, n, o], rt) => rt.moduleAttribute(atomArg(m!, 'Module.register_attribute/3').name, 'register', atomArg(n!, 'Module.register_attribute/3').name, o!),
  'get_attribute/2': ([m, n], rt) => rt.moduleAttribute(atomArg(m!, 'Module.get_attribute/2').name, 'get', atomArg(n!, 'Module.get_attribute/2').name, NIL),
  'put_attribute/3': ([m, n, v], rt) => rt.moduleAttribute(atomArg(m!, 'Module.put_attribute/3').name, 'put', atomArg(n!, 'Module.put_attribute/3').name, v!),
  'split/1': ([m]) => moduleSegments(m!, 'Module.split/1').map((s) => Buffer.from(s, 'utf8')),
  'concat/1': ([l]) => concatModules(listArg(l!, 'Module.concat/1')),
  'concat/2': ([a, b]) => concatModules([a!, b!]),
});

function underscore(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '.') {
      out += '/';
      continue;
    }
    const upper = c >= 'A' && c <= 'Z';
    if (upper && i > 0 && s[i - 1] !== '.' && s[i - 1] !== '_' && s[i - 1] !== '-') {
      const prev = s[i - 1]!;
      const next = s[i + 1];
      const prevLowerOrDigit = (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9');
      const nextLower = next !== undefined && next >= 'a' && next <= 'z';
      if (prevLowerOrDigit || nextLower) out += '_';
    }
    out += c === '-' ? '_' : c.toLowerCase();
  }
  return out;
}

function camelize(s: string): string {
  return s.split('/').map((part) => part.split('_').filter((p) => p !== '').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')).join('.');
}

define('Macro', {
  'underscore/1': ([v]) => {
    const s = v instanceof Atom ? v.name.replace(/^Elixir\./, '') : text(v!, 'Macro.underscore/1');
    return Buffer.from(underscore(s), 'utf8');
  },
  'camelize/1': ([v]) => Buffer.from(camelize(text(v!, 'Macro.camelize/1')), 'utf8'),
});

// ------------------------------------------------------------ Regex

const MODIFIER_ATOMS: Record<string, string> = {
  caseless: 'i', multiline: 'm', dotall: 's', unicode: 'u', extended: 'x', firstline: 'f', ungreedy: 'U',
};

function regexOptions(v: Value | undefined): string {
  if (v === undefined) return '';
  if (isBinary(v)) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map((o) => (o instanceof Atom && MODIFIER_ATOMS[o.name]) || '').join('');
  return '';
}

export function compileOrRaise(source: string, modifiers: string): ElixirRegex {
  try {
    return compileRegex(source, modifiers);
  } catch (e) {
    if (e instanceof RegexSyntaxError) {
      if (e.problem.startsWith('unknown modifier')) throw new ElixirException('Regex.CompileError', `invalid regex modifier: ${e.problem.slice('unknown modifier '.length)}`);
      throw new ElixirException('Regex.CompileError', `${e.problem} at position ${e.position}`);
    }
    throw e;
  }
}

const regexArg = (v: Value, name: string): ElixirRegex => {
  need(v instanceof ElixirRegex, name);
  return v as ElixirRegex;
};

function captures(subject: Buffer, groups: Array<[number, number]>, opts: Value | undefined): Value {
  const returnIndex = optionValue(opts ?? [], 'return') === atom('index');
  const which = optionValue(opts ?? [], 'capture') ?? atom('all');
  let list = groups;
  while (list.length > 1 && list[list.length - 1]![0] < 0) list = list.slice(0, -1);
  if (which === atom('first')) list = list.slice(0, 1);
  else if (which === atom('all_but_first')) list = list.slice(1);
  return list.map(([s, e]) => (returnIndex ? new Tuple(s < 0 ? [-1, 0] : [s, e - s]) : s < 0 ? Buffer.alloc(0) : Buffer.from(subject.subarray(s, e))));
}

define('Regex', {
  'match?/2': ([r, s], rt) => bool(regexExec(regexArg(r!, 'Regex.match?/2'), binArg(s!, 'Regex.match?/2'), 0, rt) !== undefined),
  'run/2': ([r, s], rt) => {
    const subject = binArg(s!, 'Regex.run/3');
    const m = regexExec(regexArg(r!, 'Regex.run/3'), subject, 0, rt);
    return m ? captures(subject, m, undefined) : NIL;
  },
  'run/3': ([r, s, o], rt) => {
    const subject = binArg(s!, 'Regex.run/3');
    const m = regexExec(regexArg(r!, 'Regex.run/3'), subject, 0, rt);
    return m ? captures(subject, m, o) : NIL;
  },
  'scan/2': ([r, s], rt) => {
    const subject = binArg(s!, 'Regex.scan/3');
    return findAll(subject, { kind: 'regex', regex: regexArg(r!, 'Regex.scan/3') }, rt).map((m) => captures(subject, m, undefined));
  },
  'scan/3': ([r, s, o], rt) => {
    const subject = binArg(s!, 'Regex.scan/3');
    return findAll(subject, { kind: 'regex', regex: regexArg(r!, 'Regex.scan/3') }, rt).map((m) => captures(subject, m, o));
  },
  'replace/3': ([r, s, rep], rt) => replaceIn(binArg(s!, 'Regex.replace/4'), { kind: 'regex', regex: regexArg(r!, 'Regex.replace/4') }, rep!, true, rt),
  'replace/4': ([r, s, rep, o], rt) => replaceIn(binArg(s!, 'Regex.replace/4'), { kind: 'regex', regex: regexArg(r!, 'Regex.replace/4') }, rep!, optionValue(o!, 'global') !== FALSE, rt),
  'split/2': ([r, s], rt) => splitBy(binArg(s!, 'Regex.split/3'), { kind: 'regex', regex: regexArg(r!, 'Regex.split/3') }, [], rt),
  'split/3': ([r, s, o], rt) => splitBy(binArg(s!, 'Regex.split/3'), { kind: 'regex', regex: regexArg(r!, 'Regex.split/3') }, o!, rt),
  'compile/1': ([s]) => compileResult(strArg(s!, 'Regex.compile/2'), ''),
  'compile/2': ([s, o]) => compileResult(strArg(s!, 'Regex.compile/2'), regexOptions(o)),
  'compile!/1': ([s]) => compileOrRaise(strArg(s!, 'Regex.compile!/2'), ''),
  'compile!/2': ([s, o]) => compileOrRaise(strArg(s!, 'Regex.compile!/2'), regexOptions(o)),
  'escape/1': ([s]) => Buffer.from(strArg(s!, 'Regex.escape/1').replace(/[.^$*+?()[\]{}|\\\-#\s]/g, (c) => (c === ' ' ? '\\ ' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\f' ? '\\f' : c === '\v' ? '\\v' : `\\${c}`)), 'utf8'),
  'source/1': ([r]) => Buffer.from(regexArg(r!, 'Regex.source/1').source, 'utf8'),
  'opts/1': ([r]) => Buffer.from(regexArg(r!, 'Regex.opts/1').modifiers, 'utf8'),
});

function compileResult(source: string, modifiers: string): Value {
  try {
    return new Tuple([atom('ok'), compileRegex(source, modifiers)]);
  } catch (e) {
    if (e instanceof RegexSyntaxError) return new Tuple([atom('error'), new Tuple([Array.from(e.problem, (c) => c.charCodeAt(0)), e.position])]);
    throw e;
  }
}

// :string and :unicode from Erlang, the parts mix.exs files use.
define(':string', {
  'titlecase/1': ([s], rt) => {
    if (isBinary(s!)) {
      const t = Buffer.from(s).toString('utf8');
      return Buffer.from(t.slice(0, 1).toUpperCase() + t.slice(1), 'utf8');
    }
    const list = listArg(s!, ':string.titlecase/1');
    if (list.length === 0) return [];
    const first = toStringChars([list[0]!], rt).toString('utf8').toUpperCase();
    return [...Array.from(first, (c) => c.codePointAt(0)!), ...list.slice(1)];
  },
  'trim/1': ([s]) => trimWhitespace(binArg(s!, ':string.trim/1')),
  'uppercase/1': ([s]) => Buffer.from(text(s!, ':string.uppercase/1').toUpperCase(), 'utf8'),
  'lowercase/1': ([s]) => Buffer.from(text(s!, ':string.lowercase/1').toLowerCase(), 'utf8'),
});

void OutsideModelError;
