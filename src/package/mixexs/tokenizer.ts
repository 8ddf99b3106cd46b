// Tokenizer for the Elixir that mix.exs files are written in. It accepts nearly all of
// Elixir's lexical syntax (so that the parser can skip constructs it does not evaluate),
// but keeps string-like bodies raw: escapes are processed later, per literal kind.
import { MixExsError, type Pos } from './error.js';

export type TokenKind =
  | 'int' // value
  | 'float' // value
  | 'atom' // text = name; parts set for :"quoted" atoms
  | 'kw' // keyword key `name:`; parts set for "quoted": keys
  | 'str' // parts
  | 'chars' // 'charlist', parts
  | 'sigil' // text = sigil name, parts, mods
  | 'ident'
  | 'alias'
  | 'op' // operators and punctuation
  | 'nl'
  | 'eof';

/** A piece of a string-like body: raw source text (escapes not yet processed) or an interpolation. */
export type Part = { raw: string } | { code: Token[]; pos: Pos };

export interface Token {
  kind: TokenKind;
  text: string;
  pos: Pos;
  start: number; // source offsets, used to tell `foo(` from `foo (`
  end: number;
  value?: number | bigint;
  parts?: Part[];
  heredoc?: boolean;
  mods?: string;
}

// Longest first, so that the scan can take the first match.
const OPERATORS = [
  '<<<', '>>>', '<<~', '~>>', '<~>', '<|>', '|||', '&&&', '^^^', '~~~', '===', '!==', '...', '+++', '---', '//',
  '==', '!=', '=~', '<=', '>=', '++', '--', '<>', '<-', '->', '=>', '|>', '||', '&&', '::', '\\\\', '..', '<~',
  '~>', '<<', '>>', '%{', '**',
  '<', '>', '+', '-', '*', '/', '=', '|', '&', '^', '!', '@', '.', ',', ';', '(', ')', '[', ']', '{', '}', '%',
];

const SIGIL_CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>', '/': '/', '|': '|', '"': '"', "'": "'" };

const MAX_NESTING = 64;

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => c === '_' || (c >= 'a' && c <= 'z') || (c > '\x7f' && /\p{Ll}|\p{Lo}/u.test(c));
const isUpper = (c: string) => (c >= 'A' && c <= 'Z') || (c > '\x7f' && /\p{Lu}|\p{Lt}/u.test(c));
const isIdentChar = (c: string) =>
  c === '_' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c > '\x7f' && /[\p{L}\p{N}\p{M}]/u.test(c));
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v';

export function tokenize(source: string): Token[] {
  return new Tokenizer(source).run();
}

class Tokenizer {
  private i = 0;
  private readonly lineStarts: number[] = [0];
  private depth = 0;

  constructor(private readonly src: string) {
    for (let k = 0; k < src.length; k++) if (src[k] === '\n') this.lineStarts.push(k + 1);
  }

  run(): Token[] {
    const tokens = this.scan(false);
    tokens.push(this.token('eof', '', this.i, this.i));
    return tokens;
  }

  pos(offset: number): Pos {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }

  private fail(offset: number, problem: string): never {
    throw new MixExsError(this.pos(offset), problem);
  }

  private token(kind: TokenKind, text: string, start: number, end: number, extra: Partial<Token> = {}): Token {
    return { kind, text, pos: this.pos(start), start, end, ...extra };
  }

