import { Atom, ErlFloat } from '../erlang/term.js';

// Elixir's own quoted form (what `Code.string_to_quoted/2` returns), in JavaScript: the parser
// produces it and the evaluator walks it, so either can be checked against real Elixir. Literals
// quote to themselves; everything else is a three-element node {form, meta, args}.
//
//   integer      -> number (safe integers) or bigint
//   float        -> ErlFloat (1.0 is a float, 1 is not)
//   string       -> string (a UTF-8 binary literal; the parser refuses escapes that are not UTF-8)
//   atom         -> Atom (nil, true and false included)
//   list         -> Ast[] (a charlist literal 'ab' is the list of its code points)
//   2-tuple      -> AstPair (`{a, b}` and keyword pairs `a: b`)
//   anything else-> AstNode: a call `{form, meta, [args]}`, or a variable `{name, meta, context}`
//                   whose args is an atom (nil for variables written in the source)

export class AstPair {
  constructor(readonly left: Ast, readonly right: Ast) {}
}

export interface Meta {
  line: number;
  column: number;
  /** Where a node's closing delimiter is, when the parser knows (for `end` and `)`). */
  closing?: { line: number; column: number };
}

export interface AstNode {
  readonly kind: 'node';
  /** An atom for local calls, operators and special forms; a node for remote calls (`{:., …}`) and calls of calls. */
  readonly form: Atom | AstNode;
  readonly meta: Meta;
  /** Arguments of a call; an atom (the context) for a variable. */
  readonly args: Ast[] | Atom;
}

export type Ast = number | bigint | ErlFloat | string | Atom | Ast[] | AstPair | AstNode;

export const node = (form: Atom | AstNode, meta: Meta, args: Ast[] | Atom): AstNode => ({ kind: 'node', form, meta, args });

export const isNode = (ast: Ast): ast is AstNode => typeof ast === 'object' && ast !== null && (ast as AstNode).kind === 'node';

/** A variable: `{name, meta, context}` with an atom context. */
export const isVariable = (ast: Ast): ast is AstNode & { form: Atom; args: Atom } =>
  isNode(ast) && ast.form instanceof Atom && ast.args instanceof Atom;

/**
 * The JSON form of quoted ASTs, for fixtures made with real Elixir (see
 * test/fixtures/elixir/README.md): integers as numbers (`{"int": "…"}` past 2^53), floats as
 * `{"float": n}`, strings as strings, atoms as `{"atom": "name"}`, lists as arrays, 2-tuples as
 * `{"pair": [a, b]}`, nodes as `{"node": [form, {"line", "column"}, args]}`.
 */
export type AstJson =
  | number
  | string
  | { int: string }
  | { float: number }
  | { atom: string }
  | AstJson[]
  | { pair: [AstJson, AstJson] }
  | { node: [AstJson, { line?: number; column?: number }, AstJson] };

export function astFromJson(json: AstJson): Ast {
  if (typeof json === 'number' || typeof json === 'string') return json;
  if (Array.isArray(json)) return json.map(astFromJson);
  if ('int' in json) return BigInt(json.int);
  if ('float' in json) return new ErlFloat(json.float);
  if ('atom' in json) return Atom.of(json.atom);
  if ('pair' in json) return new AstPair(astFromJson(json.pair[0]), astFromJson(json.pair[1]));
  const [form, meta, args] = json.node;
  const formAst = astFromJson(form);
  if (!(formAst instanceof Atom) && !isNode(formAst)) throw new Error('a node\'s form is an atom or a node');
  const argsAst = astFromJson(args);
  if (!(argsAst instanceof Atom) && !Array.isArray(argsAst)) throw new Error('a node\'s args are a list or an atom');
  return node(formAst, { line: meta.line ?? 0, column: meta.column ?? 0 }, argsAst);
}

/** The JSON form of an AST (the inverse of astFromJson), to compare the parser's output with Elixir's. */
export function astToJson(ast: Ast): AstJson {
  if (typeof ast === 'number' || typeof ast === 'string') return ast;
  if (typeof ast === 'bigint') return Number.isSafeInteger(Number(ast)) ? Number(ast) : { int: ast.toString() };
  if (ast instanceof ErlFloat) return { float: ast.value };
  if (ast instanceof Atom) return { atom: ast.name };
  if (Array.isArray(ast)) return ast.map(astToJson);
  if (ast instanceof AstPair) return { pair: [astToJson(ast.left), astToJson(ast.right)] };
  // Line 0 is metadata Elixir leaves empty (`{:__block__, [], …}`), as astFromJson reads `{}`.
  const meta = ast.meta.line ? { line: ast.meta.line, column: ast.meta.column } : {};
  return { node: [astToJson(ast.form), meta, ast.args instanceof Atom ? astToJson(ast.args) : ast.args.map(astToJson)] };
}
