// What can stop the evaluation of a mix.exs, each with the place it happened:
// - ElixirException: the code raised, as it would under Elixir (mix stops there too);
// - OutsideModelError: the code needs something hexts does not evaluate (a program, the network,
//   a write, a function outside its model of the standard library);
// - LimitError: the code takes more time, memory or nesting than a project definition needs.
import { CliError } from '../errors.js';

export interface Where {
  /** The file as mix names it (relative to the project: `mix.exs`). */
  file: string;
  line: number;
  column?: number;
}

const at = (where: Where | undefined): string =>
  where ? `${where.file}:${where.line}${where.column ? `:${where.column}` : ''}: ` : '';

/** Base of every error the evaluator throws; `where` is filled in as it leaves the construct. */
export abstract class MixExsError extends CliError {
  where: Where | undefined;
  protected constructor(readonly detail: string, hint?: string) {
    super(detail, hint);
  }

  locate(where: Where): this {
    if (!this.where) {
      this.where = where;
      this.message = this.render();
    }
    return this;
  }

  protected render(): string {
    return at(this.where) + this.detail;
  }
}

/** An Elixir exception: `module` as Elixir names it (`RuntimeError`, `Mix.Error`), and its message. */
export class ElixirException extends MixExsError {
  constructor(
    readonly module: string,
    readonly elixirMessage: string,
    /** The exception's other fields, for `rescue` clauses that read them. */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(`** (${module}) ${elixirMessage}`);
    this.name = 'ElixirException';
  }
}

export class OutsideModelError extends MixExsError {
  constructor(problem: string, hint?: string) {
    super(`hexts cannot evaluate ${problem}`, hint);
    this.name = 'OutsideModelError';
  }
}

export class LimitError extends MixExsError {
  constructor(problem: string) {
    super(problem, 'A project definition should need far less; simplify this part of mix.exs.');
    this.name = 'LimitError';
  }
}

// The exceptions the standard library raises most, with Elixir's wording.
export const argumentError = (message: string) => new ElixirException('ArgumentError', message);
export const runtimeError = (message: string) => new ElixirException('RuntimeError', message);
export const noFunctionClause = (fn: string) =>
  new ElixirException('FunctionClauseError', `no function clause matching in ${fn}`);
export const badArithmetic = () => new ElixirException('ArithmeticError', 'bad argument in arithmetic expression');
export const compileError = (message: string) => new ElixirException('CompileError', message);
