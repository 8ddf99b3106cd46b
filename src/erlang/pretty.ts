// A port of OTP 25's io_lib_pretty:print/2 (column 1, line length 80, no depth or
// character limits, printable range latin1), for the terms Hex writes: metadata.config
// inside package tarballs and mix's hex.config. Byte-exact output is the point, so the
// layout rules below follow io_lib_pretty closely, including its quirks, and maps print
// in OTP's order (otpMapOrder).
import {
  Atom, ErlFloat, ErlMap, Tuple, binary, isInteger, otpMapOrder, tuple,
  type Term,
} from './term.js';
import { countGraphemes } from '../util/graphemes.js';

// 'utf8' is io_lib_pretty's {encoding, utf8} (metadata.config); 'latin1' is its default,
// which io_lib:print and ~p use (hex.config).
type Encoding = 'utf8' | 'latin1';

const LINE = 80;

// io_lib_pretty's intermediate form: every node knows its one-line length in characters.
// "atomic" nodes are written as they are and never broken; byte-list binaries are broken
// by binwrap; lists, tuples and maps are laid out element by element.
type Node =
  | { kind: 'atomic'; text: string; len: number }
  | { kind: 'bytes'; bytes: string[]; len: number }
  | { kind: 'list' | 'tuple'; items: Node[]; len: number; tagged: boolean }
  | { kind: 'map'; pairs: Pair[]; len: number };
type Pair = { key: Node; value: Node; len: number };

export function binarify(term: Term): Term {
  if (term instanceof Atom) {
    return term.name === 'true' || term.name === 'false' || term.name === 'undefined'
      ? term
      : binary(term.name);
  }
  if (Array.isArray(term)) return term.map(binarify);
  if (term instanceof Tuple) {
    if (term.elements.length !== 2) {
      throw new TypeError(`binarify: only 2-tuples are allowed, got a ${term.elements.length}-tuple`);
    }
    return tuple(binarify(term.elements[0]!), binarify(term.elements[1]!));
  }
  if (term instanceof ErlMap) return term.entries.map(([k, v]) => tuple(binarify(k), binarify(v)));
  return term;
}

/** io_lib_pretty:print(Term, [{encoding, utf8}]) */
export function prettyPrint(term: Term): string {
  return print(term, 'utf8');
}

/** metadata.config: one `{<<"key">>, Value}.` per pair, in the given order. */
export function encodeMetadata(pairs: Array<[string, Term]>): Buffer {
  const text = pairs.map(([key, value]) => prettyPrint(binarify(tuple(binary(key), value))) + '.\n');
  return Buffer.from(text.join(''), 'utf8');
}

/** A file:consult-able file the way mix writes hex.config: io_lib:print(Term) ++ ".\n" each. */
export function encodeConsultFile(terms: Term[]): Buffer {
  // Latin-1 printing only ever emits characters below 256; each becomes one byte.
  return Buffer.from(terms.map((t) => print(t, 'latin1') + '.\n').join(''), 'latin1');
}

function print(term: Term, enc: Encoding): string {
  const node = build(term, enc);
  if (node.len < LINE - 1) return flat(node);
  const maxWidth = node.len;
  const tagIndent = chooseTagIndent(node, maxWidth);
  return new Layout(maxWidth, tagIndent).pp(node, 1, '', 0, 0);
}

// ---------------------------------------------------------------- leaves

function build(term: Term, enc: Encoding): Node {
  if (term instanceof Atom) return atomic(writeAtom(term.name, enc));
  if (term instanceof ErlFloat) return atomic(formatFloat(term.value));
  if (typeof term === 'number' || typeof term === 'bigint') return atomic(formatInteger(term));
  if (term instanceof Uint8Array) return buildBinary(term, enc);
  if (Array.isArray(term)) {
    if (term.length === 0) return atomic('[]');
    if (isPrintableCharlist(term)) return atomic(writeString(term as number[], '"', enc));
    return container('list', term.map((t) => build(t, enc)), false);
  }
  if (term instanceof Tuple) {
    const items = term.elements;
    if (items.length === 0) return atomic('{}');
    return container('tuple', items.map((t) => build(t, enc)), items[0] instanceof Atom && items.length > 1);
  }
  if (term instanceof ErlMap) {
    if (term.entries.length === 0) return atomic('#{}');
    const pairs = otpMapOrder(term).map(([k, v]): Pair => {
      const key = build(k, enc);
      const value = build(v, enc);
      return { key, value, len: key.len + 4 + value.len };
    });
    return { kind: 'map', pairs, len: 3 + sumLengths(pairs) };
  }
  throw new TypeError(`not an Erlang term: ${String(term)}`);
}

