// String.Chars (to_string/1, interpolation), List.to_string/1 and Unicode whitespace, for the
// evaluator and for the package pipeline, which renders the values mix.exs produced.
import { Atom, ErlFloat, ErlMap, atom } from '../erlang/term.js';
import { argumentError } from './errors.js';
import { formatFloat, inspect } from './inspect.js';
import type { Runtime } from './runtime.js';
import { NIL, isBinary, mapGet, structName, type Value } from './values.js';
import { protocolError } from './stdlib/table.js';

/** What long conversions charge while the evaluator runs them. */
export type Budget = Pick<Runtime, 'tick' | 'checkSize'>;

/** to_string/1 and string interpolation (String.Chars). */
export function toStringChars(v: Value, rt?: Budget): Buffer {
  if (isBinary(v)) return Buffer.from(v);
  if (v instanceof Atom) return Buffer.from(v === NIL ? '' : v.name, 'utf8');
  if (typeof v === 'number' || typeof v === 'bigint') return Buffer.from(String(v));
  if (v instanceof ErlFloat) return Buffer.from(formatFloat(v.value));
  if (Array.isArray(v)) return listToString(v, rt);
  const struct = structName(v);
  if (struct === 'Version') return Buffer.from(versionText(v as ErlMap), 'utf8');
  if (struct === 'Version.Requirement') return Buffer.from(mapGet(v as ErlMap, atom('source')) as Uint8Array);
  if (struct === 'Range') throw protocolError('String.Chars', v);
  throw protocolError('String.Chars', v);
}

export function versionText(v: ErlMap): string {
  const field = (f: string) => mapGet(v, atom(f));
  const pre = field('pre');
  const build = field('build');
  const preText = Array.isArray(pre) && pre.length > 0 ? '-' + pre.map((p) => (isBinary(p) ? Buffer.from(p).toString('utf8') : String(p))).join('.') : '';
  const buildText = isBinary(build ?? NIL) ? '+' + Buffer.from(build as Uint8Array).toString('utf8') : '';
  return `${String(field('major'))}.${String(field('minor'))}.${String(field('patch'))}${preText}${buildText}`;
}

/** List.to_string/1: code points, binaries and nested lists of them. */
export function listToString(list: Value[], rt?: Budget): Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  const walk = (l: Value[]): void => {
    for (const e of l) {
      rt?.tick();
      if (typeof e === 'number' && Number.isInteger(e) && e >= 0 && e <= 0x10ffff && !(e >= 0xd800 && e <= 0xdfff)) {
        const b = Buffer.from(String.fromCodePoint(e), 'utf8');
        size += b.length;
        chunks.push(b);
      } else if (isBinary(e)) {
        size += e.length;
        chunks.push(Buffer.from(e));
      } else if (Array.isArray(e)) {
        walk(e);
      } else {
        throw argumentError(`cannot convert the given list to a string.\n\nTo be converted to a string, a list must either be empty or only\ncontain the following elements:\n\n  * strings\n  * integers representing Unicode code points\n  * a list containing one of these three elements\n\nPlease check the given list or call inspect/1 to get the list representation, got:\n\n${inspect(list)}\n`);
      }
      rt?.checkSize('binary', size);
    }
  };
  walk(list);
  return Buffer.concat(chunks);
}

// Unicode White_Space: what String.trim/1 removes.
const WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
  0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);
// The non-breaking ones are not separators for String.split/1 (nor ~w).
const NON_BREAKING = new Set([0xa0, 0x2007, 0x202f]);

const cpLength = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/** Code points of a UTF-8 binary with their byte offsets; stops at invalid UTF-8. */
function leadingCodePoints(b: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const text = b.toString('utf8');
  let offset = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfffd && !b.subarray(offset, offset + 3).equals(Buffer.from([0xef, 0xbf, 0xbd]))) break;
    out.push([cp, offset]);
    offset += cpLength(cp);
  }
  return out;
}

export function trimLeadingWhitespace(b: Buffer): Buffer {
  let start = 0;
  for (const [cp, offset] of leadingCodePoints(b)) {
    if (!WHITESPACE.has(cp)) break;
    start = offset + cpLength(cp);
  }
  return b.subarray(start);
}

export function trimTrailingWhitespace(b: Buffer): Buffer {
  let end = b.length;
  // Walk back over whole UTF-8 sequences of whitespace (all of which are valid sequences).
  for (;;) {
    let found = false;
    for (const ws of WHITESPACE) {
      const seq = Buffer.from(String.fromCodePoint(ws), 'utf8');
      if (end >= seq.length && b.subarray(end - seq.length, end).equals(seq)) {
        end -= seq.length;
        found = true;
        break;
      }
    }
    if (!found) return b.subarray(0, end);
  }
}

export const trimWhitespace = (b: Buffer): Buffer => trimTrailingWhitespace(trimLeadingWhitespace(b));

export function trimRepeated(b: Buffer, unit: Buffer, leading: boolean, trailing: boolean): Buffer {
  if (unit.length === 0) return b;
  let start = 0;
  let end = b.length;
  if (leading) while (end - start >= unit.length && b.subarray(start, start + unit.length).equals(unit)) start += unit.length;
  if (trailing) while (end - start >= unit.length && b.subarray(end - unit.length, end).equals(unit)) end -= unit.length;
  return b.subarray(start, end);
}

export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (WHITESPACE.has(cp) && !NON_BREAKING.has(cp)) {
      if (current !== '') words.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') words.push(current);
  return words;
}

