// Kernel.inspect/1 as Elixir 1.14 prints values with the default options (limit: 50,
// printable_limit: 4096, no pretty printing): error messages quote values this way.
import { Atom, ErlFloat, ErlMap, Tuple, atom } from '../erlang/term.js';
import { NIL, isFun, isKeyword, mapGet, structName, type Value } from './values.js';

let LIMIT = 50;
let PRINTABLE_LIMIT = 4096;

/** `inspect(v)`; `unlimited` is inspect(v, limit: :infinity, printable_limit: :infinity). */
export function inspect(v: Value, options: { unlimited?: boolean } = {}): string {
  if (!options.unlimited) return show(v);
  const saved = [LIMIT, PRINTABLE_LIMIT];
  LIMIT = PRINTABLE_LIMIT = Infinity;
  try {
    return show(v);
  } finally {
    [LIMIT, PRINTABLE_LIMIT] = saved as [number, number];
  }
}

function show(v: Value): string {
  if (isFun(v)) return v.label;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof ErlFloat) return formatFloat(v.value);
  if (v instanceof Atom) return inspectAtom(v);
  if (v instanceof Uint8Array) return inspectBinary(v);
  if (Array.isArray(v)) return inspectList(v);
  if (v instanceof Tuple) return `{${items(v.elements, show)}}`;
  return inspectMap(v);
}

function items<T>(list: T[], show: (t: T) => string): string {
  const shown = list.slice(0, LIMIT).map(show);
  if (list.length > LIMIT) shown.push('...');
  return shown.join(', ');
}

// ------------------------------------------------------------ atoms

const IDENTIFIER = /^[a-z_][a-zA-Z0-9_@]*[?!]?$/;
const ALIAS = /^Elixir(\.[A-Z][a-zA-Z0-9_]*)+$/;
const OPERATORS = new Set([
  '+', '-', '*', '/', '++', '--', '+++', '---', '..', '<>', '=', '==', '!=', '===', '!==', '<', '>', '<=', '>=',
  '&&', '||', '!', '&&&', '|||', '^^^', '~~~', '<<<', '>>>', '|>', '<|>', '<<~', '~>>', '<~', '~>', '<~>', '=~',
  '->', '::', '\\\\', '@', '.', '&', '^', '<-', '..//', '%', '%{}', '{}', '<<>>', '...', 'and', 'or', 'not', 'in', 'when',
]);

export function inspectAtom(a: Atom): string {
  const name = a.name;
  if (name === 'nil' || name === 'true' || name === 'false') return name;
  if (name === 'Elixir') return name;
  if (ALIAS.test(name)) return name.slice('Elixir.'.length);
  if (IDENTIFIER.test(name) || /^[A-Z][a-zA-Z0-9_]*$/.test(name) || OPERATORS.has(name)) return `:${name}`;
  return `:"${escape(name, '"')}"`;
}

/** How an atom key is written in a keyword list or map: `a: 1`, `"a b": 1`. */
function keywordKey(a: Atom): string {
  const name = a.name;
  if (IDENTIFIER.test(name) || /^[A-Z][a-zA-Z0-9_]*[?!]?$/.test(name)) return `${name}:`;
  return `"${escape(name, '"')}":`;
}

// ------------------------------------------------------------ binaries

const ESCAPES: Record<number, string> = {
  0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v', 0x08: '\\b', 0x0c: '\\f', 0x1b: '\\e', 0x7f: '\\d', 0x07: '\\a',
};

function printableCodePoint(cp: number): boolean {
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff) || cp in ESCAPES;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function inspectBinary(b: Uint8Array): string {
  let decoded: string | undefined;
  try {
    decoded = strictUtf8.decode(b);
  } catch {
    decoded = undefined;
  }
  if (decoded !== undefined) {
    const chars = Array.from(decoded);
    if (chars.every((c) => printableCodePoint(c.codePointAt(0)!))) {
      if (chars.length > PRINTABLE_LIMIT) return `"${escape(chars.slice(0, PRINTABLE_LIMIT).join(''), '"')}" <> ...`;
      return `"${escape(decoded, '"')}"`;
    }
  }
  return `<<${items(Array.from(b), String)}>>`;
}

