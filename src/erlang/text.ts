// A reader for Erlang term text as file:consult/1 and hex_core's safe_erl_term read it:
// a sequence of `Term.` forms. Only literal terms are accepted (no variables, operators
// other than a sign, records or funs). Hand-written scanner, no regular expressions, and
// nesting is bounded, so hostile input fails fast with a TermSyntaxError.
import { ErlFloat, ErlMap, Tuple, atom, termKey, type Term } from './term.js';

const MAX_NESTING = 512;
const MAX_ATOM_LENGTH = 255;
// Longer integer literals are refused: converting them would take quadratic time.
const MAX_DIGITS = 10_000;

export class TermSyntaxError extends Error {
  constructor(readonly line: number, readonly column: number, message: string) {
    super(`${line}:${column}: ${message}`);
    this.name = 'TermSyntaxError';
  }
}

type Token =
  | { kind: 'punct'; text: string }
  | { kind: 'atom'; name: string }
  | { kind: 'integer'; value: number | bigint }
  | { kind: 'float'; value: number }
  | { kind: 'string'; codes: number[] }
  | { kind: 'var'; name: string }
  | { kind: 'dot' }
  | { kind: 'eof' };
type Located = Token & { line: number; column: number };

export function parseTerms(input: string | Uint8Array): Term[] {
  const parser = new Parser(new Scanner(typeof input === 'string' ? input : decodeText(input)));
  return parser.forms();
}

// UTF-8 when valid; otherwise Latin-1, as hex_core re-reads invalid UTF-8 metadata.
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'punct': return t.text === '.' ? "'.' not followed by white space" : `'${t.text}'`;
    case 'atom': return `atom '${t.name}'`;
    case 'integer': return `integer ${t.value}`;
    case 'float': return `float ${t.value}`;
    case 'string': return 'a string';
    case 'var': return `variable ${t.name}`;
    case 'dot': return `'.'`;
    case 'eof': return 'end of input';
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
// erl_scan's white space: control characters, space, and Latin-1 0x80-0xA0.
const isSpace = (c: number) => c <= 0x20 || (c >= 0x80 && c <= 0xa0);
const isLowerStart = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0xdf && c <= 0xff && c !== 0xf7);
const isUpperStart = (c: number) => (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0xc0 && c <= 0xde && c !== 0xd7);
const isNameChar = (c: number) => isLowerStart(c) || isUpperStart(c) || isDigit(c) || c === 0x40;

function digitValue(c: number): number {
  if (isDigit(c)) return c - 0x30;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 10;
  return 99;
}

class Scanner {
  private pos = 0;
  private line = 1;
  private column = 1;

  constructor(private readonly src: string) {}

  private peek(offset = 0): number {
    let p = this.pos;
    for (let k = 0; k < offset && p < this.src.length; k++) p += this.src.codePointAt(p)! > 0xffff ? 2 : 1;
    return p < this.src.length ? this.src.codePointAt(p)! : -1;
  }

  private advance(): number {
    const c = this.src.codePointAt(this.pos)!;
    this.pos += c > 0xffff ? 2 : 1;
    if (c === 0x0a) {
      this.line++;
      this.column = 1;
    } else {
      this.column++;
    }
    return c;
  }

  private fail(message: string, line = this.line, column = this.column): never {
    throw new TermSyntaxError(line, column, message);
  }

