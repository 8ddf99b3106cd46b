// Parser for Elixir source: produces exactly what Elixir 1.14's
// `Code.string_to_quoted!(source, columns: true)` does (metadata reduced to line and column).
//
// A precedence-climbing parser. Elixir's grammar sorts expressions into three classes, which
// decide where an expression may stand; every parse returns its class:
//   matched (M)    no do-block at its top, no call without parentheses taking commas: `a + b`, `f x`
//   unmatched (U)  a do-block call at its top: `if x do … end`, `x = f do … end`
//   no-parens (N)  ends in a call without parentheses that took commas: `f a, b`, `x = f a, b`
// A do-block belongs to the outermost call without parentheses; so arguments of such calls are
// parsed with do-blocks disallowed, and the call takes the `do` that follows them. Calls without
// parentheses take commas greedily, and a container or a call with several arguments refuses an
// N where Elixir does ("unexpected comma. Parentheses are required…").
// Recursion is bounded: nesting deeper than MAX_NESTING is refused with a message.
import { Atom, ErlFloat } from '../erlang/term.js';
import { AstPair, isNode, node, type Ast, type AstNode, type Meta } from './ast.js';
import { ElixirSyntaxError } from './error.js';
import { MAX_NESTING, tokenize, type Interpolation, type Part, type Token, type TokenType } from './tokenizer.js';

/**
 * Parses Elixir source into its quoted form. An empty source (or one of comments only) is
 * `{:__block__, [], []}`, as in Elixir; a syntax error is an ElixirSyntaxError naming
 * `file:line:column`.
 */
export function parseElixir(source: string, file = 'nofile'): Ast {
  const depth = { value: 0 };
  return new Parser(tokenize(source, file, depth), file, depth).grammar();
}

const M = 0;
const U = 1;
const N = 2;
type Cls = typeof M | typeof U | typeof N;

// Where an expression stands: where a do-block may attach (DO), in the arguments of a call
// without parentheses (MATCHED), where Elixir wants a matched expression only and calls
// without parentheses take no commas (STRICT: after a misplaced keyword list, to report it),
// or naming a struct, where `{` opens the struct's fields (STRUCT).
const MATCHED = 0;
const DO = 1;
const STRICT = 2;
const STRUCT = 3;
type Ctx = typeof MATCHED | typeof DO | typeof STRICT | typeof STRUCT;

interface Expr {
  ast: Ast;
  cls: Cls;
  /** An access expression (literal, container, call with parentheses…): `[` after it is an access. */
  access: boolean;
  /** A variable or a call (`a`, `a.b`, `f x`, `f()`): what a map may hold without `=>`. */
  call?: boolean;
  /** A prefix operator before an N (`@f a, b`): Elixir reads it as unmatched where `=>` follows. */
  prefixed?: boolean;
}

type StabItem =
  | { kind: 'expr'; ast: Ast }
  | { kind: 'clause'; ast: AstNode }
  | { kind: 'args'; args: Ast[]; comma: Token };

const NO_META: Meta = { line: 0, column: 0 };
const atom = (name: string) => Atom.of(name);
const NIL = atom('nil');
const BLOCK = atom('__block__');
const DOT = atom('.');
const KERNEL = atom('Elixir.Kernel');
const TO_STRING = atom('to_string');

// Binary operators: [precedence, right-associative].
const BINARY: Partial<Record<TokenType, [number, boolean]>> = {
  in_match_op: [40, false], when_op: [50, true], type_op: [60, true], pipe_op: [70, true], match_op: [100, true],
  or_op: [110, false], and_op: [130, false], comp_op: [140, false], rel_op: [150, false], arrow_op: [160, false],
  in_op: [170, false], xor_op: [180, false], ternary_op: [190, true], concat_op: [200, true], range_op: [200, true],
  dual_op: [210, false], mult_op: [220, false], power_op: [230, false],
};
const DOT_PRECEDENCE = 310;
const UNARY_PRECEDENCE = 300;
const CAPTURE_PRECEDENCE = 90;

const LITERAL_STARTS = new Set<TokenType>([
  'identifier', 'op_identifier', 'do_identifier', 'paren_identifier', 'bracket_identifier', 'alias', 'int', 'flt', 'char',
  'atom', 'atom_quoted', 'atom_unsafe', 'bin_string', 'list_string', 'bin_heredoc', 'list_heredoc', 'sigil',
  'true', 'false', 'nil', '[', '{', '<<', '%{}', '%', '(', 'fn', 'unary_op', 'at_op', 'capture_op',
]);
/** What may follow an identifier as the first argument of a call without parentheses (`dual_op` only after an op_identifier). */
const isArgStart = (t: Token) => LITERAL_STARTS.has(t.type) || t.type === 'kw_identifier' || t.type === 'kw_identifier_unsafe';
const isExprStart = (t: Token) => LITERAL_STARTS.has(t.type) || t.type === 'dual_op' || t.type === 'ternary_op' || t.type === 'range_op';
const isPrefix = (t: Token) =>
  t.type === 'at_op' || t.type === 'unary_op' || t.type === 'dual_op' || t.type === 'ternary_op' || t.type === 'capture_op';