function atomic(text: string): Node {
  return { kind: 'atomic', text, len: charCount(text) };
}

function container(kind: 'list' | 'tuple', items: Node[], tagged: boolean): Node {
  return { kind, items, tagged, len: 2 + sumLengths(items) };
}

// Elements plus the commas between them.
function sumLengths(items: Array<{ len: number }>): number {
  return items.reduce((n, x) => n + x.len, 0) + items.length - 1;
}

// io_lib counts printed characters as grapheme clusters (string:length), which matters
// for atoms with combining marks; below U+0300 each code point is its own cluster.
// Node's ICU knows a newer Unicode than OTP 25 (14.0), so atoms using characters or
// cluster rules added since can measure differently; Hex's files never contain such atoms.
function charCount(s: string): number {
  let simple = true;
  for (let i = 0; i < s.length && simple; i++) simple = s.charCodeAt(i) < 0x300;
  return simple ? s.length : countGraphemes(s);
}

function formatInteger(n: number | bigint): string {
  if (typeof n === 'number' && !Number.isInteger(n)) {
    throw new TypeError(`not an Erlang integer: ${n} (use ErlFloat for floats)`);
  }
  return typeof n === 'number' && Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

// OTP 25's io_lib:write for floats (float_to_list(F, [short])): the shortest digits that
// read back to the same float, in plain or exponent notation, whichever is shorter (plain
// on a tie), except that floats of 2^53 and more always use the exponent.
function formatFloat(x: number): string {
  if (!Number.isFinite(x)) throw new TypeError(`Erlang floats are finite, got ${x}`);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const place = Number(exponent) + 1; // |x| = 0.DIGITS * 10^place
  const len = digits.length;
  const exp = String(place - 1);
  const expCost = exp.length + 1 + (len === 1 ? 2 : 1);
  let text: string;
  if (place === 0) text = '0.' + digits;
  else if (place > 0 && place < len) text = digits.slice(0, place) + '.' + digits.slice(place);
  else if (place < 0 && 2 - place <= expCost) text = '0.' + '0'.repeat(-place) + digits;
  else if (place >= len && place - len + 2 <= expCost && Math.abs(x) < 2 ** 53) text = digits + '0'.repeat(place - len) + '.0';
  else text = digits[0] + '.' + (len === 1 ? '0' : digits.slice(1)) + 'e' + exp;
  return (x < 0 ? '-' : '') + text;
}

const RESERVED = new Set([
  'after', 'and', 'andalso', 'band', 'begin', 'bnot', 'bor', 'bsl', 'bsr', 'bxor', 'case',
  'catch', 'cond', 'div', 'end', 'fun', 'if', 'let', 'not', 'of', 'or', 'orelse', 'receive',
  'rem', 'try', 'when', 'xor',
  // Keywords of the maybe feature (default from OTP 27): quoting them is valid everywhere
  // and keeps the file readable by newer releases.
  'maybe', 'else',
]);

const isLowerStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0xdf && c <= 0xff && c !== 0xf7);
const isNameChar = (c: number) =>
  isLowerStart(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0xc0 && c <= 0xde && c !== 0xd7) ||
  (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x40;

function writeAtom(name: string, enc: Encoding): string {
  const codes = Array.from(name, (ch) => ch.codePointAt(0)!);
  const bare = codes.length > 0 && isLowerStart(codes[0]!) && codes.every(isNameChar) && !RESERVED.has(name);
  return bare ? name : writeString(codes, "'", enc);
}

// io_lib:write_string/2 (utf8) and write_string_as_latin1/2 (latin1).
function writeString(codes: number[], quote: '"' | "'", enc: Encoding): string {
  const q = quote.charCodeAt(0);
  let out = quote;
  for (const c of codes) {
    if (c === q || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if ((c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && (enc === 'utf8' || c <= 0xff))) out += String.fromCodePoint(c);
    else if (c > 0xff) out += `\\x{${c.toString(16).toUpperCase()}}`;
    else out += CONTROL_ESCAPES.get(c) ?? '\\' + c.toString(8).padStart(3, '0');
  }
  return out + quote;
}

const CONTROL_ESCAPES = new Map([
  [0x0a, '\\n'], [0x0d, '\\r'], [0x09, '\\t'], [0x0b, '\\v'], [0x08, '\\b'], [0x0c, '\\f'],
  [0x1b, '\\e'], [0x7f, '\\d'],
]);

// io_lib's printable Latin-1 characters (the default printable_range).
function isPrintable(c: number): boolean {
  return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) ||
    (c >= 0x08 && c <= 0x0d) || c === 0x1b;
}

function isPrintableCharlist(list: Term[]): boolean {
  return list.every((t) => isInteger(t) && isPrintable(Number(t)));
}

function buildBinary(bytes: Uint8Array, enc: Encoding): Node {
  if (bytes.length === 0) return atomic('<<>>');
  // With utf8, a binary that is valid UTF-8 as a whole prints as text if every character
  // is printable and as bytes otherwise; one that is not valid UTF-8 is tried as Latin-1.
  const codes = enc === 'utf8' ? decodeUtf8(bytes) : undefined;
  if (codes) {
    if (!codes.every(isPrintable)) return byteList(bytes);
    const ascii = codes.length === bytes.length;
    return atomic('<<' + writeString(codes, '"', enc) + (ascii ? '>>' : '/utf8>>'));
  }
  return Array.from(bytes).every(isPrintable)
    ? atomic('<<' + writeString(Array.from(bytes), '"', enc) + '>>')
    : byteList(bytes);
}

function byteList(bytes: Uint8Array): Node {
  const decimals = Array.from(bytes, String);
  return { kind: 'bytes', bytes: decimals, len: 4 + sumLengths(decimals.map((d) => ({ len: d.length }))) };
}

// Strict like Erlang's <<C/utf8>> matching: no overlong forms, surrogates or BOM removal.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// The code points of valid UTF-8, else undefined.
function decodeUtf8(bytes: Uint8Array): number[] | undefined {
  try {
    return Array.from(strictUtf8.decode(bytes), (ch) => ch.codePointAt(0)!);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- layout

function flat(n: Node): string {
  switch (n.kind) {
    case 'atomic': return n.text;
    case 'bytes': return '<<' + n.bytes.join(',') + '>>';
    case 'list': return '[' + n.items.map(flat).join(',') + ']';
    case 'tuple': return '{' + n.items.map(flat).join(',') + '}';
    case 'map': return '#{' + n.pairs.map(flatPair).join(',') + '}';
  }
}

const flatPair = (p: Pair) => flat(p.key) + ' => ' + flat(p.value);
const isAtomic = (n: Node) => n.kind === 'atomic';
const isAtomicPair = (p: Pair) => isAtomic(p.key) && isAtomic(p.value);
const spaces = (n: number) => ' '.repeat(n);
// io_lib_pretty's last_depth: the closing brackets that follow the last element.
const lastDepth = (isLast: boolean, ld: number) => (isLast ? ld + 1 : 0);

class NoGood extends Error {}

// io_lib_pretty's cind pass: tagged tuples ({atom, ...}) indent their elements after the
// tag unless that pushes them past half the line; then an indentation of 4 is tried, then 1.
function chooseTagIndent(node: Node, maxWidth: number): number {
  for (const candidate of [-1, 4]) {
    try {
      new IndentCheck(maxWidth, candidate).cind(node, 1, 0, 0);
      return candidate;
    } catch (e) {
      if (!(e instanceof NoGood)) throw e;
    }
  }
  return 1;
}

// Whether element `e` may follow on the current line (pp_tail / pp_pairs_tail).
function fitsOnLine(len: number, col: number, ld: number, w: number, maxWidth: number): boolean {
  const elen = 1 + len;
  return ld === 0
    ? elen + 1 < LINE - col && w + elen + 1 <= maxWidth
    : elen < LINE - col - ld && w + elen + ld <= maxWidth;
}

// Arguments mirror io_lib_pretty: col is the current column, ind the indentation string
// for new lines, ld the number of closing brackets after this element, w the width used
// on the current line; maxWidth (M) is the one-line length of the whole term.
class Layout {
  constructor(private readonly maxWidth: number, private readonly tagIndent: number) {}

  private fitsFlat(len: number, col: number, ld: number, w: number): boolean {
    return len < LINE - col - ld && len + w + ld <= this.maxWidth;
  }

  pp(n: Node, col: number, ind: string, ld: number, w: number): string {
    if (this.fitsFlat(n.len, col, ld, w)) return flat(n);
    switch (n.kind) {
      case 'atomic': return n.text;
      case 'bytes': return this.binwrap(n.bytes, col + 2, ind + '  ', ld, w);
      case 'list': return '[' + this.list(n.items, col + 1, ind + ' ', ld, w + 1) + ']';
      case 'tuple':
        return n.tagged
          ? '{' + this.tagTuple(n.items, col, ind, ld, w + 1) + '}'
          : '{' + this.list(n.items, col + 1, ind + ' ', ld, w + 1) + '}';
      case 'map': return '#{' + this.map(n.pairs, col + 2, ind + '  ', ld, w + 1) + '}';
    }
  }

  private tagTuple(items: Node[], col: number, ind: string, ld: number, w: number): string {
    const tag = items[0]!;
    const tagCol = col + tag.len + 2;
    if (this.tagIndent > 0 && tag.len + 2 > this.tagIndent) {
      const indent = ind + spaces(this.tagIndent);
      return flat(tag) + this.tail(items, 1, col + this.tagIndent, tagCol, indent, ld, w + tag.len);
    }
    return flat(tag) + ',' + this.list(items.slice(1), tagCol, ind + spaces(tag.len + 2), ld, w + tag.len + 1);
  }

  private list(items: Node[], col0: number, ind: string, ld: number, w: number): string {
    const [text, width] = this.element(items[0]!, col0, ind, lastDepth(items.length === 1, ld), w);
    return text + this.tail(items, 1, col0, col0 + width, ind, ld, w + width);
  }

  private tail(items: Node[], from: number, col0: number, col: number, ind: string, ld: number, w: number): string {
    let out = '';
    for (let i = from; i < items.length; i++) {
      const e = items[i]!;
      const ld1 = lastDepth(i === items.length - 1, ld);
      if (isAtomic(e) && fitsOnLine(e.len, col, ld1, w, this.maxWidth)) {
        out += ',' + flat(e);
        col += 1 + e.len;
        w += 1 + e.len;
      } else {
        const [text, width] = this.element(e, col0, ind, ld1, 0);
        out += ',\n' + ind + text;
        col = col0 + width;
        w = width;
      }
    }
    return out;
  }

  // Returns the text and the width it takes; LINE forces the next sibling onto a new line.
  private element(e: Node, col: number, ind: string, ld: number, w: number): [string, number] {
    if (isAtomic(e) && this.fitsFlat(e.len, col, ld, w)) return [flat(e), e.len];
    return [this.pp(e, col, ind, ld, w), LINE];
  }

  private map(pairs: Pair[], col0: number, ind: string, ld: number, w: number): string {
    let [out, width] = this.pair(pairs[0]!, col0, ind, lastDepth(pairs.length === 1, ld), w);
    let col = col0 + width;
    w = width; // sic: io_lib_pretty restarts the width here, unlike in lists
    for (let i = 1; i < pairs.length; i++) {
      const p = pairs[i]!;
      const ld1 = lastDepth(i === pairs.length - 1, ld);
      if (isAtomicPair(p) && fitsOnLine(p.len, col, ld1, w, this.maxWidth)) {
        out += ',' + flatPair(p);
        col += 1 + p.len;
        w += 1 + p.len;
      } else {
        const [text, pw] = this.pair(p, col0, ind, ld1, 0);
        out += ',\n' + ind + text;
        col = col0 + pw;
        w = pw;
      }
    }
    return out;
  }

  private pair(p: Pair, col: number, ind: string, ld: number, w: number): [string, number] {
    if (this.fitsFlat(p.len, col, ld, w)) return [flatPair(p), isAtomicPair(p) ? p.len : LINE];
    const valueIndent = this.tagIndent > 0 ? this.tagIndent : 4;
    const ind2 = ind + spaces(valueIndent);
    const key = this.pp(p.key, col, ind, ld, w);
    return [key + ' =>\n' + ind2 + this.pp(p.value, col + valueIndent, ind2, ld, 0), LINE];
  }

  // Byte lists fill the line, breaking between bytes.
  private binwrap(bytes: string[], col: number, ind: string, ld: number, w: number): string {
    const room = Math.max(8, Math.min(LINE - col, this.maxWidth - 4 - w) - ld);
    let left = room;
    let out = '<<';
    for (let i = 0; i < bytes.length - 1; i++) {
      const token = bytes[i] + ',';
      if (left - token.length < 0) {
        out += '\n' + ind + token;
        left = room - token.length;
      } else {
        out += token;
        left -= token.length;
      }
    }
    const last = bytes[bytes.length - 1]!;
    return out + (last.length > left ? '\n' + ind + last : last) + '>>';
  }
}

// The same walk as Layout without output, throwing NoGood where a tagged tuple would
// indent too far (io_lib_pretty's cind). Its width bookkeeping differs slightly from
// Layout's (maps count 2 for "#{" and keep the width after the first pair), as in OTP.
class IndentCheck {
  constructor(private readonly maxWidth: number, private readonly tagIndent: number) {}

  cind(n: Node, col: number, ld: number, w: number): void {
    if (n.len < LINE - col - ld && n.len + w + ld <= this.maxWidth) return;
    if (n.kind === 'list' || (n.kind === 'tuple' && !n.tagged)) this.list(n.items, col + 1, ld, w + 1);
    else if (n.kind === 'tuple') this.tagTuple(n.items, col, ld, w + 1);
    else if (n.kind === 'map') this.map(n.pairs, col + 2, ld, w + 2);
  }

  private tagTuple(items: Node[], col: number, ld: number, w: number): void {
    const tag = items[0]!;
    const tagCol = col + tag.len + 2;
    if (this.tagIndent > 0 && tag.len + 2 > this.tagIndent) {
      const col1 = col + this.tagIndent;
      if (!(this.maxWidth + col1 <= LINE || col1 <= LINE / 2)) throw new NoGood();
      this.tail(items, 1, col1, tagCol, ld, w + tag.len);
    } else {
      if (!(this.maxWidth + tagCol < LINE || tagCol < LINE / 2)) throw new NoGood();
      this.list(items.slice(1), tagCol, ld, w + tag.len + 1);
    }
  }

  private list(items: Node[], col0: number, ld: number, w: number): void {
    const width = this.element(items[0]!, col0, lastDepth(items.length === 1, ld), w);
    this.tail(items, 1, col0, col0 + width, ld, w + width);
  }

  private tail(items: Node[], from: number, col0: number, col: number, ld: number, w: number): void {
    for (let i = from; i < items.length; i++) {
      const e = items[i]!;
      const ld1 = lastDepth(i === items.length - 1, ld);
      if (isAtomic(e) && fitsOnLine(e.len, col, ld1, w, this.maxWidth)) {
        col += 1 + e.len;
        w += 1 + e.len;
      } else {
        const width = this.element(e, col0, ld1, 0);
        col = col0 + width;
        w = width;
      }
    }
  }

  private element(e: Node, col: number, ld: number, w: number): number {
    if (isAtomic(e) && e.len < LINE - col - ld && e.len + w + ld <= this.maxWidth) return e.len;
    this.cind(e, col, ld, w);
    return LINE;
  }

  private map(pairs: Pair[], col0: number, ld: number, w: number): void {
    const first = this.pair(pairs[0]!, col0, lastDepth(pairs.length === 1, ld), w);
    let col = col0 + first;
    w += first;
    for (let i = 1; i < pairs.length; i++) {
      const p = pairs[i]!;
      const ld1 = lastDepth(i === pairs.length - 1, ld);
      if (isAtomicPair(p) && fitsOnLine(p.len, col, ld1, w, this.maxWidth)) {
        col += 1 + p.len;
        w += 1 + p.len;
      } else {
        const width = this.pair(p, col0, ld1, 0);
        col = col0 + width;
        w = width;
      }
    }
  }

  private pair(p: Pair, col: number, ld: number, w: number): number {
    if (p.len < LINE - col - ld && p.len + w + ld <= this.maxWidth) return isAtomicPair(p) ? p.len : LINE;
    this.cind(p.key, col, ld, w);
    this.cind(p.value, col + (this.tagIndent > 0 ? this.tagIndent : 4), ld, 0);
    return LINE;
  }
}