  next(): Located {
    this.skipBlanks();
    const line = this.line;
    const column = this.column;
    return { ...this.token(), line, column };
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.peek();
      if (c === -1) return;
      if (c === 0x25) { // % comment to end of line
        while (this.peek() !== -1 && this.peek() !== 0x0a) this.advance();
      } else if (isSpace(c)) {
        this.advance();
      } else {
        return;
      }
    }
  }

  private token(): Token {
    const c = this.peek();
    if (c === -1) return { kind: 'eof' };
    if (isDigit(c)) return this.number();
    if (isLowerStart(c)) {
      const name = this.name();
      if (name.length > MAX_ATOM_LENGTH) this.fail('atom too long (more than 255 characters)');
      return { kind: 'atom', name };
    }
    if (isUpperStart(c)) return { kind: 'var', name: this.name() };
    if (c === 0x27) return { kind: 'atom', name: this.quotedAtom() };
    if (c === 0x22) {
      this.advance();
      return { kind: 'string', codes: this.quoted(0x22) };
    }
    if (c === 0x24) { // $c character literal
      this.advance();
      const ch = this.peek();
      if (ch === -1) this.fail('unterminated character literal');
      this.advance();
      return { kind: 'integer', value: ch === 0x5c ? this.escape() : ch };
    }
    if (c === 0x2e) { // a dot ends a form only when followed by blank, comment or end
      this.advance();
      const after = this.peek();
      if (after === -1 || after === 0x25 || isSpace(after)) return { kind: 'dot' };
      return { kind: 'punct', text: '.' };
    }
    const two = String.fromCodePoint(c) + (this.peek(1) === -1 ? '' : String.fromCodePoint(this.peek(1)));
    if (two === '<<' || two === '>>' || two === '=>') {
      this.advance();
      this.advance();
      return { kind: 'punct', text: two };
    }
    this.advance();
    return { kind: 'punct', text: String.fromCodePoint(c) };
  }

  private name(): string {
    let s = '';
    while (isNameChar(this.peek())) s += String.fromCodePoint(this.advance());
    return s;
  }

  private quotedAtom(): string {
    const line = this.line;
    const column = this.column;
    this.advance();
    const codes = this.quoted(0x27);
    if (codes.length > MAX_ATOM_LENGTH) this.fail('atom too long (more than 255 characters)', line, column);
    return String.fromCodePoint(...codes);
  }

  // The characters of a quoted string or atom, after the opening quote.
  private quoted(quote: number): number[] {
    const line = this.line;
    const column = this.column - 1;
    const codes: number[] = [];
    for (;;) {
      const c = this.peek();
      if (c === -1) this.fail(quote === 0x22 ? 'unterminated string' : 'unterminated quoted atom', line, column);
      this.advance();
      if (c === quote) return codes;
      codes.push(c === 0x5c ? this.escape() : c);
    }
  }

  // erl_scan's escape sequences, after the backslash; errors point at the backslash.
  private escape(): number {
    const at = [this.line, this.column - 1] as const;
    const c = this.peek();
    if (c === -1) this.fail('unterminated escape sequence', ...at);
    this.advance();
    if (c >= 0x30 && c <= 0x37) { // up to three octal digits
      let value = c - 0x30;
      for (let k = 0; k < 2 && this.peek() >= 0x30 && this.peek() <= 0x37; k++) value = value * 8 + this.advance() - 0x30;
      return value;
    }
    if (c === 0x78) return this.hexEscape(at);
    if (c === 0x5e) { // \^C is a control character
      const ch = this.peek();
      if (ch === -1) this.fail('unterminated escape sequence', ...at);
      this.advance();
      return ch & 31;
    }
    return SIMPLE_ESCAPES.get(c) ?? c;
  }

  private hexEscape(at: readonly [number, number]): number {
    let digits = '';
    if (this.peek() === 0x7b) {
      this.advance();
      while (digitValue(this.peek()) < 16) {
        digits += String.fromCodePoint(this.advance());
        if (digits.length > 8) this.fail('character code too large in \\x{...}', ...at);
      }
      if (this.peek() !== 0x7d || digits === '') this.fail("expected hex digits and '}' in \\x{...}", ...at);
      this.advance();
    } else {
      for (let k = 0; k < 2; k++) {
        if (digitValue(this.peek()) >= 16) this.fail('expected two hex digits after \\x', ...at);
        digits += String.fromCodePoint(this.advance());
      }
    }
    const value = parseInt(digits, 16);
    if (value > 0x10ffff) this.fail('character code beyond U+10FFFF', ...at);
    return value;
  }

  // Decimal integers, Base#digits integers and floats; `_` may separate digits.
  private number(): Token {
    const line = this.line;
    const column = this.column;
    const whole = this.digits(10);
    if (this.peek() === 0x23) { // 16#FF
      const base = Number(whole);
      if (base < 2 || base > 36) this.fail(`invalid base ${whole}`, line, column);
      this.advance();
      if (digitValue(this.peek()) >= base) this.fail(`expected a base ${base} digit`);
      return { kind: 'integer', value: normalize(this.digits(base).split('').reduce(
        (acc, d) => acc * BigInt(base) + BigInt(digitValue(d.charCodeAt(0))), 0n)) };
    }
    if (this.peek() === 0x2e && isDigit(this.peek(1))) {
      this.advance();
      let text = whole + '.' + this.digits(10);
      const e = this.peek();
      if (e === 0x65 || e === 0x45) {
        const sign = this.peek(1);
        const signed = sign === 0x2b || sign === 0x2d;
        if (isDigit(this.peek(signed ? 2 : 1))) {
          this.advance();
          text += 'e' + (signed ? String.fromCharCode(this.advance()) : '') + this.digits(10);
        }
      }
      const value = Number(text);
      if (!Number.isFinite(value)) this.fail(`float out of range: ${text}`, line, column);
      return { kind: 'float', value };
    }
    return { kind: 'integer', value: normalize(BigInt(whole)) };
  }

  private digits(base: number): string {
    let s = '';
    for (;;) {
      const c = this.peek();
      if (s.length > MAX_DIGITS) this.fail(`number literal longer than ${MAX_DIGITS} digits`);
      if (digitValue(c) < base) s += String.fromCharCode(this.advance());
      else if (c === 0x5f && s !== '' && digitValue(this.peek(1)) < base) this.advance();
      else return s;
    }
  }
}