  /** Scans tokens; inside an interpolation it stops at (and consumes) the `}` that closes it. */
  private scan(interpolation: boolean): Token[] {
    if (++this.depth > MAX_NESTING) this.fail(this.i, 'cannot read interpolation nested this deep');
    const out: Token[] = [];
    let braces = 0;
    const src = this.src;
    for (;;) {
      const start = this.i;
      if (start >= src.length) {
        if (interpolation) this.fail(start, 'cannot read string: missing terminator for interpolation #{');
        break;
      }
      const c = src[start]!;
      if (c === '\n') {
        if (out.length > 0 && out[out.length - 1]!.kind !== 'nl') out.push(this.token('nl', '\n', start, start + 1));
        this.i++;
        continue;
      }
      if (isSpace(c)) {
        this.i++;
        continue;
      }
      if (c === '\\' && (src[start + 1] === '\n' || (src[start + 1] === '\r' && src[start + 2] === '\n'))) {
        this.i += src[start + 1] === '\n' ? 2 : 3; // line continuation
        continue;
      }
      if (c === '#') {
        while (this.i < src.length && src[this.i] !== '\n') this.i++;
        continue;
      }
      if (isDigit(c)) {
        out.push(this.number());
        continue;
      }
      if (c === '"' || c === "'") {
        out.push(this.quoted(c));
        continue;
      }
      if (c === ':' && src[start + 1] !== ':') {
        const atom = this.atom();
        if (atom) {
          out.push(atom);
          continue;
        }
      }
      if (c === '?' && start + 1 < src.length) {
        out.push(this.charLiteral());
        continue;
      }
      if (c === '~' && start + 1 < src.length && /[A-Za-z]/.test(src[start + 1]!)) {
        out.push(this.sigil());
        continue;
      }
      if (isIdentStart(c) || isUpper(c)) {
        out.push(this.identifier());
        continue;
      }
      const op = OPERATORS.find((o) => src.startsWith(o, start));
      if (!op) this.fail(start, `cannot read character ${JSON.stringify(c)}`);
      this.i += op.length;
      if (op === '{' || op === '%{') braces++;
      if (op === '}') {
        if (interpolation && braces === 0) break;
        braces--;
      }
      out.push(this.token('op', op, start, this.i));
    }
    this.depth--;
    return out;
  }

  private number(): Token {
    const src = this.src;
    const start = this.i;
    const based = /^0([xob])/.exec(src.slice(start, start + 2));
    if (based) {
      const digits = { x: /[0-9a-fA-F_]/, o: /[0-7_]/, b: /[01_]/ }[based[1] as 'x' | 'o' | 'b'];
      this.i += 2;
      while (this.i < src.length && digits.test(src[this.i]!)) this.i++;
      const text = src.slice(start + 2, this.i).replaceAll('_', '');
      if (text === '') this.fail(start, 'cannot read number');
      return this.integer(BigInt('0' + based[1] + text), start);
    }
    while (this.i < src.length && (isDigit(src[this.i]!) || (src[this.i] === '_' && isDigit(src[this.i + 1] ?? '')))) this.i++;
    if (src[this.i] === '.' && isDigit(src[this.i + 1] ?? '')) {
      this.i++;
      while (this.i < src.length && (isDigit(src[this.i]!) || (src[this.i] === '_' && isDigit(src[this.i + 1] ?? '')))) this.i++;
      const exp = /^[eE][+-]?\d+/.exec(src.slice(this.i, this.i + 400));
      if (exp) this.i += exp[0].length;
      const value = Number(src.slice(start, this.i).replaceAll('_', ''));
      if (!Number.isFinite(value)) this.fail(start, 'cannot read float out of range');
      return this.token('float', src.slice(start, this.i), start, this.i, { value });
    }
    return this.integer(BigInt(src.slice(start, this.i).replaceAll('_', '')), start);
  }

  private integer(value: bigint, start: number): Token {
    const small = value <= BigInt(Number.MAX_SAFE_INTEGER);
    return this.token('int', this.src.slice(start, this.i), start, this.i, { value: small ? Number(value) : value });
  }

  private charLiteral(): Token {
    const start = this.i;
    this.i++;
    let cp: number;
    if (this.src[this.i] === '\\') {
      const escaped = this.src.codePointAt(this.i + 1);
      if (escaped === undefined) this.fail(start, 'cannot read character literal');
      const ch = String.fromCodePoint(escaped);
      this.i += 1 + ch.length;
      cp = CHAR_ESCAPES[ch] ?? escaped;
    } else {
      cp = this.src.codePointAt(this.i)!;
      this.i += String.fromCodePoint(cp).length;
    }
    return this.token('int', this.src.slice(start, this.i), start, this.i, { value: cp });
  }