const ENDS_EXPRESSION = new Set<string>([',', ')', ']', '}', '>>', 'eol', ';', 'end', 'do', 'block_identifier', 'stab_op', '$end']);
const isKeyword = (t: Token) => t.type === 'kw_identifier' || t.type === 'kw_identifier_unsafe';

const ERLANG_RESERVED = new Set([
  'after', 'and', 'andalso', 'band', 'begin', 'bnot', 'bor', 'bsl', 'bsr', 'bxor', 'case', 'catch', 'cond', 'div', 'end',
  'fun', 'if', 'let', 'not', 'of', 'or', 'orelse', 'receive', 'rem', 'try', 'when', 'xor',
]);
const ELIXIR_RESERVED = new Set(['not', 'and', 'or', 'when', 'after', 'catch', 'end', 'fn', 'else', 'rescue', 'true', 'false', 'nil', 'in']);
const erlangAtom = (name: string) => (/^[a-z][A-Za-z0-9_@]*$/.test(name) && !ERLANG_RESERVED.has(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);

const metaOf = (t: { line: number; column: number }): Meta => ({ line: t.line, column: t.column });

function buildBlock(items: Ast[]): Ast {
  if (items.length === 1) {
    const only = items[0]!;
    if (!(isNode(only) && only.form instanceof Atom && Array.isArray(only.args) && only.args.length === 1 &&
      (only.form.name === 'not' || only.form.name === '!' || only.form.name === 'unquote_splicing'))) {
      return only;
    }
  }
  return node(BLOCK, NO_META, items);
}

class Parser {
  private p = 0;
  private closers?: Int32Array;
  private readonly end: Token;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
    private readonly depth: { value: number },
  ) {
    const last = tokens[tokens.length - 1];
    this.end = { type: '$end' as TokenType, line: last?.line ?? 1, column: last?.column ?? 1, value: '' };
  }

  // ---------------------------------------------------------------- tokens and errors

  private peek(k = 0): Token {
    return this.tokens[this.p + k] ?? this.end;
  }

  private next(): Token {
    const t = this.tokens[this.p++] ?? this.end;
    if (t.invalid) this.fail(t, t.invalid);
    return t;
  }

  private at(type: TokenType): boolean {
    return this.peek().type === type;
  }

  private expect(type: TokenType): Token {
    if (this.peek().type !== type) this.unexpected(this.peek());
    return this.next();
  }

  private skipEol(): void {
    while (this.at('eol')) this.p++;
  }

  private skipEoe(): Token | undefined {
    const first = this.peek();
    let skipped = false;
    while (this.at('eol') || this.at(';')) {
      this.p++;
      skipped = true;
    }
    return skipped ? first : undefined;
  }

  private fail(at: { line: number; column: number }, message: string, kind: 'SyntaxError' | 'TokenMissingError' = 'SyntaxError'): never {
    throw new ElixirSyntaxError(this.file, at.line, at.column, message, kind);
  }

  private unexpected(t: Token): never {
    if (t.type === ('$end' as TokenType)) this.fail(t, 'syntax error: expression is incomplete', 'TokenMissingError');
    if (t.type === 'eol') this.fail(t, 'unexpectedly reached end of line. The current expression is invalid or incomplete');
    const text = tokenText(t);
    if (ELIXIR_RESERVED.has(text.replace(/'/g, ''))) {
      const word = text.replace(/'/g, '');
      this.fail(t, `syntax error before: ${word}. "${word}" is a reserved word in Elixir and therefore its usage is limited. For instance, it can't be used as a variable or be defined nor invoked as a regular function`);
    }
    this.fail(t, `syntax error before: ${text}`);
  }

  private enter(at: { line: number; column: number }): void {
    if (++this.depth.value > MAX_NESTING) this.fail(at, `expressions nested more than ${MAX_NESTING} levels deep`);
  }

  private leave(n = 1): void {
    this.depth.value -= n;
  }

  // Elixir reports a call taking commas where it may not once it sees what follows it; before
  // anything else, that token is the error.
  private noParensManyStrict(e: Expr): never {
    if (!ENDS_EXPRESSION.has(this.peek().type)) this.unexpected(this.peek());
    this.fail(this.positionOf(e.ast),
      'unexpected comma. Parentheses are required to solve ambiguity in nested calls, as in: one a, two(b, c, d). Syntax error before: \',\'');
  }

  private noParensContainerStrict(e: Expr): never {
    if (!ENDS_EXPRESSION.has(this.peek().type)) this.unexpected(this.peek());
    this.fail(this.positionOf(e.ast),
      'unexpected comma. Parentheses are required to solve ambiguity inside containers, as in: [one, two(three, four), five]. Syntax error before: \',\'');
  }

  private positionOf(ast: Ast): Meta {
    return isNode(ast) ? ast.meta : this.peek();
  }

  /** Index of the token closing the bracket, `fn` or `do` at `index` (the tokenizer checked they balance). */
  private closerOf(index: number): number {
    if (!this.closers) {
      this.closers = new Int32Array(this.tokens.length).fill(-1);
      const open: number[] = [];
      this.tokens.forEach((t, i) => {
        const type = t.type;
        if (type === '(' || type === '[' || type === '{' || type === '<<' || type === 'fn' || type === 'do') open.push(i);
        else if (type === ')' || type === ']' || type === '}' || type === '>>' || type === 'end') {
          const o = open.pop();
          if (o !== undefined) this.closers![o] = i;
        }
      });
    }
    return this.closers[index]!;
  }

  // ---------------------------------------------------------------- grammar

  grammar(): Ast {
    const eoe = this.skipEoe();
    if (this.p >= this.tokens.length) return node(BLOCK, eoe ? metaOf(eoe) : NO_META, []);
    const items: Ast[] = [];
    for (;;) {
      items.push(this.expr(0, DO).ast);
      if (this.p >= this.tokens.length) break;
      if (!this.skipEoe()) this.unexpected(this.peek());
      if (this.p >= this.tokens.length) break;
    }
    return buildBlock(items);
  }

  /** An expression whose operators bind at least as tightly as `minPrec`. */
  private expr(minPrec: number, ctx: Ctx, stopAtPipe = false): Expr {
    this.enter(this.peek());
    const result = this.operators(this.unary(ctx), minPrec, ctx, stopAtPipe);
    this.leave();
    return result;
  }

  /** Binary operators, dots and accesses after `left`. */
  private operators(left: Expr, minPrec: number, ctx: Ctx, stopAtPipe = false): Expr {
    let applied = 0;
    for (;;) {
      if (left.cls === N) break;
      const t = this.peek();
      if (t.type === '.' || t.type === 'dot_call_op') {
        if (DOT_PRECEDENCE < minPrec || left.cls !== M) break;
        this.enter(t);
        applied++;
        left = this.dotted(left, ctx);
        continue;
      }
      if (t.type === '[') {
        if (!left.access || left.cls !== M) break;
        this.enter(t);
        applied++;
        left = this.access(left);
        continue;
      }
      if (t.type === 'kw_identifier' && left.access && left.cls === M) {
        if (t.value === 'do') {
          this.fail(t, 'unexpected keyword: do:. In case you wanted to write a "do" expression, you must either use do-blocks or separate the keyword argument with comma, as in if(some_condition?, do: :this, else: :that)');
        }
        this.fail(t, `syntax error before: '${t.value}:'`);
      }
      const op = BINARY[t.type];
      if (!op || op[0] < minPrec || (stopAtPipe && t.type === 'pipe_op')) break;
      this.next();
      this.skipEol();
      this.enter(t);
      applied++;
      let right: Expr;
      if (t.type === 'when_op' && isKeyword(this.peek())) right = { ast: this.keywords('no_parens'), cls: N, access: false };
      else right = this.expr(op[1] ? op[0] : op[0] + 1, ctx === STRUCT ? MATCHED : ctx);
      const cls: Cls = right.cls === N ? (left.cls === U ? U : N) : left.cls === U || right.cls === U ? U : M;
      left = { ast: this.binary(left.ast, t, right.ast), cls, access: false };
    }
    this.leave(applied);
    return left;
  }

  private binary(left: Ast, op: Token, right: Ast): Ast {
    const meta = metaOf(op);
    if (op.type === 'ternary_op') {
      if (isNode(left) && left.form === atom('..') && Array.isArray(left.args) && left.args.length === 2) {
        return node(atom('..//'), left.meta, [...left.args, right]);
      }
      this.fail(op, "the range step operator (//) must immediately follow the range definition operator (..), for example: 1..9//2. If you wanted to define a default argument, use (\\\\) instead. Syntax error before: '//'");
    }
    if (op.value === 'not in') return node(atom('not'), meta, [node(atom('in'), meta, [left, right])]);
    if (op.value === 'in' && isNode(left) && (left.form === atom('not') || left.form === atom('!')) && Array.isArray(left.args) && left.args.length === 1) {
      return node(left.form, meta, [node(atom('in'), meta, [left.args[0]!, right])]);
    }
    return node(atom(op.value), meta, [left, right]);
  }

  private unary(ctx: Ctx): Expr {
    const t = this.peek();
    switch (t.type) {
      case 'unary_op':
      case 'dual_op':
      case 'ternary_op': {
        this.next();
        this.skipEol();
        const operand = this.unmatchedTakesAll(this.expr(UNARY_PRECEDENCE, ctx), ctx);
        let ast: Ast;
        if (t.type === 'ternary_op') {
          ast = node(atom('/'), { line: t.line, column: t.column + 1 }, [node(atom('/'), metaOf(t), NIL), operand.ast]);
        } else {
          ast = node(atom(t.value), metaOf(t), [operand.ast]);
        }
        return { ast, cls: operand.cls, access: false, prefixed: operand.cls === N };
      }
      case 'at_op': {
        // `@foo[1]` is `(@foo)[1]`: the operand takes no access of its own, unless it is itself prefixed (`@@a[1]`).
        this.next();
        this.skipEol();
        this.enter(t);
        const prefixed = isPrefix(this.peek());
        let operand = prefixed ? this.unary(ctx) : this.primary(ctx, true);
        while (prefixed && operand.access && operand.cls === M && this.at('[')) operand = this.access(operand);
        operand = this.unmatchedTakesAll(operand, ctx);
        this.leave();
        const ast = node(atom('@'), metaOf(t), [operand.ast]);
        return { ast, cls: operand.cls, access: !prefixed && operand.access, prefixed: operand.cls === N };
      }
      case 'capture_op': {
        this.next();
        this.skipEol();
        if (this.at('int')) return { ast: node(atom('&'), metaOf(t), [this.next().number!]), cls: M, access: true };
        const operand = this.unmatchedTakesAll(this.expr(CAPTURE_PRECEDENCE + 1, ctx), ctx);
        return { ast: node(atom('&'), metaOf(t), [operand.ast]), cls: operand.cls, access: false, prefixed: operand.cls === N };
      }
      default:
        return this.primary(ctx, false);
    }
  }

  /** A prefix operator before a do-block call applies to all that follows: `-if a do b end + 1` is `-(… + 1)`. */
  private unmatchedTakesAll(operand: Expr, ctx: Ctx): Expr {
    return operand.cls === U ? this.operators(operand, 0, ctx) : operand;
  }

  private primary(ctx: Ctx, noAccess: boolean): Expr {
    const t = this.next();
    const lit = (ast: Ast): Expr => ({ ast, cls: M, access: true });
    switch (t.type) {
      case 'int':
      case 'char':
        return lit(t.number!);
      case 'flt':
        return lit(new ErlFloat(t.number as number));
      case 'true':
      case 'false':
      case 'nil':
        return lit(atom(t.type));
      case 'atom':
      case 'atom_quoted':
        return lit(atom(t.value));
      case 'atom_unsafe':
        return lit(this.quotedAtom(t));
      case 'bin_string':
      case 'bin_heredoc':
        return lit(this.binString(t));
      case 'list_string':
      case 'list_heredoc':
        return lit(this.listString(t));
      case 'sigil':
        return lit(node(atom(`sigil_${t.value}`), metaOf(t), [this.stringParts(t, t.parts!), [...t.modifiers!].map((c) => c.codePointAt(0)!)]));
      case '[':
        return lit(this.list());
      case '{':
        return lit(this.tuple(t));
      case '<<':
        return lit(node(atom('<<>>'), metaOf(t), this.containerArgs('>>', false)));
      case '%{}': {
        const open = this.expect('{');
        return lit(node(atom('%{}'), metaOf(open), this.mapArgs()));
      }
      case '%':
        return lit(this.struct(t));
      case '(':
        return lit(this.parens(t));
      case 'fn':
        return lit(this.fn(t));
      case 'range_op':
        return lit(node(atom(t.value), metaOf(t), []));
      case 'alias':
        return lit(node(atom('__aliases__'), metaOf(t), [atom(t.value)]));
      case 'identifier':
      case 'op_identifier':
      case 'do_identifier':
        return this.noParensCall(atom(t.value), metaOf(t), t, ctx);
      case 'paren_identifier':
        return this.parensCall(atom(t.value), metaOf(t), ctx);
      case 'bracket_identifier': {
        const variable: Expr = { ast: node(atom(t.value), metaOf(t), NIL), cls: M, access: true };
        return noAccess ? variable : this.access(variable);
      }
      default:
        this.p--;
        return this.unexpected(t);
    }
  }

  // ---------------------------------------------------------------- calls

  /** An identifier (`name`, or the member of `left.name`): a variable, or a call without parentheses, or a do-block call. */
  private noParensCall(form: Atom | AstNode, meta: Meta, t: Token, ctx: Ctx): Expr {
    const variable = (): Expr =>
      form instanceof Atom ? { ast: node(form, meta, NIL), cls: M, access: false, call: true } : { ast: node(form, meta, []), cls: M, access: false, call: true };
    if (t.type === 'do_identifier') {
      if (ctx !== DO) return variable();
      return { ast: node(form, meta, [this.doBlock()]), cls: U, access: false };
    }
    if (t.type !== 'op_identifier' && (!isArgStart(this.peek()) || (ctx === STRUCT && this.at('{')))) return variable();
    const { args, cls } = this.noParensArgs(ctx);
    if (ctx === DO && this.at('do')) {
      args.push(this.doBlock());
      return { ast: node(form, meta, args), cls: U, access: false };
    }
    return { ast: node(form, meta, args), cls, access: false, call: cls === M };
  }

  private noParensArgs(ctx: Ctx): { args: Ast[]; cls: Cls } {
    if (isKeyword(this.peek())) return { args: [this.keywords('no_parens')], cls: M };
    const first = this.expr(0, ctx === STRICT || ctx === STRUCT ? ctx : MATCHED);
    if (first.cls === N) return { args: [first.ast], cls: N };
    if (!this.at(',') || ctx === STRICT) return { args: [first.ast], cls: M };
    const args = [first.ast];
    while (this.at(',')) {
      this.next();
      if (isKeyword(this.peek())) {
        args.push(this.keywords('no_parens'));
        break;
      }
      const arg = this.expr(0, MATCHED);
      if (arg.cls === N) this.noParensManyStrict(arg);
      args.push(arg.ast);
    }
    return { args, cls: N };
  }

  /** `name(args)`, `name(args)(args)`, with a do-block where one may stand. */
  private parensCall(form: Atom | AstNode, meta: Meta, ctx: Ctx): Expr {
    let ast = node(form, meta, this.callArgs());
    if (this.at('(')) ast = node(ast, meta, this.callArgs());
    if (ctx === DO && this.at('do')) {
      (ast.args as Ast[]).push(this.doBlock());
      return { ast, cls: U, access: false };
    }
    return { ast, cls: M, access: true, call: true };
  }

  /** The arguments of a call with parentheses. */
  private callArgs(): Ast[] {
    this.expect('(');
    this.skipEol();
    const args: Ast[] = [];
    if (this.at(')')) {
      this.next();
      return args;
    }
    if (isKeyword(this.peek())) {
      args.push(this.keywords('call'));
    } else {
      const first = this.expr(0, DO);
      args.push(first.ast);
      if (first.cls === N) {
        this.skipEol();
        if (!this.at(')')) this.noParensManyStrict(first);
      } else {
        while (this.at(',')) {
          this.next();
          if (isKeyword(this.peek())) {
            args.push(this.keywords('call'));
            break;
          }
          const arg = this.expr(0, DO);
          if (arg.cls === N) this.noParensManyStrict(arg);
          args.push(arg.ast);
        }
      }
    }
    this.skipEol();
    this.expect(')');
    return args;
  }

  /** `.name`, `.name(…)`, `.Alias`, `.{…}`, `.(…)` after `left`. */
  private dotted(left: Expr, ctx: Ctx): Expr {
    const dot = this.next();
    const dotMeta = metaOf(dot);
    if (dot.type === 'dot_call_op') return this.parensCall(node(DOT, dotMeta, [left.ast]), dotMeta, ctx);
    const member = this.next();
    switch (member.type) {
      case 'alias': {
        const name = atom(member.value);
        if (isNode(left.ast) && left.ast.form === atom('__aliases__')) {
          return { ast: node(left.ast.form, left.ast.meta, [...(left.ast.args as Ast[]), name]), cls: M, access: true };
        }
        if (left.ast instanceof Atom) {
          this.fail(member, "atom cannot be followed by an alias. If the '.' was meant to be part of the atom's name, the atom name must be quoted. Syntax error before: '.'");
        }
        return { ast: node(atom('__aliases__'), dotMeta, [left.ast, name]), cls: M, access: true };
      }
      case '{': {
        const args = this.containerArgs('}', false);
        return { ast: node(node(DOT, dotMeta, [left.ast, atom('{}')]), dotMeta, args), cls: M, access: true };
      }
      case 'identifier':
      case 'op_identifier':
      case 'do_identifier':
      case 'paren_identifier':
      case 'bracket_identifier': {
        const form = node(DOT, dotMeta, [left.ast, atom(member.value)]);
        const meta = metaOf(member);
        if (member.type === 'paren_identifier') return this.parensCall(form, meta, ctx);
        if (member.type === 'bracket_identifier') return this.access({ ast: node(form, meta, []), cls: M, access: true });
        return this.noParensCall(form, meta, member, ctx);
      }
      default:
        this.p--;
        return this.unexpected(member);
    }
  }

  private access(left: Expr): Expr {
    const open = this.expect('[');
    this.skipEol();
    let arg: Ast;
    if (isKeyword(this.peek())) {
      arg = this.keywords('data');
    } else {
      const e = this.expr(0, DO);
      if (e.cls === N) this.noParensContainerStrict(e);
      arg = e.ast;
      if (this.at(',')) this.next();
    }
    this.skipEol();
    this.expect(']');
    const meta = metaOf(open);
    return { ast: node(node(DOT, meta, [atom('Elixir.Access'), atom('get')]), meta, [left.ast, arg]), cls: M, access: true };
  }

  /**
   * A keyword list: in a call with parentheses (`call`), in a list, map or tuple (`data`), or as
   * the last argument of a call without parentheses (`no_parens`, whose values may be calls that
   * take commas).
   */
  private keywords(kind: 'call' | 'data' | 'no_parens'): AstPair[] {
    const pairs: AstPair[] = [];
    for (;;) {
      const key = this.next();
      const name = key.type === 'kw_identifier' ? atom(key.value) : this.quotedAtom(key);
      this.skipEol();
      const value = this.expr(0, kind !== 'no_parens' ? DO : MATCHED);
      if (kind !== 'no_parens' && value.cls === N) this.noParensContainerStrict(value);
      pairs.push(new AstPair(name, value.ast));
      if (value.cls === N || !this.at(',')) return pairs;
      const comma = this.next();
      if (isKeyword(this.peek())) continue;
      const after = this.peek();
      if (kind !== 'no_parens' && (after.type === ')' || after.type === ']' || after.type === '}' || after.type === '>>' || after.type === 'eol')) return pairs;
      if (!isExprStart(after)) this.unexpected(after);
      // Elixir reads the misplaced expression (as a matched one) before it names the keywords.
      this.expr(0, STRICT);
      this.fail(comma, kind === 'data'
        ? "unexpected expression after keyword list. Keyword lists must always come last in lists and maps. Syntax error after: ','"
        : "unexpected expression after keyword list. Keyword lists must always come as the last argument. Syntax error after: ','");
    }
  }

  // ---------------------------------------------------------------- containers

  /** Elements up to `close`: a trailing comma, and a keyword list last (one element, or spliced in a list). */
  private containerArgs(close: TokenType, spliceKeywords: boolean): Ast[] {
    this.skipEol();
    const items: Ast[] = [];
    while (!this.at(close)) {
      if (isKeyword(this.peek()) && items.length === 0 && !spliceKeywords) this.unexpected(this.peek());
      if (isKeyword(this.peek())) {
        const kw = this.keywords('data');
        if (spliceKeywords) items.push(...kw);
        else items.push(kw);
        break;
      }
      const e = this.expr(0, DO);
      if (e.cls === N) this.noParensContainerStrict(e);
      items.push(e.ast);
      if (!this.at(',')) break;
      this.next();
    }
    this.skipEol();
    this.expect(close);
    return items;
  }

  private list(): Ast {
    this.skipEol();
    if (isKeyword(this.peek())) {
      const kw = this.keywords('data');
      this.skipEol();
      this.expect(']');
      return kw;
    }
    return this.containerArgs(']', true);
  }

  private tuple(open: Token): Ast {
    const items = this.containerArgs('}', false);
    return items.length === 2 ? new AstPair(items[0]!, items[1]!) : node(atom('{}'), metaOf(open), items);
  }

  /** The entries of a map or struct after its `{`: `k => v`, keywords, or an update `%{m | …}`. */
  private mapArgs(): Ast[] {
    this.skipEol();
    if (this.at('}')) {
      this.next();
      return [];
    }
    let entries: Ast[];
    if (isKeyword(this.peek())) {
      entries = this.keywords('data');
    } else {
      const first = this.expr(0, DO, true);
      if (this.at('pipe_op')) {
        const pipe = this.next();
        this.skipEol();
        if (first.cls === N) this.unexpected(pipe);
        const updates = isKeyword(this.peek()) ? this.keywords('data') : this.assocs(undefined);
        entries = [node(atom('|'), metaOf(pipe), [first.ast, updates])];
      } else {
        entries = this.assocs(first);
      }
    }
    this.skipEol();
    this.expect('}');
    return entries;
  }

  /** `key => value` entries (or bare variables and calls), then maybe keywords. */
  private assocs(first: Expr | undefined): Ast[] {
    const entries: Ast[] = [];
    let key = first;
    for (;;) {
      key ??= this.expr(0, DO);
      if (key.cls === N && !(key.prefixed && this.at('assoc_op'))) this.unexpected(this.peek());
      if (this.at('assoc_op')) {
        this.next();
        this.skipEol();
        const value = this.expr(0, DO);
        if (value.cls === N) this.unexpected(this.peek());
        entries.push(new AstPair(key.ast, value.ast));
      } else if (key.call && key.cls === M) {
        entries.push(key.ast);
      } else {
        this.unexpected(this.peek());
      }
      key = undefined;
      if (!this.at(',')) return entries;
      this.next();
      if (isKeyword(this.peek())) return [...entries, ...this.keywords('data')];
      if (this.at('}')) return entries;
    }
  }

  private struct(percent: Token): Ast {
    const name = this.structName();
    this.skipEol();
    const open = this.expect('{');
    return node(atom('%'), metaOf(percent), [name, node(atom('%{}'), metaOf(open), this.mapArgs())]);
  }

  /**
   * What names a struct: an alias, atom, variable, attribute, call or dotted name (`%Mod{}`,
   * `%__MODULE__{}`, `%@attr{}`, `%mod.Sub{}`). Elixir reads any expression there (a `{` after
   * it opens the map, not an argument) and refuses the other shapes at the `{`.
   */
  private structName(): Ast {
    const e = this.expr(0, STRUCT);
    if (e.cls !== M || !isStructName(e.ast)) this.unexpected(this.peek());
    return e.ast;
  }

  // ---------------------------------------------------------------- blocks, clauses, fn

  /** `( … )`: a block, clauses, or `()`. */
  private parens(open: Token): Ast {
    this.skipEol();
    if (this.at(')')) {
      this.next();
      return node(BLOCK, NO_META, []);
    }
    const openIndex = this.p - 1;
    const items = this.stab(')', false, openIndex);
    this.expect(')');
    return this.parenResult(open, items);
  }

  private parenResult(open: Token, items: StabItem[]): Ast {
    // A block takes the parenthesis's position (over that of a block inside, as in Elixir's metadata).
    const built = this.buildStab(items);
    return isNode(built) && built.form === BLOCK ? node(BLOCK, metaOf(open), built.args) : built;
  }

  private fn(t: Token): Ast {
    this.enter(t);
    this.skipEoe();
    const items = this.stab('end');
    if (items.length === 0) this.unexpected(this.peek());
    this.expect('end');
    const clauses = this.buildStab(items);
    if (!Array.isArray(clauses)) this.fail(t, "expected anonymous functions to be defined with -> inside: 'fn'");
    this.leave();
    return node(atom('fn'), metaOf(t), clauses);
  }

  /** `do … [else …] end`: the keyword list a do-block call takes as its last argument. */
  private doBlock(): AstPair[] {
    const t = this.expect('do');
    this.enter(t);
    const pairs = [new AstPair(atom('do'), this.buildStab(this.stab('end', true)))];
    while (this.at('block_identifier')) {
      const name = this.next();
      pairs.push(new AstPair(atom(name.value), this.buildStab(this.stab('end', true))));
    }
    this.expect('end');
    this.leave();
    return pairs;
  }

  /** Expressions and `->` clauses separated by newlines or `;`, up to `close` (or a block keyword). */
  private stab(close: TokenType, blockKeywords = false, openIndex = -1): StabItem[] {
    const items: StabItem[] = [];
    const isEnd = () => this.at(close) || (blockKeywords && this.at('block_identifier'));
    this.skipEoe();
    while (!isEnd()) {
      const item = this.stabExpr();
      if (item.kind === 'args') {
        const before = this.tokens[openIndex - 1]?.type;
        if (before === 'identifier' || before === 'op_identifier') {
          this.fail(this.tokens[openIndex]!,
            "unexpected parentheses. If you are making a function call, do not insert spaces between the function name and the opening parentheses. Syntax error before: '('");
        }
        this.argsWithoutClause(item);
      }
      items.push(item);
      if (this.skipEoe()) continue;
      if (!isEnd()) this.unexpected(this.peek());
    }
    return items;
  }

  private argsWithoutClause(item: { comma: Token }): never {
    this.unexpected(this.peek().type === ')' || this.peek().type === 'end' ? item.comma : this.peek());
  }

  /** One expression of a stab, or one clause `args -> body`. */
  private stabExpr(): StabItem {
    const t = this.peek();
    if (t.type === 'stab_op') return this.clause([]);
    if (t.type === '(') {
      const after = this.tokens[this.closerOf(this.p) + 1];
      if (after?.type === 'stab_op' || after?.type === 'when_op') {
        const group = this.parenGroup();
        if ('args' in group) {
          let args = group.args;
          if (this.at('when_op')) {
            const w = this.next();
            this.skipEol();
            args = [node(atom('when'), metaOf(w), [...unwrapSplice(args), this.expr(0, DO).ast])];
          } else {
            args = unwrapSplice(args);
          }
          if (!this.at('stab_op')) this.unexpected(this.peek());
          return this.clause(args);
        }
        return this.stabHead(this.operators(group.expr, 0, DO));
      }
    }
    if (isKeyword(t)) {
      const kw = this.keywords('no_parens');
      if (this.at('stab_op')) return this.clause([kw]);
      return { kind: 'args', args: [kw], comma: this.peek() };
    }
    return this.stabHead(this.expr(0, DO));
  }

  /** After a stab's first expression: a plain expression, or the arguments of a clause. */
  private stabHead(first: Expr): StabItem {
    if (this.at('stab_op')) {
      if (first.cls === U) this.unexpected(this.peek());
      return this.clause(unwrapWhen(unwrapSplice([first.ast])));
    }
    if (this.at(',') && first.cls === M) {
      const comma = this.peek();
      const args = [first.ast];
      while (this.at(',')) {
        this.next();
        if (isKeyword(this.peek())) {
          args.push(this.keywords('no_parens'));
          break;
        }
        const arg = this.expr(0, MATCHED);
        if (arg.cls === N) this.noParensManyStrict(arg);
        args.push(arg.ast);
      }
      if (this.at('stab_op')) return this.clause(unwrapWhen(unwrapSplice(args)));
      return { kind: 'args', args, comma };
    }
    return { kind: 'expr', ast: first.ast };
  }

  /** `( … )` before `->` or `when`: the arguments of a clause, or (one expression) a parenthesised expression. */
  private parenGroup(): { args: Ast[] } | { expr: Expr } {
    const open = this.expect('(');
    this.skipEol();
    if (this.at(')')) {
      this.next();
      return { args: [] };
    }
    if (isKeyword(this.peek())) {
      const kw = this.keywords('no_parens');
      this.skipEol();
      this.expect(')');
      return { args: [kw] };
    }
    this.skipEoe();
    const first = this.stabExpr();
    if (first.kind === 'args') {
      this.skipEol();
      this.expect(')');
      return { args: first.args };
    }
    const items: StabItem[] = [first];
    while (this.skipEoe() && !this.at(')')) items.push(this.stabExpr());
    this.expect(')');
    return { expr: { ast: this.parenResult(open, items), cls: M, access: true } };
  }

  private clause(args: Ast[]): StabItem {
    const arrow = this.expect('stab_op');
    this.skipEol();
    const body = isExprStart(this.peek()) ? this.expr(0, DO).ast : NIL;
    return { kind: 'clause', ast: node(atom('->'), metaOf(arrow), [args, body]) };
  }

  /** A stab's value: its clauses (a list of `->`), or its expressions as a block. */
  private buildStab(items: StabItem[]): Ast {
    if (items.length === 0) return node(BLOCK, NO_META, []);
    const firstClause = items.find((item) => item.kind === 'clause');
    if (!firstClause) return buildBlock(items.map((item) => (item as { ast: Ast }).ast));
    if (items[0]!.kind !== 'clause') {
      this.fail((firstClause as { ast: AstNode }).ast.meta,
        "unexpected operator ->. If you want to define multiple clauses, the first expression must use ->. Syntax error before: '->'");
    }
    const clauses: AstNode[] = [];
    let body: Ast[] = [];
    let current: AstNode | undefined;
    const close = () => {
      if (current) clauses.push(node(current.form, current.meta, [(current.args as Ast[])[0]!, buildBlock(body)]));
    };
    for (const item of items) {
      if (item.kind === 'clause') {
        close();
        current = item.ast;
        body = [(item.ast.args as Ast[])[1]!];
      } else {
        body.push((item as { ast: Ast }).ast);
      }
    }
    close();
    return clauses;
  }

  // ---------------------------------------------------------------- strings

  private interpolation(part: Interpolation): Ast {
    return new Parser(part.tokens, this.file, this.depth).grammar();
  }

  private stringParts(t: Token, parts: Part[]): AstNode {
    return node(atom('<<>>'), metaOf(t), parts.map((part) => {
      if (typeof part === 'string') return part;
      const meta = metaOf(part);
      const call = node(node(DOT, meta, [KERNEL, TO_STRING]), meta, [this.interpolation(part)]);
      return node(atom('::'), meta, [call, node(atom('binary'), meta, NIL)]);
    }));
  }

  private binString(t: Token): Ast {
    const parts = t.parts!;
    if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
    return this.stringParts(t, parts);
  }

  private listString(t: Token): Ast {
    const parts = t.parts!;
    if (parts.length === 1 && typeof parts[0] === 'string') return Array.from(parts[0], (c) => c.codePointAt(0)!);
    const meta = metaOf(t);
    const pieces = parts.map((part) => {
      if (typeof part === 'string') return part;
      const m = metaOf(part);
      return node(node(DOT, m, [KERNEL, TO_STRING]), m, [this.interpolation(part)]);
    });
    return node(node(DOT, meta, [atom('Elixir.List'), atom('to_charlist')]), meta, [pieces]);
  }

  /** `:"a#{b}"` and `"a#{b}": v`: an atom made at run time. */
  private quotedAtom(t: Token): Ast {
    const meta = metaOf(t);
    return node(node(DOT, meta, [atom('erlang'), atom('binary_to_atom')]), meta, [this.stringParts(t, t.parts!), atom('utf8')]);
  }
}

const ACCESS = atom('Elixir.Access');
const STRUCT_PREFIXES = new Set(['@', '-', '+', '!', '^', 'not', '~~~']);

/** The shapes Elixir's grammar takes as a struct's name. */
function isStructName(ast: Ast): boolean {
  if (ast instanceof Atom) return true;
  if (!isNode(ast)) return false;
  if (ast.form instanceof Atom) {
    const args = ast.args;
    if (ast.form.name === '__aliases__' || !Array.isArray(args)) return true;
    if (STRUCT_PREFIXES.has(ast.form.name) && args.length === 1) return isStructName(args[0]!);
    // A call by name (`%unquote(m){}`), not an operator (`%a + b{}`).
    return /^[a-z_]/.test(ast.form.name) && !['and', 'or', 'not', 'in', 'when'].includes(ast.form.name);
  }
  const dot = ast.form;
  return dot.form === DOT && Array.isArray(dot.args) && dot.args[0] !== ACCESS;
}

function unwrapSplice(args: Ast[]): Ast[] {
  const only = args.length === 1 ? args[0] : undefined;
  if (only && isNode(only) && only.form === BLOCK && Array.isArray(only.args) && only.args.length === 1) {
    const inner = only.args[0]!;
    if (isNode(inner) && inner.form === atom('unquote_splicing')) return only.args;
  }
  return args;
}

/** `a, b when c -> …` has the arguments and the guard under one `when`. */
function unwrapWhen(args: Ast[]): Ast[] {
  const last = args[args.length - 1];
  if (last && isNode(last) && last.form === atom('when') && Array.isArray(last.args) && last.args.length === 2) {
    return [node(last.form, last.meta, [...args.slice(0, -1), ...last.args])];
  }
  return args;
}

/** A token as Elixir's parser names it in "syntax error before: …". */
function tokenText(t: Token): string {
  switch (t.type) {
    case 'int':
    case 'flt':
      return `"${t.text}"`;
    case 'char':
      return t.text!;
    case 'bin_string':
    case 'list_string':
    case 'bin_heredoc':
    case 'list_heredoc':
      return typeof t.parts?.[0] === 'string' ? `"${t.parts[0]}"` : '"';
    case 'sigil':
      return `sigil ~${t.value} starting with content '${typeof t.parts?.[0] === 'string' ? t.parts[0] : ''}'`;
    case 'kw_identifier_unsafe':
    case 'atom_unsafe':
      return '"';
    case 'true':
    case 'false':
    case 'nil':
    case 'fn':
    case 'do':
    case 'end':
      return erlangAtom(t.type);
    case 'eol':
      return 'eol';
    default:
      return t.value ? erlangAtom(t.value) : `'${t.type}'`;
  }
}
