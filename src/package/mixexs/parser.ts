// Parser for mix.exs. It builds a small AST for the whole file, Pratt-style, and accepts
// most of Elixir's expression syntax so that the evaluator can decide lazily what it
// cannot read. Where even parsing fails (a construct this parser has no rule for), the
// affected list item, argument or statement becomes a `bad` node: the error surfaces only
// if that value is ever evaluated.
import { atom, ErlFloat, type Term } from '../../erlang/term.js';
import { MixExsError, type Pos } from './error.js';
import { CHAR_ESCAPES, type Part, type Token } from './tokenizer.js';

export type Node =
  | { k: 'lit'; value: Term; pos: Pos }
  | { k: 'str'; parts: StrPart[]; charlist: boolean; pos: Pos }
  | { k: 'qatom'; parts: StrPart[]; pos: Pos }
  | { k: 'sigil'; name: string; parts: SigilPart[]; mods: string; pos: Pos }
  | { k: 'list'; items: Node[]; pos: Pos }
  | { k: 'tuple'; items: Node[]; pos: Pos }
  | { k: 'map'; entries: Array<[Node, Node]>; pos: Pos }
  | { k: 'var'; name: string; pos: Pos }
  | { k: 'call'; name: string; args: Node[]; pos: Pos }
  | { k: 'remote'; target: Node; name: string; args: Node[]; pos: Pos }
  | { k: 'alias'; name: string; pos: Pos }
  | { k: 'attr'; name: string; pos: Pos }
  | { k: 'attrdef'; name: string; value: Node; pos: Pos }
  | { k: 'op'; op: string; args: Node[]; pos: Pos }
  | { k: 'block'; body: Node[]; pos: Pos }
  | { k: 'bad'; problem: string; pos: Pos };

/** Unescaped text (UTF-8 bytes for strings, code points for charlists) or an interpolation. */
export type StrPart = number[] | Node;
/** Sigils keep their raw text: each sigil unescapes in its own way. */
export type SigilPart = string | Node;

// Binding powers: [left, right]. Right-associative operators use right = left.
const INFIX: Record<string, [number, number]> = {
  '->': [1, 1], '<-': [5, 6], '\\\\': [5, 6], when: [10, 10], '::': [15, 15], '|': [20, 20], '=>': [25, 25],
  '=': [30, 30], '||': [40, 41], '|||': [40, 41], or: [40, 41], '&&': [50, 51], '&&&': [50, 51], and: [50, 51],
  '==': [60, 61], '!=': [60, 61], '=~': [60, 61], '===': [60, 61], '!==': [60, 61],
  '<': [70, 71], '>': [70, 71], '<=': [70, 71], '>=': [70, 71],
  '|>': [80, 81], '<<<': [80, 81], '>>>': [80, 81], '<<~': [80, 81], '~>>': [80, 81], '<~': [80, 81], '~>': [80, 81],
  '<~>': [80, 81], '<|>': [80, 81], '^^^': [85, 86], in: [90, 91], 'not in': [90, 91],
  '++': [100, 100], '--': [100, 100], '+++': [100, 100], '---': [100, 100], '..': [100, 100], '<>': [100, 100],
  '//': [100, 100], '+': [110, 111], '-': [110, 111], '*': [120, 121], '/': [120, 121], '**': [125, 126],
};
const PREFIX: Record<string, number> = { '&': 27, '!': 130, '^': 130, not: 130, '-': 130, '+': 130, '~~~': 130 };
// A newline before one of these does not end the expression (`|>` chains on following lines).
const CONTINUES_AFTER_NEWLINE = new Set(Object.keys(INFIX).filter((op) => !(op in PREFIX) && !/^[a-z]/.test(op)).concat('.'));
const RESERVED = new Set(['do', 'end', 'else', 'after', 'catch', 'rescue', 'when', 'and', 'or', 'in', 'not', 'fn']);
const BLOCK_KEYWORDS = new Set(['else', 'after', 'catch', 'rescue']);
const OPENERS = new Set(['(', '[', '{', '%{', '<<']);
const CLOSERS = new Set([')', ']', '}', '>>']);
const MAX_DEPTH = 200;

