// Shared by the evaluator tests: fixture projects with what real Elixir made of them
// (test/fixtures/elixir/README.md), and the evaluator's answer in the same printed form.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErlMap, Tuple, atom } from '../../src/erlang/term.js';
import { astFromJson, type AstJson } from '../../src/elixir/ast.js';
import { resolveAssumptions } from '../../src/elixir/assumptions.js';
import { ElixirException } from '../../src/elixir/errors.js';
import { inspect } from '../../src/elixir/inspect.js';
import { readMixProject, type Parse, type ReadOptions } from '../../src/elixir/mix-project.js';
import { parseElixir } from '../../src/elixir/parser.js';
import { ElixirRegex } from '../../src/elixir/regex.js';
import { isFun, makeMap, structName, type Value } from '../../src/elixir/values.js';

export const PROJECTS = fileURLToPath(new URL('../fixtures/elixir/projects/', import.meta.url));

export const projectNames = (): string[] =>
  readdirSync(PROJECTS, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.endsWith('.quoted'))
    .map((e) => e.name)
    .sort();

/** Parses with the quoted forms real Elixir made for the project's files; code built while running (Code.eval_string) with the parser. */
export function fixtureParse(name: string): Parse {
  return (source, file) =>
    file === 'nofile'
      ? parseElixir(source, file)
      : astFromJson(JSON.parse(readFileSync(join(PROJECTS, `${name}.quoted`, `${file}.json`), 'utf8')) as AstJson);
}

/** The environment the expectations were made in (make-expected.sh). */
export function fixtureEnv(name: string): Record<string, string> {
  const env: Record<string, string> = { HOME: '/nonexistent', PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
  try {
    for (const line of readFileSync(join(PROJECTS, `${name}.env`), 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
    }
  } catch {
    // no extra variables
  }
  return env;
}

/** The toolchain the expectations were made with. */
export const ORACLE = resolveAssumptions({}, { elixirVersion: '1.14.0', otpRelease: '25' });

/** Functions print as :"#Function/ARITY", as eval-project.exs prints them. */
function normalize(v: Value): Value {
  if (isFun(v)) return atom(`#Function/${v.arity}`);
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Tuple) return new Tuple(v.elements.map(normalize));
  if (v instanceof ElixirRegex || structName(v) !== undefined) return v;
  if (v instanceof ErlMap) return makeMap(v.entries.map(([k, x]) => [normalize(k), normalize(x)]));
  return v;
}

/** The evaluator's answer as eval-project.exs prints real Elixir's. */
export function evaluateFixture(name: string, options: Partial<ReadOptions> = {}): string {
  try {
    const project = readMixProject(join(PROJECTS, name), {
      env: fixtureEnv(name),
      assumptions: ORACLE,
      parse: fixtureParse(name),
      ...options,
    });
    return inspect(normalize(project.project), { unlimited: true });
  } catch (e) {
    if (!(e instanceof ElixirException)) throw e;
    const at = e.module === 'CompileError' && e.where ? `${e.where.file}:${e.where.line}: ` : '';
    return withoutFunctionIds(`** (${e.module}) ${at}${e.elixirMessage.split('\n')[0]}`);
  }
}

// A function's inspect names its place in compiled code with numbers of its own.
const withoutFunctionIds = (text: string) => text.replace(/#Function<[\d.]+\//g, '#Function<…/');

export const expectedOf = (name: string): string => withoutFunctionIds(readFileSync(join(PROJECTS, `${name}.expected.txt`), 'utf8').trimEnd());

/** A project in a fresh directory whose project/0 returns `[…body…]`, with module code after it and before it. */
export function sampleMixExs(body: string, extra = '', prelude = ''): string {
  return `defmodule Sample.MixProject do\n  use Mix.Project\n${prelude}\n  def project do\n    [\n${body}\n    ]\n  end\n${extra}\nend\n`;
}
