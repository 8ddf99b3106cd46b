// Fuzz: whatever a mix.exs holds, evaluating it either gives a value or stops with the
// evaluator's own errors (an Elixir exception, a construct outside the model, a bound reached)
// or the parser's syntax error — never another exception, never a hang, never a stack overflow.
// The evaluator's limits (steps, depth, sizes) bound the work; a case that never ends would be
// stopped by the runner's watchdog (--test-timeout in test/run.mjs). No case is timed.
// fast-check with fixed seeds: 6,000 calls of every standard-library function of the table with
// random arguments, 4,000 random expression trees, 4,000 mutated mix.exs files.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { ElixirSyntaxError } from '../../src/elixir/error.js';
import { MixExsError } from '../../src/elixir/errors.js';
import { readMixProject } from '../../src/elixir/mix-project.js';
import { STDLIB } from '../../src/elixir/stdlib/index.js';
import { CONSTRUCTS_DIR, CORPUS_DIR, caseNames } from '../helpers/corpus.js';
import { ORACLE, PROJECTS, projectNames, sampleMixExs } from './helpers.js';


const dir = mkdtempSync(join(tmpdir(), 'hexts-evaluator-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
for (const [path, content] of Object.entries({ VERSION: '1.0.0\n', 'notes/a.txt': 'a', 'lib/x.ex': '', 'data.exs': '[1, 2]' })) {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), content);
}

/** Evaluates the source as this directory's mix.exs: only the evaluator's and the parser's errors may come out. */
function evaluate(source: string): void {
  writeFileSync(join(dir, 'mix.exs'), source);
  try {
    readMixProject(dir, { env: { FUZZ: 'x', HEX_API_KEY: 'secret' }, assumptions: ORACLE });
  } catch (e) {
    if (!(e instanceof MixExsError) && !(e instanceof ElixirSyntaxError)) throw e;
  }
}

// ------------------------------------------------------------ random values as Elixir source

const leaf = fc.oneof(
  fc.integer({ min: -5, max: 300 }).map(String),
  fc.constantFrom('0', '-1', '1.5', '2.0e3', '9_007_199_254_740_993', '?a'),
  fc.constantFrom('nil', 'true', 'false', ':ok', ':error', ':a', 'Foo', 'String', ':json', 'Mix'),
  fc.constantFrom('""', '"a"', '"a b c"', '"1.2.3"', '"~> 1.0"', '"lib/*.ex"', '"VERSION"', '"é😀"', '"\\x00\\xFF"', '"a,b"'),
  fc.constantFrom("'chars'", '~w(a b)', '~w(x y)a', '~r/a+/', '~r/(a)\\1/', '1..3', '5..1', '1..10//3'),
  fc.constantFrom('fn x -> x end', 'fn -> :z end', 'fn a, b -> {a, b} end', '&String.upcase/1', '&(&1 <> "!")', '&elem(&1, 0)'),
);

const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }).map((xs) => `[${xs.join(', ')}]`),
    fc.array(fc.tuple(fc.constantFrom('a', 'b', 'licenses', 'links', 'only'), tie('v')), { maxLength: 3 }).map((kv) => `[${kv.map(([k, v]) => `${k}: ${v}`).join(', ')}]`),
    fc.array(tie('v'), { maxLength: 3 }).map((xs) => `{${xs.join(', ')}}`),
    fc.array(fc.tuple(tie('v'), tie('v')), { maxLength: 3 }).map((kv) => `%{${kv.map(([k, v]) => `${k} => ${v}`).join(', ')}}`),
  ),
})).v;

// Every function of the table, called with random arguments.
const functions = [...STDLIB.keys()].map((key) => {
  const slash = key.lastIndexOf('/');
  const dot = key.lastIndexOf('.', slash);
  return { module: key.slice(0, dot), name: key.slice(dot + 1, slash), arity: Number(key.slice(slash + 1)) };
});
const quoteName = (name: string) => (/^[a-z_][a-zA-Z0-9_]*[?!]?$/.test(name) ? name : `"${name}"`);
const libraryCall = fc
  .constantFrom(...functions)
  .chain((f) => fc.array(value, { minLength: f.arity, maxLength: f.arity }).map((args) => `${f.module}.${quoteName(f.name)}(${args.join(', ')})`));

