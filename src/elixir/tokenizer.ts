// Tokenizer for Elixir source, as Elixir 1.14's own: the same tokens (named as Elixir names
// them), the same lines and columns (code points; grapheme clusters inside strings), the same
// errors. Strings are extracted here, escapes processed, and interpolations tokenized into
// their own token lists, which the parser parses on its own as Elixir does.
// Linear in the input: string bodies are sliced, never built a character at a time.
import { TextDecoder } from 'node:util';
import { ElixirSyntaxError } from './error.js';

export type TokenType =
  | 'identifier' | 'kw_identifier' | 'kw_identifier_unsafe' | 'bracket_identifier' | 'paren_identifier'
  | 'do_identifier' | 'block_identifier' | 'op_identifier' | 'alias'
  | 'atom' | 'atom_quoted' | 'atom_unsafe' | 'bin_string' | 'list_string' | 'bin_heredoc' | 'list_heredoc' | 'sigil'
  | 'int' | 'flt' | 'char' | 'true' | 'false' | 'nil' | 'fn' | 'do' | 'end'
  | 'comp_op' | 'at_op' | 'unary_op' | 'and_op' | 'or_op' | 'arrow_op' | 'match_op' | 'in_op' | 'in_match_op'
  | 'type_op' | 'dual_op' | 'mult_op' | 'power_op' | 'concat_op' | 'range_op' | 'xor_op' | 'pipe_op' | 'stab_op'
  | 'when_op' | 'assoc_op' | 'capture_op' | 'rel_op' | 'ternary_op' | 'dot_call_op'
  | 'eol' | ';' | ',' | '.' | '(' | ')' | '[' | ']' | '{' | '}' | '<<' | '>>' | '%{}' | '%';

/** An interpolation `#{…}`: where its `#` is, and its own tokens. */
export interface Interpolation {
  readonly line: number;
  readonly column: number;
  readonly tokens: Token[];
}

/** A piece of a string-like literal: text (unescaped, except in sigils) or an interpolation. */
export type Part = string | Interpolation;

export interface Token {
  type: TokenType;
  readonly line: number;
  readonly column: number;
  /** The atom of identifiers, keywords, atoms and operators. */
  readonly value: string;
  /** int and char: the integer; flt: the float. */
  readonly number?: number | bigint;
  /** Strings, heredocs, sigils, and quoted atoms and keys with interpolation. */
  readonly parts?: Part[];
  /** Sigils: the modifiers after the closing delimiter. */
  readonly modifiers?: string;
  /** Why the literal cannot be read (escapes that are not UTF-8): reported if the parser gets to it. */
  invalid?: string;
  /** Numbers: the source text. */
  readonly text?: string;
}

/**
 * How deep expressions (and interpolations) may nest: deeper input is refused with a message,
 * never a stack overflow. Far beyond what project files need (a few levels), and well within
 * the default stack for every construct (the deepest-recursing ones overflow near 750 levels).
 */
export const MAX_NESTING = 250;

export function tokenize(source: string, file: string, depth = { value: 0 }): Token[] {
  return new Tokenizer(source, file, depth).tokenizeAll();
}

const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<<': '>>', fn: 'end', do: 'end' };
const SIGIL_CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>', '/': '/', '|': '|', '"': '"', "'": "'" };
const KEYWORDS = new Map<string, 'terminator' | 'token' | 'block' | TokenType>([
  ['fn', 'terminator'], ['do', 'terminator'], ['end', 'terminator'], ['true', 'token'], ['false', 'token'], ['nil', 'token'],
  ['not', 'unary_op'], ['and', 'and_op'], ['or', 'or_op'], ['when', 'when_op'], ['in', 'in_op'],
  ['after', 'block'], ['else', 'block'], ['catch', 'block'], ['rescue', 'block'],
]);
const OPS3 = new Map<string, TokenType>([
  ['~~~', 'unary_op'], ['===', 'comp_op'], ['!==', 'comp_op'], ['&&&', 'and_op'], ['|||', 'or_op'], ['^^^', 'xor_op'],
  ['+++', 'concat_op'], ['---', 'concat_op'], ['<<<', 'arrow_op'], ['>>>', 'arrow_op'], ['~>>', 'arrow_op'],
  ['<<~', 'arrow_op'], ['<~>', 'arrow_op'], ['<|>', 'arrow_op'],
]);
const OPS2 = new Map<string, TokenType>([
  ['//', 'ternary_op'], ['**', 'power_op'], ['..', 'range_op'], ['++', 'concat_op'], ['--', 'concat_op'], ['<>', 'concat_op'],
  ['|>', 'arrow_op'], ['~>', 'arrow_op'], ['<~', 'arrow_op'], ['==', 'comp_op'], ['=~', 'comp_op'], ['!=', 'comp_op'],
  ['<=', 'rel_op'], ['>=', 'rel_op'], ['&&', 'and_op'], ['||', 'or_op'], ['<-', 'in_match_op'], ['\\\\', 'in_match_op'],
  ['::', 'type_op'], ['->', 'stab_op'],
]);
const OPS1 = new Map<string, TokenType>([
  ['@', 'at_op'], ['!', 'unary_op'], ['^', 'unary_op'], ['<', 'rel_op'], ['>', 'rel_op'], ['+', 'dual_op'], ['-', 'dual_op'],
  ['*', 'mult_op'], ['/', 'mult_op'], ['=', 'match_op'], ['|', 'pipe_op'],
]);
// Operators that may follow `:` as an atom (`:+`, `:<>`), or `.` as a remote call (`Kernel.+`).
const ATOM_OPS2 = new Set(['==', '=~', '!=', '<=', '>=', '&&', '||', '|>', '~>', '<~', '<-', '\\\\', '++', '--', '<>', '**', '->', '..']);
const ATOM_OPS1 = new Set(['@', '!', '^', '&', '+', '-', '*', '/', '<', '>', '=', '|', '.']);
const DOT_OPS2 = new Set([...ATOM_OPS2].filter((op) => op !== '->').concat('::'));
const DOT_OPS1 = new Set([...ATOM_OPS1].filter((op) => op !== '.'));
const CHAR_NAMES: Record<number, [string, string]> = {
  0: ['\\0', 'null byte'], 7: ['\\a', 'alert'], 8: ['\\b', 'backspace'], 127: ['\\d', 'delete'], 27: ['\\e', 'escape'],
  12: ['\\f', 'form feed'], 10: ['\\n', 'newline'], 13: ['\\r', 'carriage return'], 32: ['\\s', 'space'],
  9: ['\\t', 'tab'], 11: ['\\v', 'vertical tab'],
};
/** Escapes of strings and char literals (`\n`…); any other escaped character stands for itself. */
export const ESCAPES: Record<string, number> = { '0': 0, a: 7, b: 8, d: 127, e: 27, f: 12, n: 10, r: 13, s: 32, t: 9, v: 11 };

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined) => c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
const isUpper = (c: string | undefined) => c !== undefined && c >= 'A' && c <= 'Z';
const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';
const isLetter = (c: string | undefined) => isUpper(c) || isLower(c);
const isHSpace = (c: string | undefined) => c === ' ' || c === '\t';
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isBidi = (c: number) => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
// As Erlang's `~4.16.0B` prints it: a code point wider than four digits is `****`.
const hex4 = (c: number) => (c > 0xffff ? '****' : c.toString(16).toUpperCase().padStart(4, '0'));

