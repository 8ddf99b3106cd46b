// Elixir semantics over the shared term model: term order (which also orders small maps),
// `==`, truthiness, keyword lists and `to_string` (String.Chars).
import { Atom, ErlFloat, ErlMap, Tuple, atom, termEquals, type Term } from '../../erlang/term.js';

export const NIL = atom('nil');
const FALSE = atom('false');

export const truthy = (t: Term): boolean => t !== NIL && t !== FALSE;

const isNumber = (t: Term): t is number | bigint | ErlFloat =>
  typeof t === 'number' || typeof t === 'bigint' || t instanceof ErlFloat;

function rank(t: Term): number {
  if (isNumber(t)) return 0;
  if (t instanceof Atom) return 1;
  if (t instanceof Tuple) return 6;
  if (t instanceof ErlMap) return 7;
  if (Array.isArray(t)) return 9;
  return 10; // binaries
}

function compareNumbers(a: number | bigint | ErlFloat, b: number | bigint | ErlFloat): number {
  const x = a instanceof ErlFloat ? a.value : a;
  const y = b instanceof ErlFloat ? b.value : b;
  if (typeof x === 'bigint' || typeof y === 'bigint') {
    if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
    // A float next to a bigint: compare in floating point, close enough for ordering.
    return Number(x) < Number(y) ? -1 : Number(x) > Number(y) ? 1 : 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Erlang term order, with numbers compared by value (so 1 and 1.0 compare equal). */
export function compareTerms(a: Term, b: Term): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b);
  if (a instanceof Atom && b instanceof Atom) return compareBytes(Buffer.from(a.name), Buffer.from(b.name));
  if (a instanceof Tuple && b instanceof Tuple) {
    if (a.elements.length !== b.elements.length) return a.elements.length - b.elements.length;
    return compareSequences(a.elements, b.elements);
  }
  if (Array.isArray(a) && Array.isArray(b)) return compareSequences(a, b);
  if (a instanceof ErlMap && b instanceof ErlMap) {
    if (a.entries.length !== b.entries.length) return a.entries.length - b.entries.length;
    const keys = compareSequences(a.entries.map((e) => e[0]), b.entries.map((e) => e[0]));
    return keys !== 0 ? keys : compareSequences(a.entries.map((e) => e[1]), b.entries.map((e) => e[1]));
  }
  return compareBytes(a as Uint8Array, b as Uint8Array);
}

function compareSequences(a: Term[], b: Term[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareTerms(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Map keys in the order Elixir enumerates a map of up to 32 keys; integers before equal floats. */
function compareMapKeys(a: Term, b: Term): number {
  const c = compareTerms(a, b);
  if (c !== 0) return c;
  return (a instanceof ErlFloat ? 1 : 0) - (b instanceof ErlFloat ? 1 : 0);
}

/** A map the way Elixir builds one: later duplicate keys win, entries in key order. */
export function makeMap(entries: Array<[Term, Term]>): ErlMap {
  const unique: Array<[Term, Term]> = [];
  for (const [k, v] of entries) {
    const at = unique.findIndex(([u]) => termEquals(u, k));
    if (at >= 0) unique[at] = [k, v];
    else unique.push([k, v]);
  }
  return new ErlMap(unique.sort((x, y) => compareMapKeys(x[0], y[0])));
}

/** Elixir `==`. */
export const looseEquals = (a: Term, b: Term): boolean => compareTerms(a, b) === 0;

export function isKeywordList(t: Term): t is Tuple[] {
  return Array.isArray(t) && t.every((e) => e instanceof Tuple && e.elements.length === 2 && e.elements[0] instanceof Atom);
}

/** `to_string/1` (String.Chars); undefined where Elixir would raise or where hexts does not render (floats). */
export function toElixirString(t: Term): Buffer | undefined {
  if (t instanceof Uint8Array) return Buffer.from(t);
  if (t instanceof Atom) return Buffer.from(t === NIL ? '' : t.name, 'utf8');
  if (typeof t === 'number' || typeof t === 'bigint') return Buffer.from(String(t));
  if (Array.isArray(t)) return charData(t);
  return undefined;
}

// List.to_string/1: code points, binaries and nested lists of them.
function charData(list: Term[]): Buffer | undefined {
  const chunks: Buffer[] = [];
  for (const e of list) {
    if (typeof e === 'number' && Number.isInteger(e) && e >= 0 && e <= 0x10ffff && !(e >= 0xd800 && e <= 0xdfff)) {
      chunks.push(Buffer.from(String.fromCodePoint(e), 'utf8'));
    } else if (e instanceof Uint8Array) {
      chunks.push(Buffer.from(e));
    } else if (Array.isArray(e)) {
      const inner = charData(e);
      if (!inner) return undefined;
      chunks.push(inner);
    } else {
      return undefined;
    }
  }
  return Buffer.concat(chunks);
}

// Unicode White_Space, which String.trim/1 removes.
const WHITESPACE = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
].map((cp) => Buffer.from(String.fromCodePoint(cp), 'utf8'));

/** String.trim/1, on bytes (so invalid UTF-8 is kept as it is, like Elixir). */
export function trimBinary(b: Uint8Array): Buffer {
  const buf = Buffer.from(b);
  let start = 0;
  let end = buf.length;
  for (let moved = true; moved; ) {
    moved = false;
    for (const ws of WHITESPACE) {
      if (start + ws.length <= end && buf.subarray(start, start + ws.length).equals(ws)) {
        start += ws.length;
        moved = true;
      }
    }
  }
  for (let moved = true; moved; ) {
    moved = false;
    for (const ws of WHITESPACE) {
      if (end - ws.length >= start && buf.subarray(end - ws.length, end).equals(ws)) {
        end -= ws.length;
        moved = true;
      }
    }
  }
  return buf.subarray(start, end);
}

/** The non-breaking ones are not separators for String.split/1 (and so not for ~w). */
export function splitWords(text: string): string[] {
  return text.split(/[\t\n\v\f\r \u0085\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]+/u).filter((w) => w !== '');
}