/** Where a parse problem is recovered from, and so which tokens end the damaged piece. */
type Context = 'block' | 'item' | 'bare-args';

class SyntaxProblem extends Error {
  constructor(readonly pos: Pos, readonly problem: string) {
    super(problem);
  }
}

export function parse(tokens: Token[]): Node {
  return new Parser(tokens).file();
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  file(): Node {
    try {
      const body = this.block(new Set());
      const t = this.peek();
      if (t.kind !== 'eof') throw new SyntaxProblem(t.pos, `cannot read unexpected ${describe(t)}`);
      return body;
    } catch (e) {
      if (e instanceof SyntaxProblem) throw new MixExsError(e.pos, e.problem);
      throw e;
    }
  }

  // ------------------------------------------------------------ token helpers

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  private isOp(t: Token, op: string): boolean {
    return t.kind === 'op' && t.text === op;
  }

  private isWord(t: Token, word: string): boolean {
    return t.kind === 'ident' && t.text === word;
  }

  private skipNewlines(): void {
    while (this.peek().kind === 'nl') this.i++;
  }

  private expectOp(op: string): Token {
    this.skipNewlines();
    const t = this.peek();
    if (!this.isOp(t, op)) throw new SyntaxProblem(t.pos, `cannot read ${describe(t)}, expected ${op}`);
    return this.next();
  }

  // ------------------------------------------------------------ recovery

  /** Parses one piece; if it cannot be parsed, skips its tokens and returns a `bad` node. */
  private recover(context: Context, parsePiece: () => Node): Node {
    const start = this.i;
    try {
      const node = parsePiece();
      this.checkEnd(context);
      return node;
    } catch (e) {
      if (!(e instanceof SyntaxProblem)) throw e;
      this.i = this.skip(start, context);
      return { k: 'bad', problem: e.problem, pos: e.pos };
    }
  }

  private checkEnd(context: Context): void {
    const t = context === 'item' ? this.peekPastNewlines() : this.peek();
    if (this.endsPiece(t, context, 0)) return;
    throw new SyntaxProblem(t.pos, `cannot read ${describe(t)}`);
  }

  private peekPastNewlines(): Token {
    let k = 0;
    while (this.peek(k).kind === 'nl') k++;
    return this.peek(k);
  }

  private endsPiece(t: Token, context: Context, depth: number): boolean {
    if (t.kind === 'eof') return true;
    if (depth > 0) return false;
    if ((t.kind === 'op' && CLOSERS.has(t.text)) || this.isWord(t, 'end')) return true;
    if (context === 'block') return t.kind === 'nl' || this.isOp(t, ';') || (t.kind === 'ident' && BLOCK_KEYWORDS.has(t.text));
    if (context === 'bare-args') return t.kind === 'nl' || this.isOp(t, ',') || this.isWord(t, 'do') || this.isOp(t, ';');
    return this.isOp(t, ',');
  }

  /** From `start`, skips a balanced run of tokens up to where the piece ends. */
  private skip(start: number, context: Context): number {
    let depth = 0;
    let k = start;
    for (;;) {
      const t = this.tokens[k]!;
      if (t.kind === 'eof') return k;
      const closes = (t.kind === 'op' && CLOSERS.has(t.text)) || this.isWord(t, 'end');
      if (depth === 0 && k > start && this.endsPiece(t, context, 0)) return k;
      if (depth === 0 && closes) return k;
      if ((t.kind === 'op' && OPENERS.has(t.text)) || this.isWord(t, 'fn') || this.isWord(t, 'do')) depth++;
      else if (closes) depth--;
      k++;
    }
  }

  // ------------------------------------------------------------ blocks

  /** Statements separated by newlines or `;`, up to `end`, a block keyword, a closer or eof. */
  private block(terminators: Set<string>): Node {
    const pos = this.peek().pos;
    const body: Node[] = [];
    for (;;) {
      while (this.peek().kind === 'nl' || this.isOp(this.peek(), ';')) this.next();
      const t = this.peek();
      if (t.kind === 'eof' || (t.kind === 'op' && CLOSERS.has(t.text))) break;
      if (t.kind === 'ident' && (t.text === 'end' || BLOCK_KEYWORDS.has(t.text))) {
        if (terminators.has(t.text)) break;
        throw new SyntaxProblem(t.pos, `cannot read unexpected ${t.text}`);
      }
      const before = this.i;
      body.push(this.recover('block', () => this.expr(0, false)));
      if (this.i === before) throw new SyntaxProblem(t.pos, `cannot read ${describe(t)}`);
    }
    if (body.length === 1) return body[0]!;
    if (body.length === 0) return { k: 'lit', value: atom('nil'), pos };
    return { k: 'block', body, pos };
  }

  /** `do … [else …] end`, as the keyword list `[do: …, else: …]`. */
  private doBlock(): Node {
    const start = this.next(); // do
    const items: Node[] = [];
    let key = 'do';
    let keyPos = start.pos;
    for (;;) {
      const body = this.block(new Set(['end', ...BLOCK_KEYWORDS]));
      items.push(kwPair(key, keyPos, body));
      const t = this.peek();
      if (this.isWord(t, 'end')) {
        this.next();
        return { k: 'list', items, pos: start.pos };
      }
      if (t.kind === 'ident' && BLOCK_KEYWORDS.has(t.text)) {
        key = t.text;
        keyPos = t.pos;
        this.next();
        continue;
      }
      throw new SyntaxProblem(t.pos, `cannot read ${describe(t)}, expected end`);
    }
  }

  // ------------------------------------------------------------ expressions

  private expr(minBp: number, bareArgs: boolean): Node {
    if (++this.depth > MAX_DEPTH) throw new MixExsError(this.peek().pos, 'cannot read expression nested this deep');
    try {
      let left = this.prefix(bareArgs);
      for (;;) {
        let t = this.peek();
        if (t.kind === 'nl') {
          const after = this.peekPastNewlines();
          if (!(after.kind === 'op' && CONTINUES_AFTER_NEWLINE.has(after.text))) break;
          this.skipNewlines();
          t = after;
        }
        if (this.isOp(t, '.')) {
          left = this.dot(left, bareArgs);
          continue;
        }
        if (this.isOp(t, '[') && t.start === this.tokens[this.i - 1]!.end) {
          this.next();
          this.skipNewlines();
          const key = this.expr(0, false);
          this.expectOp(']');
          left = { k: 'op', op: 'access', args: [left, key], pos: t.pos };
          continue;
        }
        let op = t.kind === 'op' || t.kind === 'ident' ? t.text : '';
        if (op === 'not' && this.isWord(this.peek(1), 'in')) op = 'not in';
        const bp = INFIX[op];
        if (!bp || (t.kind === 'ident' && !['when', 'and', 'or', 'in', 'not in'].includes(op)) || bp[0] < minBp) break;
        this.next();
        if (op === 'not in') this.next();
        this.skipNewlines();
        const right = this.expr(bp[1], bareArgs);
        left = { k: 'op', op, args: [left, right], pos: t.pos };
      }
      return left;
    } finally {
      this.depth--;
    }
  }

  private prefix(bareArgs: boolean): Node {
    const t = this.peek();
    const op = t.kind === 'op' || this.isWord(t, 'not') ? t.text : '';
    if (op in PREFIX) {
      this.next();
      this.skipNewlines();
      return { k: 'op', op, args: [this.expr(PREFIX[op]!, bareArgs)], pos: t.pos };
    }
    if (op === '@') return this.attribute(bareArgs);
    return this.primary(bareArgs);
  }

  private primary(bareArgs: boolean): Node {
    const t = this.next();
    const pos = t.pos;
    switch (t.kind) {
      case 'int':
        return { k: 'lit', value: t.value!, pos };
      case 'float':
        return { k: 'lit', value: new ErlFloat(Number(t.value)), pos };
      case 'atom':
        return t.parts ? this.quotedAtom(t.parts, pos) : { k: 'lit', value: atom(t.text), pos };
      case 'str':
      case 'chars':
        return { k: 'str', parts: this.strParts(t.parts!, t.kind === 'chars', pos), charlist: t.kind === 'chars', pos };
      case 'sigil':
        return {
          k: 'sigil', name: t.text, mods: t.mods!, pos,
          parts: t.parts!.map((p) => ('raw' in p ? p.raw : this.interpolation(p.code, p.pos))),
        };
      case 'alias':
        return { k: 'alias', name: t.text, pos };
      case 'ident':
        return this.identifier(t, bareArgs);
      case 'kw':
        throw new SyntaxProblem(pos, `cannot read unexpected keyword ${t.text || 'key'}:`);
      case 'op':
        return this.bracketed(t);
      default:
        throw new SyntaxProblem(pos, `cannot read ${describe(t)}`);
    }
  }

  private bracketed(t: Token): Node {
    const pos = t.pos;
    switch (t.text) {
      case '(': {
        const inner = this.block(new Set());
        this.expectOp(')');
        return inner;
      }
      case '[':
        return { k: 'list', items: this.items(']'), pos };
      case '{':
        return { k: 'tuple', items: this.items('}'), pos };
      case '%{':
        return { k: 'map', entries: this.mapEntries(), pos };
      case '%': {
        // %Struct{…}: parsed so it can be skipped, never evaluated.
        while (['alias', 'ident'].includes(this.peek().kind) || this.isOp(this.peek(), '.') || this.isOp(this.peek(), '@')) this.next();
        this.expectOp('{');
        this.mapEntries();
        return { k: 'bad', problem: 'cannot read struct', pos };
      }
      case '<<':
        this.items('>>');
        return { k: 'bad', problem: 'cannot read bitstring', pos };
      default:
        throw new SyntaxProblem(pos, `cannot read ${describe(t)}`);
    }
  }

  private identifier(t: Token, bareArgs: boolean): Node {
    const pos = t.pos;
    const name = t.text;
    if (name === 'true' || name === 'false' || name === 'nil') return { k: 'lit', value: atom(name), pos };
    if (name === 'fn') {
      this.block(new Set(['end']));
      if (!this.isWord(this.peek(), 'end')) throw new SyntaxProblem(this.peek().pos, 'cannot read fn: missing end');
      this.next();
      return { k: 'bad', problem: 'cannot read anonymous function', pos };
    }
    if (RESERVED.has(name)) throw new SyntaxProblem(pos, `cannot read unexpected ${name}`);
    return this.callTail(bareArgs, (args) => ({ k: 'call', name, args, pos }), { k: 'var', name, pos });
  }

  /** After a function name: `(args)`, bare args, a `do` block, or nothing (a variable or 0-arity call). */
  private callTail(bareArgs: boolean, call: (args: Node[]) => Node, bare: Node): Node {
    const t = this.peek();
    const adjacent = t.start === this.tokens[this.i - 1]!.end;
    let args: Node[] | undefined;
    if (this.isOp(t, '(') && adjacent) {
      this.next();
      args = this.items(')');
    } else if (this.startsBareArg(t) && !(adjacent && this.isOp(t, '['))) {
      args = this.bareArgs();
    }
    if (!bareArgs && this.isWord(this.peek(), 'do')) (args ??= []).push(this.doBlock());
    return args ? call(args) : bare;
  }

  private startsBareArg(t: Token): boolean {
    switch (t.kind) {
      case 'int': case 'float': case 'atom': case 'str': case 'chars': case 'sigil': case 'alias': case 'kw':
        return true;
      case 'ident':
        return !RESERVED.has(t.text) || t.text === 'fn' || t.text === 'not';
      case 'op':
        return ['[', '{', '%{', '%', '<<', '@', '&', '!', '^', '('].includes(t.text);
      default:
        return false;
    }
  }

  private bareArgs(): Node[] {
    const args: Node[] = [];
    const keywords: Node[] = [];
    const pos = this.peek().pos;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'kw') keywords.push(this.keywordPair('bare-args'));
      else if (keywords.length > 0) throw new SyntaxProblem(t.pos, 'cannot read argument after keyword arguments');
      else args.push(this.recover('bare-args', () => this.expr(0, true)));
      if (!this.isOp(this.peek(), ',')) break;
      this.next();
      this.skipNewlines();
    }
    if (keywords.length > 0) args.push({ k: 'list', items: keywords, pos });
    return args;
  }

  private dot(left: Node, bareArgs: boolean): Node {
    const dot = this.next();
    this.skipNewlines();
    const t = this.next();
    if (t.kind === 'alias' && left.k === 'alias') return { k: 'alias', name: `${left.name}.${t.text}`, pos: left.pos };
    if (t.kind === 'ident') {
      const name = t.text;
      return this.callTail(
        bareArgs,
        (args) => ({ k: 'remote', target: left, name, args, pos: left.pos }),
        { k: 'remote', target: left, name, args: [], pos: left.pos },
      );
    }
    if (this.isOp(t, '(')) {
      this.items(')');
      return { k: 'bad', problem: 'cannot read anonymous function call', pos: dot.pos };
    }
    throw new SyntaxProblem(t.pos, `cannot read ${describe(t)} after .`);
  }

  private attribute(bareArgs: boolean): Node {
    const at = this.next();
    const t = this.peek();
    if (t.kind !== 'ident' || t.start !== at.end) throw new SyntaxProblem(at.pos, 'cannot read @ without an attribute name');
    this.next();
    const after = this.peek();
    const adjacent = after.start === t.end;
    if (this.startsBareArg(after) && after.kind !== 'kw' && !this.isOp(after, '(') && !(adjacent && this.isOp(after, '['))) {
      return { k: 'attrdef', name: t.text, value: this.expr(0, bareArgs), pos: at.pos };
    }
    if (this.isOp(after, '(') && adjacent) {
      this.next();
      const args = this.items(')');
      if (args.length !== 1) throw new SyntaxProblem(at.pos, `cannot read @${t.text} with ${args.length} arguments`);
      return { k: 'attrdef', name: t.text, value: args[0]!, pos: at.pos };
    }
    return { k: 'attr', name: t.text, pos: at.pos };
  }

  // ------------------------------------------------------------ collections

  /** Comma-separated items up to `close`; trailing keyword pairs become one keyword list. */
  private items(close: string): Node[] {
    const items: Node[] = [];
    const keywords: Node[] = [];
    const pos = this.peek().pos;
    for (;;) {
      this.skipNewlines();
      if (this.isOp(this.peek(), close)) break;
      const t = this.peek();
      if (t.kind === 'kw') keywords.push(this.keywordPair('item'));
      else items.push(this.recover('item', () => this.expr(0, false)));
      this.skipNewlines();
      if (!this.isOp(this.peek(), ',')) break;
      this.next();
    }
    this.expectOp(close);
    if (keywords.length === 0) return items;
    // In a list, keyword pairs are the list's own elements; elsewhere they form the last item.
    if (close === ']') return items.concat(keywords);
    return items.concat({ k: 'list', items: keywords, pos });
  }

  /** `key: value`; only the value can turn out `bad`, so the key stays known. */
  private keywordPair(context: Context): Node {
    const t = this.next();
    const key: Node = t.parts ? this.quotedAtom(t.parts, t.pos) : { k: 'lit', value: atom(t.text), pos: t.pos };
    this.skipNewlines();
    const value = this.recover(context, () => this.expr(0, context === 'bare-args'));
    return { k: 'tuple', items: [key, value], pos: t.pos };
  }

  private mapEntries(): Array<[Node, Node]> {
    const entries: Array<[Node, Node]> = [];
    for (;;) {
      this.skipNewlines();
      if (this.isOp(this.peek(), '}')) break;
      const t = this.peek();
      if (t.kind === 'kw') {
        const pair = this.keywordPair('item') as Extract<Node, { k: 'tuple' }>;
        entries.push([pair.items[0]!, pair.items[1]!]);
      } else {
        let value: Node | undefined;
        const key = this.recover('item', () => {
          const k = this.expr(INFIX['=>']![0] + 1, false);
          if (this.isOp(this.peek(), '|')) throw new SyntaxProblem(this.peek().pos, 'cannot read map update');
          this.expectOp('=>');
          this.skipNewlines();
          value = this.expr(0, false);
          return k;
        });
        entries.push([key, value ?? key]);
      }
      this.skipNewlines();
      if (!this.isOp(this.peek(), ',')) break;
      this.next();
    }
    this.expectOp('}');
    return entries;
  }

  // ------------------------------------------------------------ strings

  private strParts(parts: Part[], charlist: boolean, pos: Pos): StrPart[] {
    return parts.map((p) => ('raw' in p ? unescape(p.raw, charlist, pos) : this.interpolation(p.code, p.pos)));
  }

  private quotedAtom(parts: Part[], pos: Pos): Node {
    const strParts = this.strParts(parts, false, pos);
    if (strParts.every((p) => Array.isArray(p))) {
      const bytes = (strParts as number[][]).flat();
      return { k: 'lit', value: atom(Buffer.from(bytes).toString('utf8')), pos };
    }
    return { k: 'qatom', parts: strParts, pos };
  }

  private interpolation(code: Token[], pos: Pos): Node {
    const eof = code.length > 0 ? code[code.length - 1]! : undefined;
    const tokens = code.concat({ kind: 'eof', text: '', pos, start: eof?.end ?? 0, end: eof?.end ?? 0 });
    const inner = new Parser(tokens);
    inner.depth = this.depth;
    const body = inner.block(new Set());
    const t = inner.peek();
    if (t.kind !== 'eof') throw new SyntaxProblem(t.pos, `cannot read unexpected ${describe(t)} in interpolation`);
    return body;
  }
}