let unicodeClasses: { start: RegExp; upper: RegExp; cont: RegExp } | undefined;
const unicode = () =>
  (unicodeClasses ??= { start: /^[\p{ID_Start}]$/u, upper: /^[\p{Lu}\p{Lt}]$/u, cont: /^[\p{ID_Continue}]$/u });

let graphemes: Intl.Segmenter | undefined;

/** Characters a grapheme cluster may continue from whatever follows them (Prepend, Hangul jamo and syllables, regional indicators). */
const joinsForward = (c: number) =>
  (c >= 0x600 && c <= 0x605) || c === 0x6dd || c === 0x70f || c === 0x890 || c === 0x891 || c === 0x8e2 || c === 0xd4e ||
  (c >= 0x1100 && c <= 0x11ff) || (c >= 0xa960 && c <= 0xa97f) || (c >= 0xac00 && c <= 0xd7ff) || (c >= 0x1f1e6 && c <= 0x1f1ff) ||
  c === 0x110bd || c === 0x110cd || c === 0x111c2 || c === 0x111c3 || c === 0x1193f || c === 0x11941 || c === 0x11a3a ||
  (c >= 0x11a84 && c <= 0x11a89) || c === 0x11d46;
let extendsCluster: RegExp | undefined;
/** Characters that continue the grapheme cluster before them (marks, joiners, emoji modifiers, tags). */
const joinsBackward = (c: number) =>
  c >= 0x300 && (extendsCluster ??= /^[\p{M}\u200C\u200D\uFF9E\uFF9F\u0E33\u0EB3\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}]$/u).test(String.fromCodePoint(c));

interface Terminator {
  readonly type: string;
  readonly line: number;
}

interface Identifier {
  kind: 'alias' | 'identifier' | 'atom';
  name: string;
  end: number;
  length: number;
  ascii: boolean;
  at: boolean;
  punctuation: boolean;
}

class Tokenizer {
  private i = 0;
  private line = 1;
  private col = 1;
  private tokens: Token[] = [];
  private terms: Terminator[] = [];
  private pendingInvalid: string | undefined;

  constructor(
    private readonly src: string,
    private readonly file: string,
    private readonly depth: { value: number },
  ) {}

  tokenizeAll(): Token[] {
    this.run(false);
    return this.tokens;
  }

  private fail(line: number, column: number, message: string, kind: 'SyntaxError' | 'TokenMissingError' = 'SyntaxError'): never {
    throw new ElixirSyntaxError(this.file, line, column, message, kind);
  }

  private token(type: TokenType, line: number, column: number, value = '', extra?: Partial<Token>): Token {
    const tok: Token = { type, line, column, value, ...extra };
    if (this.pendingInvalid) {
      tok.invalid = this.pendingInvalid;
      this.pendingInvalid = undefined;
    }
    return tok;
  }

  private top(): Token | undefined {
    return this.tokens[this.tokens.length - 1];
  }

  /** Binary operators (and `.`, `do`) continue the expression of the previous line: the newline before them is dropped. */
  private pushWithEol(tok: Token): void {
    if (tok.type !== 'unary_op' && this.top()?.type === 'eol') this.tokens.pop();
    this.tokens.push(tok);
  }

  private eol(line: number, column: number): void {
    const t = this.top()?.type;
    if (t !== ',' && t !== ';' && t !== 'eol') this.tokens.push(this.token('eol', line, column));
  }

  private unexpected(index: number, line: number, column: number): never {
    const code = this.src.codePointAt(index)!;
    const named = CHAR_NAMES[code];
    const what = named ? named[1] : `"${String.fromCodePoint(code)}"`;
    this.fail(line, column, `unexpected token: ${what} (column ${column}, code point U+${hex4(code)})`);
  }