// Expressions around values: operators, control flow, pipes, comprehensions, matches.
const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    value,
    libraryCall,
    fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/', '<>', '++', '--', '==', '===', '<', 'and', 'or', '&&', '||', 'in', '|>', '=~', '..'), tie('e'))
      .map(([a, op, b]) => (op === '|>' ? `(${a}) |> then(fn x -> [x, ${b}] end)` : `(${a}) ${op} (${b})`)),
    fc.tuple(tie('e'), tie('e'), tie('e')).map(([c, a, b]) => `if(${c}, do: ${a}, else: ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([s, a]) => `case ${s} do\n  {x, _} -> x\n  [h | _] -> h\n  x when is_binary(x) -> ${a}\n  _ -> nil\nend`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `cond do\n  ${a} -> 1\n  ${b} -> 2\nend`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `with {:ok, x} <- ${a}, do: x, else: (_ -> ${b})`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `for x <- ${a}, do: {x, ${b}}`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(fn y -> ${a} end).(${b})`),
    fc.tuple(tie('e')).map(([a]) => `"interpolated #{${a}}"`),
    fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(x = ${a}; [x, ${b}])`),
    fc.tuple(tie('e')).map(([a]) => `helper(${a})`),
  ),
})).e;

const HELPERS = `
  @attr [1, "two", :three]
  defp helper(x) when is_list(x), do: Enum.count(x)
  defp helper({a, b}), do: [b, a]
  defp helper("p" <> rest), do: rest
  defp helper(%{a: a}), do: a
  defp helper(x), do: x`;

// ------------------------------------------------------------ mutated project files

const sources = [
  ...projectNames().map((name) => readFileSync(join(PROJECTS, name, 'mix.exs'), 'utf8')),
  ...caseNames().map((name) => readFileSync(join(CORPUS_DIR, name, 'project', 'mix.exs'), 'utf8')),
  ...caseNames(CONSTRUCTS_DIR).map((name) => readFileSync(join(CONSTRUCTS_DIR, name, 'project', 'mix.exs'), 'utf8')),
];
const PIECES = [
  ' ', '\n', ',', '(', ')', '[', ']', '{', '}', '%{', 'do', 'end', 'fn', '->', '|>', '<>', '++', '=', '^', '&', '&1', '@v', '@v 1',
  'nil', ':a', '"s"', '1', 'x', 'def f(x), do: x', 'defp project, do: []', 'if true do\n', 'raise "boom"', 'Mix.raise("x")',
  'File.read!("VERSION")', 'File.read!("/dev/zero")', 'System.get_env("FUZZ")', 'System.get_env("HEX_API_KEY")', 'Path.wildcard("**")',
  'String.duplicate("ab", 1_000_000)', 'Enum.to_list(1..2_000_000)', 'Code.eval_file("data.exs")', 'Code.require_file("mix.exs")',
  'loop()', 'defp loop, do: loop()', '__MODULE__', '__DIR__', 'use Mix.Project', 'import Foo', 'alias Foo.Bar',
];
const edit = fc.tuple(fc.nat(), fc.nat({ max: 30 }), fc.constantFrom(...PIECES), fc.integer({ min: 0, max: 2 }));
const mutated = fc.tuple(fc.constantFrom(...sources), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([source, edits]) => {
  let s = source;
  for (const [at, length, piece, kind] of edits) {
    const i = at % (s.length + 1);
    if (kind === 0) s = s.slice(0, i) + piece + s.slice(i);
    else if (kind === 1) s = s.slice(0, i) + s.slice(i + length);
    else s = s.slice(0, i) + piece + s.slice(i + length);
  }
  return s;
});

describe('fuzz: the evaluator gives a value or its own error', () => {
  test('6,000 calls of the standard library with random arguments', () => {
    fc.assert(fc.property(libraryCall, (call) => evaluate(sampleMixExs(`      v: ${call}`, HELPERS))), { numRuns: 6000, seed: 0x6c1b, endOnFailure: true });
  });

  test('4,000 random expressions', () => {
    fc.assert(fc.property(expression, (e) => evaluate(sampleMixExs(`      v: ${e}`, HELPERS))), { numRuns: 4000, seed: 0x6c1c, endOnFailure: true });
  });

  test('4,000 mutated mix.exs files', () => {
    fc.assert(fc.property(mutated, evaluate), { numRuns: 4000, seed: 0x6c1d, endOnFailure: true });
  });
});