function kwPair(key: string, pos: Pos, value: Node): Node {
  return { k: 'tuple', items: [{ k: 'lit', value: atom(key), pos }, value], pos };
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of file';
    case 'nl':
      return 'newline';
    case 'kw':
      return `keyword ${t.text}:`;
    case 'str':
      return 'string';
    case 'chars':
      return 'charlist';
    default:
      return t.text ? JSON.stringify(t.text) : t.kind;
  }
}

/**
 * Elixir's escapes in double-quoted strings and charlists. Strings become UTF-8 bytes
 * (`\xFF` is one raw byte), charlists code points.
 */
export function unescape(raw: string, charlist: boolean, pos: Pos): number[] {
  const out: number[] = [];
  const pushText = (text: string) => {
    if (charlist) for (const ch of text) out.push(ch.codePointAt(0)!);
    else for (const byte of Buffer.from(text, 'utf8')) out.push(byte);
  };
  const pushCodePoint = (cp: number) => pushText(String.fromCodePoint(cp));
  for (let i = 0; i < raw.length; ) {
    // The text up to the next backslash goes in one piece: a long string costs one encoding.
    const escape = raw.indexOf('\\', i);
    if (escape !== i) {
      const end = escape < 0 ? raw.length : escape;
      pushText(raw.slice(i, end));
      i = end;
      continue;
    }
    const cp = raw.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (ch !== '\\' || i >= raw.length) {
      pushCodePoint(cp);
      continue;
    }
    const e = raw[i]!;
    i++;
    if (e === '\n') continue;
    if (e === 'x' || e === 'u') {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(raw.slice(i, i + 8));
      const plain = e === 'x' ? /^[0-9a-fA-F]{2}/.exec(raw.slice(i, i + 2)) : /^[0-9a-fA-F]{4}/.exec(raw.slice(i, i + 4));
      const m = braced ?? plain;
      if (!m) {
        pushCodePoint(e.charCodeAt(0));
        continue;
      }
      i += m[0].length;
      const value = parseInt(braced ? braced[1]! : m[0], 16);
      if (e === 'x' && !braced && !charlist) out.push(value);
      else if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) throw new MixExsError(pos, `cannot read invalid code point \\${e}${m[0]}`);
      else pushCodePoint(value);
      continue;
    }
    const special = CHAR_ESCAPES[e];
    pushCodePoint(special ?? e.codePointAt(0)!);
  }
  return out;
}