  /**
   * Tokenizes from the current position to the end of input, or, in an interpolation, to the
   * `}` that closes it (left unconsumed). Returns false when an interpolation meets the end of input.
   */
  private run(interpolation: boolean): boolean {
    const s = this.src;
    const n = s.length;
    for (;;) {
      const i = this.i;
      const line = this.line;
      const col = this.col;
      if (i >= n) {
        const open = this.terms[this.terms.length - 1];
        if (open) {
          this.fail(line, col, `missing terminator: ${OPENERS[open.type]} (for "${open.type}" starting at line ${open.line})`, 'TokenMissingError');
        }
        return !interpolation;
      }
      const c = s[i]!;
      // Letters, spaces and digits start no operator: straight to their own branches.
      if (isLetter(c) || c === '_') {
        this.identifierOrKeyword();
        continue;
      }
      if (isHSpace(c)) {
        let j = i + 1;
        while (isHSpace(s[j])) j++;
        this.i = j;
        this.col = col + (j - i);
        this.spaceSensitive();
        continue;
      }
      const c1 = s[i + 1];
      const c2 = s[i + 2];
      if (isDigit(c) && !(c === '0' && (c1 === 'x' || c1 === 'b' || c1 === 'o'))) {
        this.decimal();
        continue;
      }

      if (c === '<' && col === 1 && s.startsWith('<<<<<<<', i)) {
        const eolAt = s.slice(i).search(/\r?\n/);
        const first = eolAt < 0 ? s.slice(i) : s.slice(i, i + eolAt);
        this.fail(line, col, `found an unexpected version control marker, please resolve the conflicts: ${first}`);
      }
      if (c === '0' && ((c1 === 'x' && isHex(c2)) || (c1 === 'b' && (c2 === '0' || c2 === '1')) || (c1 === 'o' && c2 !== undefined && c2 >= '0' && c2 <= '7'))) {
        this.baseInteger(c1 === 'x' ? 16 : c1 === 'b' ? 2 : 8);
        continue;
      }
      if (c === '#') {
        this.comment();
        continue;
      }
      if (c === '~' && isLetter(c1) && c2 !== undefined) {
        this.sigil();
        continue;
      }
      if (c === '?' && c1 !== undefined) {
        this.charLiteral();
        continue;
      }
      if ((c === '"' || c === "'") && c1 === c && c2 === c) {
        this.heredoc(c);
        continue;
      }
      if (c === '"' || c === "'") {
        this.string(c);
        continue;
      }
      if (this.operatorAtomOrKey()) continue;
      if (c === '.' && c1 === '.' && c2 === '.') {
        this.tokens.push(this.callIdentifier(line, col, '...', i + 3));
        this.i = i + 3;
        this.col = col + 3;
        continue;
      }
      if (c === '=' && c1 === '>') {
        this.pushWithEol(this.token('assoc_op', line, col, '=>'));
        this.i = i + 2;
        this.col = col + 2;
        continue;
      }
      if (c === '.' && c1 === '.' && c2 === '/' && s[i + 3] === '/') {
        let j = i + 4;
        while (isHSpace(s[j])) j++;
        if (s[j] !== '/') this.unexpected(i, line, col);
        this.tokens.push(this.token('identifier', line, col, '..//'));
        this.i = j;
        this.col = col + 4 + (j - i - 4);
        continue;
      }
      const three = s.slice(i, i + 3);
      const op3 = OPS3.get(three);
      if (op3) {
        if (op3 === 'unary_op') this.unaryOp(three, op3);
        else this.binaryOp(three, op3);
        continue;
      }
      if (c === ',') {
        this.tokens.push(this.token(',', line, col));
        this.i++;
        this.col++;
        continue;
      }
      if (c === '<' && c1 === '<') {
        this.terminator(this.token('<<', line, col), 2, interpolation);
        continue;
      }
      if (c === '>' && c1 === '>') {
        if (this.terminator(this.token('>>', line, col), 2, interpolation)) return true;
        continue;
      }
      if (c === '(' || c === '[' || c === '{' || c === ')' || c === ']' || c === '}') {
        if (this.terminator(this.token(c, line, col), 1, interpolation)) return true;
        continue;
      }
      const two = c + (c1 ?? '');
      const op2 = OPS2.get(two);
      if (op2) {
        if (op2 === 'ternary_op') {
          this.pushWithEol(this.token('ternary_op', line, col, '//'));
          this.i = i + 2;
          this.col = col + 2;
        } else {
          this.binaryOp(two, op2);
        }
        continue;
      }
      if (c === '&') {
        let j = i + 1;
        while (isHSpace(s[j])) j++;
        let type: TokenType = 'capture_op';
        if (s[j] === '/') {
          j++;
          while (isHSpace(s[j])) j++;
          if (s[j] !== '/') type = 'identifier';
        }
        this.tokens.push(this.token(type, line, col, '&'));
        this.i++;
        this.col++;
        continue;
      }
      const op1 = OPS1.get(c);
      if (op1) {
        if (op1 === 'at_op' || op1 === 'unary_op' || op1 === 'dual_op') this.unaryOp(c, op1);
        else this.binaryOp(c, op1);
        continue;
      }
      if (c === ':' && (c1 === '"' || c1 === "'")) {
        this.quotedAtom(c1);
        continue;
      }
      if (c === ':') {
        // (Elixir places an error inside the name one column early, from the colon.)
        const id = this.identifierAt(i + 1, line, col);
        if (!id) this.unexpected(i, line, col);
        this.checkAtomLength(id.name, line, col);
        this.tokens.push(this.token('atom', line, col, id.name));
        this.i = id.end;
        this.col = col + 1 + id.length;
        continue;
      }
      if (isDigit(c)) {
        this.decimal();
        continue;
      }
      if (c === ';') {
        if (this.top()?.type === ';') this.unexpected(i, line, col);
        this.tokens.push(this.token(';', line, col));
        this.i++;
        this.col++;
        continue;
      }
      if (c === '\\') {
        const rest = s.length - i;
        if (rest === 1 || (rest === 2 && c1 === '\n') || (rest === 3 && c1 === '\r' && c2 === '\n')) {
          this.fail(line, col, 'invalid escape \\ at end of file');
        }
        if (c1 === '\n' || (c1 === '\r' && c2 === '\n')) {
          this.i = i + (c1 === '\n' ? 2 : 3);
          this.newLine();
          continue;
        }
      }
      if (c === '\n' || (c === '\r' && c1 === '\n')) {
        this.eol(line, col);
        this.i = i + (c === '\n' ? 1 : 2);
        this.newLine();
        continue;
      }
      if (c === '%') {
        if (c1 === '(' || c1 === '[') this.fail(line, col, `expected %{ to define a map, got: %${c1}`);
        if (c1 === '{') {
          this.tokens.push(this.token('%{}', line, col));
        } else {
          this.tokens.push(this.token('%', line, col));
        }
        this.i++;
        this.col++;
        continue;
      }
      if (c === '.') {
        this.dot();
        continue;
      }
      this.identifierOrKeyword();
    }
  }

  /** After a newline: the next line's indentation. */
  private newLine(): void {
    const s = this.src;
    let j = this.i;
    while (isHSpace(s[j])) j++;
    this.line++;
    this.col = 1 + (j - this.i);
    this.i = j;
  }