/** Escapes for a quoted string or atom: the delimiter, backslash, `#{` and control characters. */
export function escape(s: string, delimiter: string): string {
  let out = '';
  const chars = Array.from(s);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const cp = c.codePointAt(0)!;
    if (c === delimiter || c === '\\') out += '\\' + c;
    else if (c === '#' && chars[i + 1] === '{') out += '\\#';
    else if (cp in ESCAPES) out += ESCAPES[cp];
    else if (cp < 0x20) out += `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

// ------------------------------------------------------------ lists, maps

function asciiPrintable(list: Value[]): boolean {
  return list.every((e) => typeof e === 'number' && ((e >= 0x20 && e <= 0x7e) || (e >= 7 && e <= 13) || e === 0x1b));
}

function inspectList(list: Value[]): string {
  if (list.length === 0) return '[]';
  if (asciiPrintable(list)) return `'${escape(String.fromCharCode(...(list as number[]).slice(0, PRINTABLE_LIMIT)), "'")}'`;
  if (isKeyword(list)) return `[${items(list, (t) => `${keywordKey(t.elements[0] as Atom)} ${show(t.elements[1]!)}`)}]`;
  return `[${items(list, show)}]`;
}

const STRUCT = atom('__struct__');

function inspectMap(m: ErlMap): string {
  const struct = structName(m);
  if (struct === 'Regex') return inspectRegex(m);
  if (struct === 'Range') return inspectRange(m);
  const entries = m.entries.filter(([k]) => struct === undefined || k !== STRUCT);
  const body = entries.every(([k]) => k instanceof Atom)
    ? items(entries, ([k, v]) => `${keywordKey(k as Atom)} ${show(v)}`)
    : items(entries, ([k, v]) => `${show(k)} => ${show(v)}`);
  if (struct === undefined) return `%{${body}}`;
  const order = STRUCT_FIELDS[struct];
  if (order) {
    const ordered = order.map((f) => [atom(f), mapGet(m, atom(f)) ?? NIL] as const);
    return `%${struct}{${items(ordered, ([k, v]) => `${keywordKey(k)} ${show(v)}`)}}`;
  }
  return `%${struct}{${body}}`;
}

// Structs print their fields in definition order.
const STRUCT_FIELDS: Record<string, string[]> = {
  Version: ['major', 'minor', 'patch', 'pre', 'build'],
  'Version.Requirement': ['source', 'lexed'],
};

function inspectRegex(m: ErlMap): string {
  const source = mapGet(m, atom('source'));
  const opts = mapGet(m, atom('opts'));
  const src = source instanceof Uint8Array ? Buffer.from(source).toString('utf8') : '';
  const flags = opts instanceof Uint8Array ? Buffer.from(opts).toString('utf8') : '';
  return `~r/${escapeRegexSource(src)}/${flags}`;
}

// Inspect.Regex: an unescaped / gets a backslash; escapes already in the source stay as written.
function escapeRegexSource(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      out += c + src[++i];
    } else if (c === '/') {
      out += '\\/';
    } else if (c === '#' && src[i + 1] === '{') {
      out += '\\#';
    } else {
      const cp = c.charCodeAt(0);
      out += cp in ESCAPES && c !== '\x7f' ? ESCAPES[cp] : c;
    }
  }
  return out;
}

function inspectRange(m: ErlMap): string {
  const first = mapGet(m, atom('first'))!;
  const last = mapGet(m, atom('last'))!;
  const step = mapGet(m, atom('step'));
  const defaultStep = step === undefined || step === 1 || (step === -1 && compareNumbers(first, last) > 0);
  return `${show(first)}..${show(last)}${defaultStep ? '' : `//${show(step!)}`}`;
}

function compareNumbers(a: Value, b: Value): number {
  return Number(a as number) - Number(b as number);
}

// ------------------------------------------------------------ floats

/** Float.to_string/1 and inspect: the shortest digits that read back, scientific below 1e-4 or from 1e16. */
export function formatFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? digits.slice(1) : '0';
    return `${sign}${digits[0]}.${frac}e${exp}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1) || '0';
  return `${sign}${whole}.${frac}`;
}
