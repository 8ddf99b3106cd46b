// Code as data: the quoted form (ast.ts) as Elixir values and back, for Code.string_to_quoted
// and Code.eval_quoted (mix.exs files parse mix.lock this way); and literal data read without
// evaluating anything (mix.lock, for hexts outdated and audit).
import { Atom, ErlFloat, ErlMap, Tuple, atom } from '../erlang/term.js';
import { AstPair, isNode, node, type Ast } from './ast.js';
import { LimitError, OutsideModelError, argumentError } from './errors.js';
import { LIMITS } from './eval.js';
import { inspect } from './inspect.js';
import { isBinary, isFun, isKeyword, makeMap, type Value } from './values.js';

/** An AST as the value Code.string_to_quoted returns: nodes are {form, [line: …], args}. */
export function astToValue(ast: Ast, columns: boolean, depth = 0): Value {
  if (depth > LIMITS.depth) throw new LimitError(`quoted code nests more than ${LIMITS.depth} deep`);
  if (typeof ast === 'string') return Buffer.from(ast, 'utf8');
  if (typeof ast === 'number' || typeof ast === 'bigint' || ast instanceof Atom || ast instanceof ErlFloat) return ast;
  if (Array.isArray(ast)) return ast.map((a) => astToValue(a, columns, depth + 1));
  if (ast instanceof AstPair) return new Tuple([astToValue(ast.left, columns, depth + 1), astToValue(ast.right, columns, depth + 1)]);
  const meta: Value[] = [new Tuple([atom('line'), ast.meta.line])];
  if (columns) meta.push(new Tuple([atom('column'), ast.meta.column]));
  const form = ast.form instanceof Atom ? ast.form : astToValue(ast.form, columns, depth + 1);
  const args = ast.args instanceof Atom ? ast.args : ast.args.map((a) => astToValue(a, columns, depth + 1));
  return new Tuple([form, meta, args]);
}

/** A quoted value as an AST to evaluate (Code.eval_quoted); literals quote to themselves. */
export function valueToAst(v: Value, depth = 0): Ast {
  if (depth > LIMITS.depth) throw new LimitError(`quoted code nests more than ${LIMITS.depth} deep`);
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof Atom || v instanceof ErlFloat) return v;
  if (isBinary(v)) {
    const text = Buffer.from(v).toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(v)) throw argumentError(`invalid quoted expression: ${inspect(v)}`);
    return text;
  }
  if (Array.isArray(v)) return v.map((x) => valueToAst(x, depth + 1));
  if (v instanceof Tuple) {
    const [a, b, c] = v.elements;
    if (v.elements.length === 2) return new AstPair(valueToAst(a!, depth + 1), valueToAst(b!, depth + 1));
    if (v.elements.length === 3 && Array.isArray(b) && (isKeyword(b) || b.length === 0) && (Array.isArray(c) || c instanceof Atom)) {
      const line = (b as Tuple[]).find((t) => t.elements[0] === atom('line'))?.elements[1];
      const column = (b as Tuple[]).find((t) => t.elements[0] === atom('column'))?.elements[1];
      const meta = { line: typeof line === 'number' ? line : 0, column: typeof column === 'number' ? column : 0 };
      const form = a instanceof Atom ? a : valueToAst(a!, depth + 1);
      if (!(form instanceof Atom) && !isNode(form)) throw argumentError(`invalid quoted expression: ${inspect(v)}`);
      return node(form, meta, c instanceof Atom ? c : (c as Value[]).map((x) => valueToAst(x, depth + 1)));
    }
  }
  if (v instanceof ErlMap || v instanceof Tuple || isFun(v)) throw argumentError(`invalid quoted expression: ${inspect(v)}\n\nPlease make sure your quoted expressions are made of valid AST nodes. If you would like to introduce a value into the AST, such as a four-element tuple or a map, make sure to call Macro.escape/1 before`);
  throw argumentError(`invalid quoted expression: ${inspect(v)}`);
}

/**
 * The value of a quoted literal, computed without evaluating anything: numbers, strings, atoms,
 * lists, tuples, maps and negative numbers, as `Code.eval_quoted` would return them. Any other
 * construct (a call, a variable, interpolation, a sigil, a map update) is refused with its
 * place: data files such as mix.lock hold literals only, and reading one must not run code.
 */
export function quotedLiteral(ast: Ast, file: string, depth = 0): Value {
  if (depth > LIMITS.depth) throw new LimitError(`${file} nests more than ${LIMITS.depth} deep`);
  if (typeof ast === 'string') return Buffer.from(ast, 'utf8');
  if (typeof ast === 'number' || typeof ast === 'bigint' || ast instanceof Atom || ast instanceof ErlFloat) return ast;
  if (Array.isArray(ast)) return ast.map((a) => quotedLiteral(a, file, depth + 1));
  if (ast instanceof AstPair) return new Tuple([quotedLiteral(ast.left, file, depth + 1), quotedLiteral(ast.right, file, depth + 1)]);
  const args = Array.isArray(ast.args) ? ast.args : undefined;
  if (ast.form === atom('{}') && args) return new Tuple(args.map((a) => quotedLiteral(a, file, depth + 1)));
  if (ast.form === atom('%{}') && args && args.every((a) => a instanceof AstPair)) {
    return makeMap((args as AstPair[]).map((p) => [quotedLiteral(p.left, file, depth + 1), quotedLiteral(p.right, file, depth + 1)] as const));
  }
  if (ast.form === atom('-') && args?.length === 1 && (typeof args[0] === 'number' || typeof args[0] === 'bigint' || args[0] instanceof ErlFloat)) {
    const n = args[0];
    return n instanceof ErlFloat ? new ErlFloat(-n.value) : typeof n === 'bigint' ? -n : 0 - n;
  }
  const what = isNode(ast) && ast.form instanceof Atom ? (ast.args instanceof Atom ? `the variable ${ast.form.name}` : `\`${ast.form.name}\``) : 'a remote call';
  throw new OutsideModelError(`${what} in ${file}, which must hold data only (maps, tuples, lists, strings, atoms, numbers)`)
    .locate({ file, line: ast.meta.line, column: ast.meta.column || undefined });
}