  private comment(): void {
    const s = this.src;
    let j = this.i + 1;
    for (; j < s.length; j++) {
      const ch = s.charCodeAt(j);
      if (ch === 10 || (ch === 13 && s.charCodeAt(j + 1) === 10)) break;
      if (isBidi(ch)) {
        this.fail(this.line, this.col, `invalid bidirectional formatting character in comment: \\u${hex4(ch)}`);
      }
    }
    this.i = j;
  }

  /** Bracket-like tokens: tracked so that a missing or mismatched one is reported where Elixir reports it. */
  private terminator(tok: Token, length: number, interpolation: boolean): boolean {
    const type = tok.type as string;
    if (type === '(' && this.top()?.type === 'alias') {
      const alias = this.top()!.value;
      this.fail(tok.line, tok.column + 1,
        `unexpected ( after alias ${alias}. Function names and identifiers in Elixir start with lowercase characters or underscore. For example: hello_world(). Unexpected token: (`);
    }
    if (type in OPENERS) {
      this.terms.push({ type, line: tok.line });
    } else {
      const open = this.terms[this.terms.length - 1];
      if (!open) {
        if (interpolation && type === '}') return true;
        this.fail(tok.line, tok.column, type === 'end' ? 'unexpected reserved word: end' : `unexpected token: ${type}`);
      }
      const expected = OPENERS[open.type]!;
      if (expected !== type) {
        const what = type === 'end' ? 'unexpected reserved word: ' : 'unexpected token: ';
        this.fail(tok.line, tok.column, `${what}${type}. The "${open.type}" at line ${open.line} is missing terminator "${expected}"`);
      }
      this.terms.pop();
    }
    if (type === 'do' || type === ')' || type === ']' || type === '}' || type === '>>') this.pushWithEolIfCloser(tok);
    else this.tokens.push(tok);
    this.i += length;
    this.col += length;
    return false;
  }

  private pushWithEolIfCloser(tok: Token): void {
    // `do` drops the newline before it (`foo 1\ndo … end`); closers keep it (the parser allows it).
    if (tok.type === 'do') this.pushWithEol(tok);
    else this.tokens.push(tok);
  }

  /** `op:` followed by a space is a keyword key; an operator followed by `/` is a capture's name (`&+/2`). */
  private opKeyOrName(op: string): { i: number; extra: number; kind: 'key' | 'name' | 'op' } {
    const s = this.src;
    const after = this.i + op.length;
    if (s[after] === ':' && isSpace(s[after + 1])) return { i: after + 1, extra: 1, kind: 'key' };
    let j = after;
    while (isHSpace(s[j])) j++;
    return { i: j, extra: j - after, kind: s[j] === '/' ? 'name' : 'op' };
  }

  private unaryOp(op: string, type: TokenType): void {
    const { i, extra, kind } = this.opKeyOrName(op);
    const t = kind === 'key' ? 'kw_identifier' : kind === 'name' ? 'identifier' : type;
    this.tokens.push(this.token(t, this.line, this.col, op));
    this.col += op.length + extra;
    this.i = i;
  }

  private binaryOp(op: string, type: TokenType): void {
    const { i, extra, kind } = this.opKeyOrName(op);
    const tok = this.token(kind === 'key' ? 'kw_identifier' : kind === 'name' ? 'identifier' : type, this.line, this.col, op);
    if (kind === 'op') this.pushWithEol(tok);
    else this.tokens.push(tok);
    this.col += op.length + extra;
    this.i = i;
  }

  /** Operators written as atoms (`:+`, `:<<>>`) and as keyword keys (`&: 1`, `{}: 1`). */
  private operatorAtomOrKey(): boolean {
    const s = this.src;
    const i = this.i;
    const c = s[i];
    if (c !== '.' && c !== '<' && c !== '%' && c !== '&' && c !== '{' && c !== ':') return false;
    for (const key of ['.', '...', '<<>>', '%{}', '%', '&', '{}', '..//']) {
      if (s.startsWith(key, i) && s[i + key.length] === ':' && isSpace(s[i + key.length + 1])) {
        this.tokens.push(this.token('kw_identifier', this.line, this.col, key));
        this.i = i + key.length + 1;
        this.col += key.length + 1;
        return true;
      }
    }
    if (c !== ':') return false;
    const atom = (name: string, length: number) => {
      this.tokens.push(this.token('atom', this.line, this.col, name));
      this.i = i + length;
      this.col += length;
      return true;
    };
    for (const name of ['...', '<<>>', '%{}', '%', '{}', '..//']) if (s.startsWith(name, i + 1)) return atom(name, name.length + 1);
    const three = s.slice(i + 1, i + 4);
    if (OPS3.has(three)) return atom(three, 4);
    if (s.startsWith('::', i + 1)) return atom('::', 3);
    const two = s.slice(i + 1, i + 3);
    if (ATOM_OPS2.has(two)) return atom(two, 3);
    const one = s[i + 1];
    if (one !== undefined && ATOM_OPS1.has(one)) return atom(one, 2);
    return false;
  }

  // ---------------------------------------------------------------- numbers and chars

