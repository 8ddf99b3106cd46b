// A static reader for mix.exs: hexts builds packages without Elixir, so it reads the
// project definition from the source. See evaluator.ts for what is understood.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../../errors.js';
import { MixExsError } from './error.js';
import { Evaluator, findMixModule, type Env, type LazyKeywords } from './evaluator.js';
import { parse } from './parser.js';
import { tokenize } from './tokenizer.js';

export { MixExsError } from './error.js';
export { LazyKeywords, type Env } from './evaluator.js';
export { MixRegex } from './regex.js';

export interface MixProject {
  readonly dir: string;
  /** What `project/0` returns; each value is evaluated when first read. */
  readonly config: LazyKeywords;
}

export async function readMixProject(dir: string, env: Env): Promise<MixProject> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, 'mix.exs')); // one small file: not worth a thread-pool round trip
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      // mix says "Could not find a Mix.Project"; naming the directory says more.
      throw new CliError(`no mix.exs in ${dir}`, 'Run this in the directory of a Mix project (the one with mix.exs).');
    }
    throw e;
  }
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MixExsError({ line: 1, column: 1 }, 'cannot read mix.exs: it is not valid UTF-8');
  }
  return parseMixProject(source, dir, env);
}

/** Reads mix.exs source text; `dir` is where File.read! looks. */
export function parseMixProject(source: string, dir: string, env: Env): MixProject {
  const module = findMixModule(parse(tokenize(source)));
  return { dir, config: new Evaluator(module, dir, env).project() };
}