  private identifier(): Token {
    const src = this.src;
    const start = this.i;
    const upper = isUpper(src[start]!);
    while (this.i < src.length && isIdentChar(src[this.i]!)) this.i++;
    if (!upper && (src[this.i] === '?' || src[this.i] === '!') && src[this.i + 1] !== '=') this.i++;
    const name = src.slice(start, this.i);
    if (this.keywordColon()) return this.token('kw', name, start, this.i);
    return this.token(upper ? 'alias' : 'ident', name, start, this.i);
  }

  /** After a name or quoted text: `:` followed by whitespace makes it a keyword key. */
  private keywordColon(): boolean {
    const src = this.src;
    if (src[this.i] === ':' && src[this.i + 1] !== ':' && (this.i + 1 >= src.length || isSpace(src[this.i + 1]!))) {
      this.i++;
      return true;
    }
    return false;
  }

  private atom(): Token | undefined {
    const src = this.src;
    const start = this.i;
    const next = src[start + 1];
    if (next === undefined) return undefined;
    if (next === '"' || next === "'") {
      this.i++;
      const body = this.quoted(next);
      if (body.kind === 'kw') this.fail(start, 'cannot read quoted atom followed by a colon');
      return this.token('atom', '', start, this.i, { parts: body.parts! });
    }
    if (isIdentStart(next) || isUpper(next)) {
      this.i++;
      while (this.i < src.length && (isIdentChar(src[this.i]!) || src[this.i] === '@')) this.i++;
      if (src[this.i] === '?' || src[this.i] === '!') this.i++;
      return this.token('atom', src.slice(start + 1, this.i), start, this.i);
    }
    const op = OPERATORS.find((o) => src.startsWith(o, start + 1) && !'()[]{},;%{'.includes(o[0]!));
    if (op) {
      this.i += 1 + op.length;
      return this.token('atom', op, start, this.i);
    }
    return undefined;
  }

  /** "…", '…', and their heredoc forms; a trailing `:` + space turns them into keyword keys. */
  private quoted(quote: string): Token {
    const start = this.i;
    const kind: TokenKind = quote === '"' ? 'str' : 'chars';
    if (this.src.startsWith(quote.repeat(3), start)) {
      this.i += 3;
      return this.token(kind, '', start, this.i, { parts: this.heredoc(quote, start), heredoc: true });
    }
    this.i++;
    const parts = this.body(quote, true, start);
    if (this.keywordColon()) return this.token('kw', '', start, this.i, { parts });
    return this.token(kind, '', start, this.i, { parts });
  }

  /** Reads up to the unescaped `close` (consumed); `#{…}` is an interpolation when allowed. */
  private body(close: string, interpolate: boolean, start: number): Part[] {
    const src = this.src;
    const parts: Part[] = [];
    let raw = '';
    for (;;) {
      // Characters with no meaning here are taken in one slice: long strings cost linear time.
      let plain = this.i;
      while (plain < src.length && src[plain] !== '\\' && src[plain] !== close && src[plain] !== '#') plain++;
      raw += src.slice(this.i, plain);
      this.i = plain;
      if (this.i >= src.length) this.fail(start, `cannot read string: missing terminator ${close}`);
      const c = src[this.i]!;
      if (c === '\\' && this.i + 1 < src.length) {
        raw += c + src[this.i + 1];
        this.i += 2;
        continue;
      }
      if (c === close) {
        this.i++;
        break;
      }
      if (interpolate && c === '#' && src[this.i + 1] === '{') {
        if (raw) parts.push({ raw });
        raw = '';
        const pos = this.pos(this.i);
        this.i += 2;
        parts.push({ code: this.scan(true), pos });
        continue;
      }
      raw += c;
      this.i++;
    }
    if (raw || parts.length === 0) parts.push({ raw });
    return parts;
  }

