import { CliError } from '../../errors.js';

export interface Pos {
  line: number;
  column: number;
}

/** A mix.exs hexts cannot read statically: names the file, line, column and what was not understood. */
export class MixExsError extends CliError {
  constructor(
    readonly pos: Pos,
    readonly problem: string,
  ) {
    super(`mix.exs:${pos.line}:${pos.column}: ${problem}`);
    this.name = 'MixExsError';
  }
}
