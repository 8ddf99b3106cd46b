import { CliError } from '../errors.js';

/**
 * Elixir source that does not parse, reported as the compiler does: `file:line:column: what`.
 * `kind` is the exception Elixir raises for it: TokenMissingError when the input ends too early
 * (a missing terminator, an incomplete expression), SyntaxError otherwise.
 */
export class ElixirSyntaxError extends CliError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly description: string,
    readonly kind: 'SyntaxError' | 'TokenMissingError' = 'SyntaxError',
  ) {
    super(`${file}:${line}:${column}: ${description}`);
    this.name = 'ElixirSyntaxError';
  }
}