  /** Heredoc body: starts on the next line, ends at a line holding only the closing quotes,
   *  whose indentation is removed from every line. */
  private heredoc(quote: string, start: number, interpolate = true): Part[] {
    const src = this.src;
    const close = quote.repeat(3);
    const eol = src.indexOf('\n', this.i);
    if (eol < 0 || src.slice(this.i, eol).trim() !== '') this.fail(start, 'cannot read heredoc: content must start on a new line');
    let lineStart = eol + 1;
    let indent = -1;
    let closeAt = -1;
    while (lineStart <= src.length) {
      const m = /^[ \t]*/.exec(src.slice(lineStart, lineStart + 1000))!;
      if (src.startsWith(close, lineStart + m[0].length)) {
        indent = m[0].length;
        closeAt = lineStart + m[0].length;
        break;
      }
      const next = src.indexOf('\n', lineStart);
      if (next < 0) break;
      lineStart = next + 1;
    }
    if (closeAt < 0) this.fail(start, 'cannot read heredoc: missing terminator');
    // Scan the content in place (positions stay exact), then strip the indentation.
    this.i = eol + 1;
    const parts = this.bodyUntil(closeAt, interpolate);
    this.i = closeAt + 3;
    let atLineStart = true;
    for (const part of parts) {
      if ('raw' in part) {
        part.raw = part.raw
          .split('\n')
          .map((line, k) => ((k > 0 || atLineStart) ? stripIndent(line, indent) : line))
          .join('\n');
        atLineStart = part.raw.endsWith('\n');
      } else {
        atLineStart = false;
      }
    }
    return parts;
  }

  private bodyUntil(end: number, interpolate: boolean): Part[] {
    const src = this.src;
    const parts: Part[] = [];
    let raw = '';
    while (this.i < end) {
      const c = src[this.i]!;
      if (c === '\\' && this.i + 1 < end) {
        raw += c + src[this.i + 1];
        this.i += 2;
        continue;
      }
      if (interpolate && c === '#' && src[this.i + 1] === '{') {
        if (raw) parts.push({ raw });
        raw = '';
        const pos = this.pos(this.i);
        this.i += 2;
        parts.push({ code: this.scan(true), pos });
        if (this.i > end) this.fail(this.i, 'cannot read heredoc: interpolation runs past its end');
        continue;
      }
      raw += c;
      this.i++;
    }
    if (raw || parts.length === 0) parts.push({ raw });
    return parts;
  }

  private sigil(): Token {
    const src = this.src;
    const start = this.i;
    this.i++;
    const nameMatch = /^([a-z]|[A-Z][A-Z0-9]*)/.exec(src.slice(this.i, this.i + 64))!;
    const name = nameMatch[1]!;
    this.i += name.length;
    const open = src[this.i];
    const interpolate = name >= 'a' && name <= 'z';
    let parts: Part[];
    let heredoc = false;
    if ((open === '"' || open === "'") && src.startsWith(open.repeat(3), this.i)) {
      this.i += 3;
      parts = this.heredoc(open, start, interpolate);
      heredoc = true;
    } else {
      const close = open === undefined ? undefined : SIGIL_CLOSERS[open];
      if (!close) this.fail(start, `cannot read sigil ~${name}: unknown delimiter`);
      this.i++;
      parts = this.body(close, interpolate, start);
    }
    const mods = /^[a-zA-Z0-9]*/.exec(src.slice(this.i, this.i + 64))![0];
    this.i += mods.length;
    return this.token('sigil', name, start, this.i, { parts, mods, heredoc });
  }
}

function stripIndent(line: string, indent: number): string {
  let k = 0;
  while (k < indent && k < line.length && (line[k] === ' ' || line[k] === '\t')) k++;
  return line.slice(k);
}

// The escapes Elixir's `?` character literals and double-quoted strings share.
export const CHAR_ESCAPES: Record<string, number> = {
  '0': 0, a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, e: 27, s: 32, d: 127,
};
