// Code as data: the quoted form (ast.ts) as Elixir values and back, for Code.string_to_quoted
// and Code.eval_quoted (mix.exs files parse mix.lock this way).
import { Atom, ErlFloat, ErlMap, Tuple, atom } from '../erlang/term.js';
import { AstPair, isNode, node, type Ast } from './ast.js';
import { LimitError, argumentError } from './errors.js';
import { LIMITS } from './eval.js';
import { inspect } from './inspect.js';
import { isBinary, isFun, isKeyword, type Value } from './values.js';

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