  private baseInteger(base: 2 | 8 | 16): void {
    const s = this.src;
    const ok = base === 16 ? isHex : base === 8 ? (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '7' : (ch: string | undefined) => ch === '0' || ch === '1';
    let j = this.i + 3;
    for (;;) {
      if (ok(s[j])) j++;
      else if (s[j] === '_' && ok(s[j + 1])) j += 2;
      else break;
    }
    const text = s.slice(this.i, j);
    const digits = text.slice(2).replaceAll('_', '');
    const prefix = base === 16 ? '0x' : base === 8 ? '0o' : '0b';
    this.tokens.push(this.token('int', this.line, this.col, '', { number: integer(BigInt(prefix + digits)), text }));
    this.col += j - this.i;
    this.i = j;
  }

  private decimal(): void {
    const s = this.src;
    const start = this.i;
    let j = start + 1;
    let float = false;
    for (;;) {
      const ch = s[j];
      if (ch === '.' && !float && isDigit(s[j + 1])) {
        float = true;
        j += 2;
      } else if (ch === '_' && isDigit(s[j + 1])) {
        j += 2;
      } else if (float && (ch === 'e' || ch === 'E') && (s[j + 1] === '+' || s[j + 1] === '-') && isDigit(s[j + 2])) {
        j += 3;
      } else if (float && (ch === 'e' || ch === 'E') && isDigit(s[j + 1])) {
        j += 2;
      } else if (isDigit(ch)) {
        j++;
      } else {
        break;
      }
    }
    const text = s.slice(start, j);
    const next = s[j];
    if (isLetter(next) || next === '_') {
      this.fail(this.line, this.col,
        `invalid character "${next}" after number ${text}. If you intended to write a number, make sure to separate the number from the character (using comma, space, etc). If you meant to write a function name or a variable, note that identifiers in Elixir cannot start with numbers. Unexpected token: ${next}`);
    }
    const digits = text.replaceAll('_', '');
    if (float) {
      const value = Number(digits);
      if (!Number.isFinite(value)) this.fail(this.line, this.col, `invalid float number ${text}`);
      this.tokens.push(this.token('flt', this.line, this.col, '', { number: value, text }));
    } else {
      this.tokens.push(this.token('int', this.line, this.col, '', { number: digits.length < 16 ? Number(digits) : integer(BigInt(digits)), text }));
    }
    this.col += j - start;
    this.i = j;
  }

  private charLiteral(): void {
    const s = this.src;
    if (s[this.i + 1] === '\\' && this.i + 2 < s.length) {
      const code = s.codePointAt(this.i + 2)!;
      const ch = String.fromCodePoint(code);
      this.tokens.push(this.token('char', this.line, this.col, '', { number: ESCAPES[ch] ?? code, text: `?\\${ch}` }));
      this.i += 2 + ch.length;
      this.col += 3;
      return;
    }
    const code = s.codePointAt(this.i + 1)!;
    const ch = String.fromCodePoint(code);
    this.tokens.push(this.token('char', this.line, this.col, '', { number: code, text: `?${ch}` }));
    this.i += 1 + ch.length;
    this.col += 2;
  }

  // ---------------------------------------------------------------- identifiers

  /** An identifier, alias or atom name at `at` (null if none starts there). */
  private identifierAt(at: number, line: number, column: number): Identifier | null {
    const s = this.src;
    const first = s.codePointAt(at);
    if (first === undefined) return null;
    let kind: Identifier['kind'];
    let ascii = true;
    if (first >= 65 && first <= 90) kind = 'alias';
    else if ((first >= 97 && first <= 122) || first === 95) kind = 'identifier';
    else if (first > 127) {
      const ch = String.fromCodePoint(first);
      if (unicode().upper.test(ch)) kind = 'atom';
      else if (unicode().start.test(ch)) kind = 'identifier';
      else return null;
      ascii = false;
    } else return null;
    let j = at + (first > 0xffff ? 2 : 1);
    let length = 1;
    let hasAt = false;
    let punctuation = false;
    for (;;) {
      const code = s.codePointAt(j);
      if (code === undefined) break;
      if (code === 33 || code === 63) {
        j++;
        length++;
        punctuation = true;
        break;
      }
      if (code === 64) {
        hasAt = true;
      } else if (code > 127) {
        if (!unicode().cont.test(String.fromCodePoint(code))) this.unexpected(j, line, column + length);
        ascii = false;
      } else if (!((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95)) {
        break;
      }
      j += code > 0xffff ? 2 : 1;
      length++;
    }
    const raw = s.slice(at, j);
    return { kind, name: ascii ? raw : raw.normalize('NFC'), end: j, length, ascii, at: hasAt, punctuation };
  }

  private checkAtomLength(name: string, line: number, column: number, bytes = false): void {
    const size = bytes ? Buffer.byteLength(name) : [...name].length;
    if (size > 255) this.fail(line, column, `atom length must be less than system limit: ${name}`);
  }

  private callIdentifier(line: number, column: number, name: string, next: number): Token {
    const after = this.src[next];
    return this.token(after === '(' ? 'paren_identifier' : after === '[' ? 'bracket_identifier' : 'identifier', line, column, name);
  }

  private identifierOrKeyword(): void {
    const s = this.src;
    const { line, col } = this;
    const afterDot = this.top()?.type === '.';
    const id = this.identifierAt(this.i, line, col);
    if (!id) this.unexpected(this.i, line, col);
    const rest = s[id.end];
    const keyword = KEYWORDS.get(id.name);
    const maybeKeyword = !afterDot && (rest !== ':' || s[id.end + 1] === ':');
    if (keyword && maybeKeyword) {
      this.keyword(id.name, keyword, id.end);
      return;
    }
    if (rest === ':' && isSpace(s[id.end + 1])) {
      this.checkAtomLength(id.name, line, col);
      this.tokens.push(this.token('kw_identifier', line, col, id.name));
      this.i = id.end + 1;
      this.col += id.length + 1;
      return;
    }
    if (rest === ':' && id.end + 1 < s.length && s[id.end + 1] !== ':') {
      this.fail(line, col, `keyword argument must be followed by space after: ${id.name}:`);
    }
    if (id.at) {
      this.fail(line, col, `invalid character "@" (code point U+0040) in ${id.kind === 'alias' ? 'alias' : 'identifier'}: ${id.name}`);
    }
    if (id.name === '__aliases__' || id.name === '__block__') this.fail(line, col, `reserved token: ${id.name}`);
    this.checkAtomLength(id.name, line, col);
    if (id.kind === 'alias') {
      if (!id.ascii || id.punctuation) {
        const bad = [...id.name].find((ch) => ch < 'A' || ch.codePointAt(0)! > 127)!;
        this.fail(line, col,
          `invalid character "${bad}" (code point U+${hex4(bad.codePointAt(0)!)}) in alias (only ASCII characters, without punctuation, are allowed): ${id.name}`);
      }
      this.tokens.push(this.token('alias', line, col, id.name));
    } else if (id.kind === 'identifier') {
      this.tokens.push(this.callIdentifier(line, col, id.name, id.end));
    } else {
      this.unexpected(this.i, line, col);
    }
    this.i = id.end;
    this.col += id.length;
  }

  private keyword(name: string, kind: 'terminator' | 'token' | 'block' | TokenType, end: number): void {
    const { line, col } = this;
    const length = end - this.i;
    if (kind === 'terminator') {
      const prev = this.top();
      if (name === 'do') {
        if (prev?.type === 'identifier') prev.type = 'do_identifier';
        else if (prev?.type === 'fn') {
          this.fail(line, col, 'unexpected reserved word: do. Anonymous functions are written as: fn pattern -> expression end');
        } else if (prev?.type === ',' || prev?.type === ';') {
          this.fail(line, col,
            'unexpected reserved word: do. In case you wanted to write a "do" expression, you must either use do-blocks or separate the keyword argument with comma, as in if(some_condition?, do: :this, else: :that)');
        }
      }
      this.terminator(this.token(name as TokenType, line, col), length, false);
      return;
    }
    if (kind === 'token') {
      this.tokens.push(this.token(name as TokenType, line, col, name));
    } else if (kind === 'block') {
      this.tokens.push(this.token('block_identifier', line, col, name));
    } else {
      let j = end;
      while (isHSpace(this.src[j])) j++;
      const prev = this.top();
      if (this.src[j] === '/') {
        this.tokens.push(this.token('identifier', line, col, name));
      } else if (kind === 'in_op' && prev?.type === 'unary_op' && prev.value === 'not') {
        this.tokens.pop();
        this.pushWithEol(this.token('in_op', prev.line, prev.column, 'not in'));
      } else {
        this.pushWithEol(this.token(kind, line, col, name));
      }
    }
    this.i = end;
    this.col += length;
  }

  /** `foo -1` is a call of foo with -1, `foo - 1` a subtraction: the identifier becomes an op_identifier. */
  private spaceSensitive(): void {
    const s = this.src;
    const c = s[this.i];
    const next = s[this.i + 1];
    const prev = this.top();
    if ((c === '+' || c === '-') && next !== undefined && prev?.type === 'identifier' && !isSpace(next) && !'([<{%+-/>:'.includes(next)) {
      prev.type = 'op_identifier';
      this.tokens.push(this.token('dual_op', this.line, this.col, c));
      this.i++;
      this.col++;
    }
  }

  private dot(): void {
    const s = this.src;
    const dotLine = this.line;
    const dotCol = this.col;
    this.i++;
    this.col++;
    // Whitespace, newlines and comments may separate the dot from what it calls.
    for (;;) {
      let j = this.i;
      while (isHSpace(s[j])) j++;
      this.col += j - this.i;
      this.i = j;
      if (s[j] === '#') {
        this.comment();
        this.col = 1;
      } else if (s[j] === '\n' || (s[j] === '\r' && s[j + 1] === '\n')) {
        this.i = j + (s[j] === '\n' ? 1 : 2);
        this.line++;
        this.col = 1;
      } else {
        break;
      }
    }
    const i = this.i;
    const dot = this.token('.', dotLine, dotCol);
    const callOp = (op: string) => {
      this.pushWithEol(dot);
      this.tokens.push(this.callIdentifier(this.line, this.col, op, i + op.length));
      this.i = i + op.length;
      this.col += op.length;
    };
    const three = s.slice(i, i + 3);
    if (OPS3.has(three)) return callOp(three);
    const two = s.slice(i, i + 2);
    if (DOT_OPS2.has(two)) return callOp(two);
    const one = s[i];
    if (one !== undefined && DOT_OPS1.has(one)) return callOp(one);
    if (one === '(') {
      this.pushWithEol(this.token('dot_call_op', dotLine, dotCol, '.'));
      return;
    }
    if (one === '"' || one === "'") {
      const { line, col } = this;
      this.i++;
      this.col++;
      const parts = this.extract(one, true, ` (for function name starting at line ${line})`);
      if (parts.length !== 1 || typeof parts[0] !== 'string') {
        this.fail(line, col, `interpolation is not allowed when calling function/macro. Found interpolation in a call starting with: ${one}`);
      }
      this.checkAtomLength(parts[0], line, col);
      this.pushWithEol(dot);
      this.tokens.push(this.callIdentifier(line, col, parts[0], this.i));
      return;
    }
    this.pushWithEol(dot);
  }

  // ---------------------------------------------------------------- strings

  private string(quote: string): void {
    const s = this.src;
    const line = this.line;
    const column = this.col;
    this.i++;
    this.col++;
    const raw = this.extract(quote, true, ` (for string starting at line ${line})`);
    if (s[this.i] === ':' && isSpace(s[this.i + 1])) {
      const parts = this.unescapeParts(raw, line, column + 1);
      if (parts.length === 1 && typeof parts[0] === 'string') {
        this.checkAtomLength(parts[0], line, column, true);
        this.tokens.push(this.token('kw_identifier', line, column, parts[0]));
      } else {
        this.tokens.push(this.token('kw_identifier_unsafe', line, column, '', { parts }));
      }
      this.i++;
      this.col++;
      return;
    }
    const parts = this.unescapeParts(raw, line, column + 1);
    this.tokens.push(this.token(quote === '"' ? 'bin_string' : 'list_string', line, column, '', { parts }));
  }

  private quotedAtom(quote: string): void {
    const line = this.line;
    const column = this.col;
    this.i += 2;
    this.col += 2;
    const parts = this.unescapeParts(this.extract(quote, true, ` (for atom starting at line ${line})`), line, column);
    if (parts.length === 1 && typeof parts[0] === 'string') {
      this.checkAtomLength(parts[0], line, column, true);
      this.tokens.push(this.token('atom_quoted', line, column, parts[0]));
    } else {
      this.tokens.push(this.token('atom_unsafe', line, column, '', { parts }));
    }
  }

  private heredoc(quote: string): void {
    const line = this.line;
    const column = this.col;
    this.i += 3;
    const parts = this.heredocBody(quote, true, line, column);
    const unescaped = this.unescapeParts(parts, line, column);
    this.tokens.push(this.token(quote === '"' ? 'bin_heredoc' : 'list_heredoc', line, column, '', { parts: unescaped }));
  }

  /** A heredoc's body after its opening `"""`: the rest of that line must be blank; the closing delimiter's indentation is removed from every line. */
  private heredocBody(quote: string, interpolate: boolean, line: number, column: number): Part[] {
    const s = this.src;
    let j = this.i;
    while (isHSpace(s[j])) j++;
    if (s[j] === '\n') j++;
    else if (s[j] === '\r' && s[j + 1] === '\n') j += 2;
    else {
      this.fail(line, column, `heredoc allows only zero or more whitespace characters followed by a new line after ${quote.repeat(3)}`);
    }
    this.i = j;
    const parts = this.extract(quote.repeat(3), interpolate, ` (for heredoc starting at line ${line})`, true);
    const indent = this.col - 4;
    const trimmed = parts.map((part) => (typeof part === 'string' ? stripIndentation(part, indent) : part));
    trimmed[0] = (trimmed[0] as string).slice(1);
    return trimmed;
  }

  private sigil(): void {
    const s = this.src;
    const line = this.line;
    const column = this.col;
    const letter = s[this.i + 1]!;
    const open = s[this.i + 2]!;
    const interpolate = isLower(letter);
    let parts: Part[];
    if ((open === '"' || open === "'") && s[this.i + 3] === open && s[this.i + 4] === open) {
      this.i += 5;
      parts = this.heredocBody(open, interpolate, line, column);
    } else if (SIGIL_CLOSERS[open]) {
      this.i += 3;
      this.col += 3;
      parts = this.extract(SIGIL_CLOSERS[open], interpolate, ` (for sigil ~${letter}${open} starting at line ${line})`);
    } else {
      const code = s.codePointAt(this.i + 2)!;
      this.fail(line, column,
        `invalid sigil delimiter: "${String.fromCodePoint(code)}" (column ${column + 2}, code point U+${hex4(code)}). The available delimiters are: //, ||, "", '', (), [], {}, <>`);
    }
    let j = this.i;
    while (isLetter(s[j]) || isDigit(s[j])) j++;
    const modifiers = s.slice(this.i, j);
    this.col += j - this.i;
    this.i = j;
    this.tokens.push(this.token('sigil', line, column, letter, { parts, modifiers }));
  }

  /**
   * The body of a string-like literal up to its terminator (`"`, a sigil's closer, or `"""` at
   * the start of a line), left raw: escapes are kept (but for an escaped terminator), and each
   * `#{…}` is tokenized. Columns advance by grapheme cluster, as Elixir's do.
   */
  private extract(term: string, interpolate: boolean, what: string, heredoc = false): Part[] {
    const s = this.src;
    const n = s.length;
    const q = term[0]!;
    const parts: Part[] = [];
    let chunks: string[] = heredoc ? ['\n'] : [];
    let segStart = this.i;
    const flush = (end: number) => {
      if (end > segStart) chunks.push(s.slice(segStart, end));
    };
    const finish = () => {
      if (chunks.length) parts.push(chunks.join(''));
      if (parts.length === 0) parts.push('');
      return parts;
    };
    // After a newline in a heredoc: the closing delimiter may follow the indentation.
    const newLine = (): boolean => {
      this.line++;
      if (!heredoc) {
        this.col = 1;
        return false;
      }
      let j = this.i;
      while (isHSpace(s[j])) j++;
      if (s.startsWith(term, j)) {
        flush(this.i);
        this.col = 1 + (j - this.i) + 3;
        this.i = j + 3;
        return true;
      }
      this.col = 1 + (j - this.i);
      this.i = j;
      return false;
    };
    if (heredoc && newLine()) return finish();
    for (;;) {
      const i = this.i;
      if (i >= n) {
        this.fail(this.line, this.col, `missing terminator: ${term}${what}`, 'TokenMissingError');
      }
      const c = s[i];
      if (!heredoc && c === q) {
        flush(i);
        this.i = i + 1;
        this.col++;
        return finish();
      }
      if (c === '\\') {
        const c1 = s[i + 1];
        if (c1 === '\n' || (c1 === '\r' && s[i + 2] === '\n')) {
          this.i = i + (c1 === '\n' ? 2 : 3);
          if (newLine()) return finish();
          continue;
        }
        if (!heredoc && c1 === q) {
          flush(i);
          segStart = i + 1;
          this.i = i + 2;
          this.col += 2;
          continue;
        }
        if (heredoc && c1 === q && s[i + 2] === q && s[i + 3] === q) {
          flush(i);
          segStart = i + 1;
          this.i = i + 4;
          this.col += 4;
          continue;
        }
        if (interpolate && c1 === '#' && s[i + 2] === '{') {
          this.i = i + 3;
          this.col += 1;
          continue;
        }
        this.i = i + 1;
        this.col++;
        if (this.i < n) this.cluster();
        continue;
      }
      if (c === '\n') {
        this.i = i + 1;
        if (newLine()) return finish();
        continue;
      }
      if (interpolate && c === '#' && s[i + 1] === '{') {
        flush(i);
        if (chunks.length) parts.push(chunks.join(''));
        chunks = [];
        parts.push(this.interpolation(what));
        segStart = this.i;
        continue;
      }
      if (s.charCodeAt(i) <= 255 && i + 1 < n && s.charCodeAt(i + 1) <= 255) {
        this.i = i + 1;
        this.col++;
        continue;
      }
      this.cluster();
    }
  }

  private interpolation(what: string): Interpolation {
    const line = this.line;
    const column = this.col;
    if (++this.depth.value > MAX_NESTING) this.fail(line, column, `interpolations nested more than ${MAX_NESTING} levels deep`);
    this.i += 2;
    this.col += 2;
    const outer = { tokens: this.tokens, terms: this.terms };
    this.tokens = [];
    this.terms = [];
    const ended = this.run(true);
    const tokens = this.tokens;
    this.tokens = outer.tokens;
    this.terms = outer.terms;
    if (!ended) this.fail(line, column, `missing interpolation terminator: "}"${what}`, 'TokenMissingError');
    this.i++;
    this.col++;
    this.depth.value--;
    return { line, column, tokens };
  }

  /** One grapheme cluster of a string body: one column. */
  private cluster(): void {
    const s = this.src;
    const i = this.i;
    const code = s.codePointAt(i)!;
    if (isBidi(code)) {
      const u = `\\u${hex4(code)}`;
      this.fail(this.line, this.col, `invalid bidirectional formatting character in string: ${u}. If you want to use such character, use it in its escaped ${u} form instead`);
    }
    const width = code > 0xffff ? 2 : 1;
    const next = s.codePointAt(i + width);
    this.i = next !== undefined && (joinsForward(code) || joinsBackward(next)) ? i + this.graphemeAt(i) : i + width;
    this.col++;
  }

  // Cluster boundaries of a window of the source, computed once for the clusters in it.
  private bounds: number[] = [];
  private boundAt = 0;

  /** The length of the grapheme cluster at `i`, as if the text started there (Erlang's `unicode_util:gc`). */
  private graphemeAt(i: number): number {
    const b = this.bounds;
    while (this.boundAt < b.length && b[this.boundAt]! < i) this.boundAt++;
    if (b[this.boundAt] === i && this.boundAt + 1 < b.length) return b[this.boundAt + 1]! - i;
    graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (let k = 256; ; k *= 4) {
      const slice = this.src.slice(i, i + k);
      const whole = i + k >= this.src.length;
      // The last cluster of a window may go on past it: only those before it are known.
      const starts = [...graphemes.segment(slice)].map((seg) => i + seg.index);
      if (whole) starts.push(i + slice.length);
      if (starts.length > 1) {
        this.bounds = starts;
        this.boundAt = 0;
        return starts[1]! - i;
      }
    }
  }

  /**
   * Escapes of strings, charlists, quoted atoms and keys: the text of each part as Elixir means it.
   * Escapes that are not UTF-8 are recorded on the literal's token (the next one pushed), so
   * that a syntax error before it is reported first, as Elixir would.
   */
  private unescapeParts(parts: Part[], line: number, column: number): Part[] {
    let invalid: string | undefined;
    const unescaped = parts.map((part) =>
      typeof part === 'string' ? unescape(part, (message) => this.fail(line, column, message), (message) => (invalid ??= message)) : part);
    if (invalid) this.pendingInvalid = invalid;
    return unescaped;
  }
}

const integer = (value: bigint): number | bigint => (value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);

/** Removes up to `indent` spaces or tabs after every newline of a heredoc's text. */
function stripIndentation(text: string, indent: number): string {
  if (indent <= 0 || !text.includes('\n')) return text;
  const out: string[] = [];
  let from = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
    out.push(text.slice(from, nl + 1));
    let j = nl + 1;
    let left = indent;
    while (left > 0 && (text[j] === ' ' || text[j] === '\t')) {
      j++;
      left--;
    }
    from = j;
  }
  out.push(text.slice(from));
  return out.join('');
}

let utf8: TextDecoder | undefined;

/** Processes backslash escapes. `\x` bytes that do not form UTF-8 are reported to `notUtf8` (hexts's strings are text). */
export function unescape(raw: string, fail: (message: string) => never, notUtf8: (message: string) => void): string {
  let at = raw.indexOf('\\');
  if (at < 0) return raw;
  const out: string[] = [];
  let bytes: number[] = [];
  const flushBytes = () => {
    if (!bytes.length) return;
    utf8 ??= new TextDecoder('utf-8', { fatal: true });
    try {
      out.push(utf8.decode(Uint8Array.from(bytes)));
    } catch {
      const escapes = bytes.map((b) => `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
      notUtf8(`the escapes ${escapes} are not UTF-8 text: hexts reads strings that are text only`);
      out.push('\uFFFD');
    }
    bytes = [];
  };
  let from = 0;
  while (at >= 0) {
    if (at > from) {
      flushBytes();
      out.push(raw.slice(from, at));
    }
    const e = raw[at + 1];
    let next = at + 2;
    if (e === 'x') {
      const a = raw[at + 2];
      const b = raw[at + 3];
      if (isHex(a) && isHex(b)) {
        bytes.push(parseInt(a! + b!, 16));
        next = at + 4;
      } else {
        flushBytes();
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(raw.slice(at + 2, at + 10));
        if (isHex(a)) out.push(codePoint(a!, fail));
        else if (braced) out.push(codePoint(braced[1]!, fail));
        else fail('invalid hex escape character, expected \\xHH where H is a hexadecimal digit. Syntax error after: \\x');
        next = isHex(a) ? at + 3 : at + 4 + braced![1]!.length;
      }
    } else {
      flushBytes();
      if (e === 'u') {
        const four = raw.slice(at + 2, at + 6);
        const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(raw.slice(at + 2, at + 10));
        if (/^[0-9a-fA-F]{4}$/.test(four)) {
          out.push(codePoint(four, fail));
          next = at + 6;
        } else if (braced) {
          out.push(codePoint(braced[1]!, fail));
          next = at + 4 + braced[1]!.length;
        } else {
          fail('invalid Unicode escape character, expected \\uHHHH or \\u{H*} where H is a hexadecimal digit. Syntax error after: \\u');
        }
      } else if (e === '\n') {
        // A backslash before a newline joins the lines.
      } else if (e === '\r' && raw[at + 2] === '\n') {
        next = at + 3;
      } else if (e !== undefined) {
        const code = raw.codePointAt(at + 1)!;
        const ch = String.fromCodePoint(code);
        out.push(ESCAPES[ch] !== undefined ? String.fromCharCode(ESCAPES[ch]) : ch);
        next = at + 1 + ch.length;
      } else {
        next = at + 1;
      }
    }
    from = next;
    at = raw.indexOf('\\', from);
  }
  flushBytes();
  out.push(raw.slice(from));
  return out.join('');
}

function codePoint(hex: string, fail: (message: string) => never): string {
  const code = parseInt(hex, 16);
  if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) fail(`invalid or reserved Unicode code point \\u{${hex}}. Syntax error after: \\u`);
  return String.fromCodePoint(code);
}