const SIMPLE_ESCAPES = new Map([
  [0x6e, 0x0a], [0x72, 0x0d], [0x74, 0x09], [0x76, 0x0b], [0x62, 0x08], [0x66, 0x0c],
  [0x65, 0x1b], [0x73, 0x20], [0x64, 0x7f],
]);

function normalize(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

class Parser {
  private lookahead: Located;

  constructor(private readonly scanner: Scanner) {
    this.lookahead = scanner.next();
  }

  private take(): Located {
    const t = this.lookahead;
    this.lookahead = this.scanner.next();
    return t;
  }

  private fail(expected: string, t: Located = this.lookahead): never {
    throw new TermSyntaxError(t.line, t.column, `expected ${expected} but found ${describe(t)}`);
  }

  private isPunct(text: string): boolean {
    return this.lookahead.kind === 'punct' && this.lookahead.text === text;
  }

  private expectPunct(text: string, expected = `'${text}'`): void {
    if (!this.isPunct(text)) this.fail(expected);
    this.take();
  }

  forms(): Term[] {
    const terms: Term[] = [];
    while (this.lookahead.kind !== 'eof') {
      terms.push(this.term(0));
      if (this.lookahead.kind !== 'dot') this.fail("'.' after the term");
      this.take();
    }
    return terms;
  }

  private term(depth: number): Term {
    const t = this.lookahead;
    if (depth > MAX_NESTING) {
      throw new TermSyntaxError(t.line, t.column, `terms nested more than ${MAX_NESTING} levels deep`);
    }
    switch (t.kind) {
      case 'atom': this.take(); return atom(t.name);
      case 'integer': case 'float': return this.number();
      case 'string': return this.strings();
      case 'var': this.take(); throw new TermSyntaxError(t.line, t.column, `variables are not allowed in terms (found ${t.name})`);
      case 'punct':
        switch (t.text) {
          case '-': case '+': return this.number();
          case '{': return new Tuple(this.sequence('}', depth));
          case '[': return this.list(depth);
          case '#': return this.map(depth);
          case '<<': return this.binary();
        }
    }
    return this.fail('a term');
  }

  private number(): Term {
    const sign = this.lookahead;
    const negate = sign.kind === 'punct' && sign.text === '-';
    if (sign.kind === 'punct') this.take();
    const t = this.lookahead;
    if (t.kind === 'integer') {
      this.take();
      return negate ? normalize(-BigInt(t.value)) : t.value;
    }
    if (t.kind === 'float') {
      this.take();
      return new ErlFloat(negate ? -t.value : t.value);
    }
    return this.fail('a number after the sign');
  }

  // Adjacent string literals are one string, as in Erlang.
  private strings(): number[] {
    const codes: number[] = [];
    for (let t = this.lookahead; t.kind === 'string'; t = this.lookahead) {
      this.take();
      for (const c of t.codes) codes.push(c);
    }
    return codes;
  }

  // Elements up to the closing bracket, after the opening one.
  private sequence(close: string, depth: number): Term[] {
    this.take();
    const items: Term[] = [];
    if (this.isPunct(close)) {
      this.take();
      return items;
    }
    for (;;) {
      items.push(this.term(depth + 1));
      if (this.isPunct(',')) {
        this.take();
        continue;
      }
      this.expectPunct(close, `',' or '${close}'`);
      return items;
    }
  }

  private list(depth: number): Term[] {
    this.take();
    const items: Term[] = [];
    if (this.isPunct(']')) {
      this.take();
      return items;
    }
    for (;;) {
      items.push(this.term(depth + 1));
      if (this.isPunct(',')) {
        this.take();
        continue;
      }
      if (this.isPunct('|')) {
        const at = this.take();
        const tail = this.term(depth + 1);
        if (!Array.isArray(tail)) {
          throw new TermSyntaxError(at.line, at.column, 'improper lists are not supported (the tail after | must be a list)');
        }
        for (const x of tail) items.push(x);
        this.expectPunct(']');
        return items;
      }
      this.expectPunct(']', "',', '|' or ']'");
      return items;
    }
  }

  private map(depth: number): ErlMap {
    this.take();
    if (!this.isPunct('{')) this.fail("'{' after '#'");
    this.take();
    const entries: Array<[Term, Term]> = [];
    const index = new Map<string, number>();
    if (this.isPunct('}')) {
      this.take();
      return new ErlMap(entries);
    }
    for (;;) {
      const key = this.term(depth + 1);
      this.expectPunct('=>');
      const value = this.term(depth + 1);
      // A repeated key keeps its first position and takes the last value, as Erlang does.
      const k = termKey(key);
      const seen = index.get(k);
      if (seen === undefined) {
        index.set(k, entries.length);
        entries.push([key, value]);
      } else {
        entries[seen]![1] = value;
      }
      if (this.isPunct(',')) {
        this.take();
        continue;
      }
      this.expectPunct('}', "',' or '}'");
      return new ErlMap(entries);
    }
  }

  // <<"text">>, <<"text"/utf8>>, <<1,2,3>>, <<$a>>, <<>> and mixtures; integers and
  // characters without /utf8 are stored modulo 256, as Erlang does.
  private binary(): Uint8Array {
    this.take();
    const bytes: number[] = [];
    if (this.isPunct('>>')) {
      this.take();
      return Uint8Array.from(bytes);
    }
    for (;;) {
      const start = this.lookahead;
      const values: Array<number | bigint> = start.kind === 'string' ? this.strings() : [this.integerSegment()];
      const utf8 = this.segmentType();
      for (const v of values) {
        if (!utf8) {
          bytes.push(Number(BigInt.asUintN(8, BigInt(v))));
        } else if (v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
          throw new TermSyntaxError(start.line, start.column, `${v} is not a character that UTF-8 can encode`);
        } else {
          for (const b of Buffer.from(String.fromCodePoint(Number(v)), 'utf8')) bytes.push(b);
        }
      }
      if (this.isPunct(',')) {
        this.take();
        continue;
      }
      this.expectPunct('>>', "',' or '>>'");
      return Uint8Array.from(bytes);
    }
  }

  private integerSegment(): number | bigint {
    const t = this.lookahead;
    const signed = t.kind === 'punct' && (t.text === '-' || t.text === '+');
    if (t.kind !== 'integer' && !signed) this.fail('a string or an integer in the binary');
    const value = this.number();
    if (value instanceof ErlFloat) this.fail('an integer', t);
    return value as number | bigint;
  }

  // Whether the segment is /utf8, the only type specifier supported.
  private segmentType(): boolean {
    if (this.isPunct(':')) this.fail("',' or '>>' (segment sizes are not supported)");
    if (!this.isPunct('/')) return false;
    this.take();
    const type = this.lookahead;
    if (type.kind !== 'atom' || type.name !== 'utf8') this.fail("'utf8' (the only supported segment type)");
    this.take();
    return true;
  }
}
