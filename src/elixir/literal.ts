import type { Ast } from './ast.js';
import type { Value } from './values.js';

/**
 * A value spliced into an AST: the piped value inserted as a call's first argument, an
 * attribute's value in a function body (Elixir reads attributes where a def is written),
 * `unquote` fragments and default arguments.
 */
export class Literal {
  constructor(readonly value: Value) {}
}

export const literal = (value: Value): Ast => new Literal(value) as unknown as Ast;

export const isLiteral = (ast: unknown): ast is Literal => ast instanceof Literal;
