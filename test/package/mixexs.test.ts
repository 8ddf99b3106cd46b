import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Term } from '../../src/erlang/term.js';
import { MixExsError, MixRegex, parseMixProject, readMixProject, type LazyKeywords } from '../../src/package/mixexs/index.js';
import { CORPUS_DIR, caseNames } from '../helpers/corpus.js';
import { mixExs, show, tempDir, tempProject } from './project-helpers.js';

const dir = tempProject({ VERSION: ' 3.1.0\n', 'notes.txt': 'hello' });

/** The value of `v:` in a project whose project/0 is `[v: <expr>]`. */
function valueOf(expr: string, extra = '', env: Record<string, string> = {}, prelude = ''): Term {
  return parseMixProject(mixExs(`      v: ${expr}`, extra, prelude), dir, env).config.get('v')!;
}

function errorOf(f: () => unknown): MixExsError {
  try {
    f();
  } catch (e) {
    if (e instanceof MixExsError) return e;
    throw e;
  }
  assert.fail('expected a MixExsError');
}

describe('mix.exs values', () => {
  const table: Array<[string, string]> = [
    ['"plain"', '"plain"'],
    ['"q \\" b \\\\ n\\n t\\t s\\s e\\e"', JSON.stringify('q " b \\ n\n t\t s  e\x1b')],
    ['"\\x41\\u00e9\\u{1F600}"', JSON.stringify('Aé😀')],
    ['"a#{:b}c#{1}d#{"e"}f#{nil}g#{true}"', '"abc1defgtrue"'],
    ['"v#{@version}-#{"nested #{:x}"}"', '"v1.2.3-nested x"'],
    ['"#{[?h, "i"]}"', '"hi"'],
    ['"""\n        one\n          two\n        """', JSON.stringify('one\n  two\n')],
    ["'abc'", '[97, 98, 99]'],
    ["'a#{1}'", '[97, 49]'],
    [':foo', ':foo'],
    [':"foo-bar"', ':"foo-bar"'],
    [':"a#{1}"', ':a1'],
    [':ok?', ':ok?'],
    ['[1_000, 0x1F, 0b101, 0o17, ?a, ?\\n, -3, 1.5, 2.0e3]', '[1000, 31, 5, 15, 97, 10, -3, 1.5f, 2000f]'],
    ['[true, false, nil]', '[:true, :false, :nil]'],
    ['[a: 1, "quoted key": 2, B: 3]', '[{:a, 1}, {:"quoted key", 2}, {:B, 3}]'],
    ['[1, a: 2]', '[1, {:a, 2}]'],
    ['{:dep, "~> 1.0", only: :dev}', '{:dep, "~> 1.0", [{:only, :dev}]}'],
    ['{}', '{}'],
    ['%{"b" => 1, "a" => 2}', '%{"a" => 2, "b" => 1}'],
    ['%{"s" => 1, :a => 2, 10 => 3, {1} => 4, [1] => 5}', '%{10 => 3, :a => 2, {1} => 4, [1] => 5, "s" => 1}'],
    ['%{b: 1, a: 2, a: 3}', '%{:a => 3, :b => 1}'],
    ['Foo.Bar', ':Elixir.Foo.Bar'],
    ['~w(a b  c)', '["a", "b", "c"]'],
    ['~w(a b)a', '[:a, :b]'],
    ['~w[a b]c', '[[97], [98]]'],
    ['~w{a#{1} b}s', '["a1", "b"]'],
    ['~W<a#{1} b>', '["a#{1}", "b"]'],
    ['~s(x\\)y#{1})', '"x)y1"'],
    ['~s|a\\nb|', JSON.stringify('a\nb')],
    ['~S"raw\\n#{1}"', JSON.stringify('raw\\n#{1}')],
    ["~c'ab'", '[97, 98]'],
    ['~C/a\\n/', '[97, 92, 110]'],
    ['~s"""\n        heredoc #{1}\n        """', JSON.stringify('heredoc 1\n')],
    ['~r/\\.bak$/', '~r/\\.bak$/'],
    ['~r|^lib/.*\\.ex|i', '~r/^lib/.*\\.ex/i'],
    ['"a" <> "b" <> "c"', '"abc"'],
    ['[1] ++ [2] ++ []', '[1, 2]'],
    ['"  x \\n" |> String.trim()', '"x"'],
    ['String.trim("\\u00a0 y \\u3000")', '"y"'],
    ['String.duplicate("ab", 3)', '"ababab"'],
    ['File.read!("VERSION") |> String.trim()', '"3.1.0"'],
    ['File.read!("notes.txt")', '"hello"'],
    ['Mix.env()', ':prod'],
    ['Mix.env', ':prod'],
    ['[Mix.env() == :prod, Mix.env() != :dev, 1 == 1.0, 1 === 1.0, :a !== :a]', '[:true, :true, :true, :false, :false]'],
    ['if Mix.env() == :prod, do: "p", else: "d"', '"p"'],
    ['if(false, do: "p")', ':nil'],
    ['unless false do\n "u"\n else\n "e"\n end', '"u"'],
    ['if Mix.env() == :test do\n :t\n else\n :o\n end', ':o'],
    ['[nil || "d", false && 1, "x" && "y", true and false, false or true, not true, !nil, !1]', '["d", :false, "y", :false, :true, :false, :true, :false]'],
    ['[1 in [1, 2], 3 in [1], :a not in [:b]]', '[:true, :false, :true]'],
    ['System.get_env("SET")', '"yes"'],
    ['System.get_env("UNSET")', ':nil'],
    ['System.get_env("UNSET", "fallback")', '"fallback"'],
    ['System.get_env("SET") || "default"', '"yes"'],
    ['helper()', '"from helper"'],
    ['helper', '"from helper"'],
    ['[pick(:test), pick([1, 2]), pick({:t})]', '["test paths", 2, "other"]'],
    ['twice(:x)', '[:x, :x]'],
    ['local_block()', '[1, 1]'],
    ['@version', '"1.2.3"'],
    ['@late', '"first"'],
    ['-(1)', '-1'],
    ['(1) # trailing comment', '1'],
  ];
  const prelude = `  @version "1.2.3" # comment after an attribute
  @late "first"`;
  const extra = `
  defp helper, do: "from helper"
  defp pick(:test), do: "test paths"
  defp pick([_, b]), do: b
  defp pick({_}), do: "other"
  defp pick(s) when is_binary(s), do: "guarded"
  defp pick(_other), do: "other"
  defp twice(x), do: [x, x]
  defp local_block do
    x = 1
    _ignored = 2
    [x, x]
  end
  @late "second"
`;
  for (const [expr, expected] of table) {
    test(expr.replaceAll('\n', '⏎'), () => {
      assert.equal(show(valueOf(expr, extra, { SET: 'yes' }, prelude)), expected);
    });
  }

  test('raw bytes: "\\xFF" is one byte, charlists keep code points', () => {
    assert.deepEqual(Buffer.from(valueOf('"\\xFF"') as Uint8Array), Buffer.from([0xff]));
    assert.deepEqual(valueOf("'\\xFF'"), [0xff]);
  });

  test('~r becomes a working pattern with PCRE semantics for $', () => {
    const r = valueOf('~r/\\.bak$/') as MixRegex;
    assert.ok(r instanceof MixRegex);
    assert.ok(r.pattern.test('priv/app.css.bak'));
    assert.ok(r.pattern.test('a.bak\n'), 'PCRE $ matches before a final newline');
    assert.ok(!r.pattern.test('a.bak2'));
    const dot = valueOf('~r/^a.c$/') as MixRegex;
    assert.ok(dot.pattern.test('abc') && !dot.pattern.test('a\nc'));
    assert.ok((valueOf('~r/DRAFT/i') as MixRegex).pattern.test('x_draft.json'));
    assert.ok((valueOf('~r/\\Alib/') as MixRegex).pattern.test('lib/x') && !(valueOf('~r/\\Alib/') as MixRegex).pattern.test('x/lib'));
  });
});

describe('mix.exs structure', () => {
  test('every key of project/0 is read lazily: unsupported values fail only when read', () => {
    const source = mixExs(`      app: :lazy,
      version: "0.1.0",
      aliases: [test: fn -> :ok end, setup: &setup/1],
      releases: [lazy: [steps: [:assemble, &copy/1]]],
      weird: %{config | a: 1},
      bits: <<1, 2>>,
      struct: %URI{host: "x"},
      dialyzer: case Mix.env() do
        :prod -> []
        _ -> [flags: [:x]]
      end,
      elixirc_paths: elixirc_paths(Mix.env()),
      package: [licenses: ["MIT"], maintainers: for(x <- [1], do: x), files: ["lib"]]`,
    `  defp elixirc_paths(env) when env in [:test], do: ["lib", "test/support"]\n  defp elixirc_paths(_), do: ["lib"]`);
    const config = parseMixProject(source, dir, {}).config;
    assert.deepEqual(config.keys, ['app', 'version', 'aliases', 'releases', 'weird', 'bits', 'struct', 'dialyzer', 'elixirc_paths', 'package']);
    assert.equal(show(config.get('app')!), ':lazy');
    assert.equal(show(config.get('version')!), '"0.1.0"');
    const pkg = config.keywords('package')!;
    assert.equal(show(pkg.get('licenses')!), '["MIT"]');
    assert.equal(show(pkg.get('files')!), '["lib"]');
    assert.match(errorOf(() => pkg.get('maintainers')).message, /^mix\.exs:18:49: cannot read for$/);
    assert.match(errorOf(() => config.get('aliases')).message, /^mix\.exs:8:23: cannot read anonymous function$/);
    assert.match(errorOf(() => config.get('releases')).message, /^mix\.exs:9:44: cannot read operator &$/);
    assert.match(errorOf(() => config.get('weird')).message, /^mix\.exs:10:23: cannot read map update$/);
    assert.match(errorOf(() => config.get('bits')).message, /^mix\.exs:11:13: cannot read bitstring$/);
    assert.match(errorOf(() => config.get('struct')).message, /^mix\.exs:12:15: cannot read struct$/);
    assert.match(errorOf(() => config.get('dialyzer')).message, /^mix\.exs:13:17: cannot read case$/);
    assert.match(errorOf(() => config.get('elixirc_paths')).message, /cannot read guard of elixirc_paths\/1/);
  });

  test('package/0 and other helpers are followed lazily too', () => {
    const source = mixExs('      app: :x,\n      package: package()', `
  defp package do
    [licenses: licenses(), links: fn -> nil end]
  end
  defp licenses, do: ["MIT"]`);
    const pkg = parseMixProject(source, dir, {}).config.keywords('package')!;
    assert.deepEqual(pkg.keys, ['licenses', 'links']);
    assert.equal(show(pkg.get('licenses')!), '["MIT"]');
    assert.throws(() => pkg.get('links'), MixExsError);
  });

  test('keywords(): nil and false read as absent; an if picks its branch lazily', () => {
    const source = mixExs('      a: nil,\n      b: if(Mix.env() == :prod, do: [x: 1, y: fn -> 1 end], else: [z: 2])');
    const config = parseMixProject(source, dir, {}).config;
    assert.equal(config.keywords('a'), undefined);
    assert.equal(config.keywords('missing'), undefined);
    const b = config.keywords('b')!;
    assert.deepEqual(b.keys, ['x', 'y']);
    assert.equal(show(b.get('x')!), '1');
  });

  test('duplicate keys: get() is the first (Keyword.get), getLast() the last (Map.new)', () => {
    const config = parseMixProject(mixExs('      k: 1,\n      k: 2'), dir, {}).config;
    assert.equal(config.get('k'), 1);
    assert.equal(config.getLast('k'), 2);
  });

  test('the Mix.Project module is found among other code; def project, do: form', () => {
    const source = `Code.ensure_loaded?(Hex) and Hex.start()
defmodule Helper do
  def project, do: [app: :wrong]
end
defmodule Real.MixProject do
  use Mix.Project
  import Something
  @moduledoc false
  @doc """
  Docs.
  """
  def project, do: [app: :right, name: "Real"]
  def application, do: [mod: {Real.Application, []}]
end
`;
    const config = parseMixProject(source, dir, {}).config;
    assert.equal(show(config.get('app')!), ':right');
  });

  test('readMixProject reads mix.exs from the directory', async () => {
    const project = tempProject({ 'mix.exs': mixExs('      app: :on_disk, version: File.read!("V")'), V: '9.9.9' });
    const p = await readMixProject(project, {});
    assert.equal(p.dir, project);
    assert.equal(show(p.config.get('version')!), '"9.9.9"');
    const empty = tempDir();
    await assert.rejects(readMixProject(empty, {}), { message: `no mix.exs in ${empty}` });
    const bad = tempProject({ 'mix.exs': Buffer.from([0x64, 0x65, 0xff]) });
    await assert.rejects(readMixProject(bad, {}), /mix\.exs:1:1: cannot read mix\.exs: it is not valid UTF-8/);
  });
});

describe('mix.exs errors name the file, line and column', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['an undefined function', '      v: nope()', /^mix\.exs:6:10: cannot read call to nope\/0: no such function in the module$/],
    ['an undefined variable', '      v: nope', /^mix\.exs:6:10: cannot read undefined variable or function nope$/],
    ['an undefined attribute', '      v: @nope', /^mix\.exs:6:10: cannot read undefined module attribute @nope$/],
    ['an unknown remote call', '      v: Path.join("a", "b")', /^mix\.exs:6:10: cannot read call to Path\.join\/2$/],
    ['an unknown sigil', '      v: ~D[2020-01-01]', /^mix\.exs:6:10: cannot read sigil ~D$/],
    ['arithmetic', '      v: 1 + 2', /^mix\.exs:6:12: cannot read operator \+$/],
    ['a PCRE-only regex', '      v: ~r/(?i)x/', /^mix\.exs:6:10: cannot read regex group \(\?i$/],
    ['a float interpolation', '      v: "#{1.5}"', /^mix\.exs:6:13: cannot read interpolation of a float$/],
    ['a missing file', '      v: File.read!("NOPE")', /^mix\.exs:6:10: could not read file "NOPE": no such file or directory$/],
    ['<> on a non-string', '      v: "a" <> 1', /^mix\.exs:6:14: cannot read <> on values that are not strings$/],
    ['a pattern match', '      v: {a, b} = {1, 2}', /^mix\.exs:6:17: cannot read operator =$/],
    ['a map field access', '      v: config.app', /^mix\.exs:6:10: cannot read call to app\/0 on a value$/],
    ['a guard that would decide', '      v: pick(:other)', /^mix\.exs:10:3: cannot read guard of pick\/1$/],
    ['Access syntax', '      v: [a: 1][:a]', /^mix\.exs:6:16: cannot read operator access$/],
  ];
  for (const [what, body, message] of cases) {
    test(what, () => {
      const extra = '  defp pick(:test), do: 1\n  defp pick(x) when is_atom(x), do: 2';
      assert.match(errorOf(() => parseMixProject(mixExs(body, extra), dir, {}).config.get('v')).message, message);
    });
  }

  test('syntax errors outside any value are reported at parse time', () => {
    assert.match(errorOf(() => parseMixProject('defmodule X do\n  use Mix.Project\n  def project, do: ["open]\nend\n', dir, {})).message,
      /^mix\.exs:3:21: cannot read string: missing terminator "/);
    assert.match(errorOf(() => parseMixProject('defmodule X do\nend\nend\n', dir, {})).message, /^mix\.exs:3:1: cannot read unexpected end$/);
    assert.match(errorOf(() => parseMixProject('defmodule X do\n  def project, do: [app: :x]\nend\n', dir, {})).message,
      /^mix\.exs:1:1: cannot find a module with use Mix\.Project$/);
    assert.match(errorOf(() => parseMixProject('defmodule X do\n  use Mix.Project\nend\n', dir, {})).message,
      /^mix\.exs:1:1: cannot find def project in the Mix\.Project module$/);
    assert.match(errorOf(() => parseMixProject('defmodule X do\n  use Mix.Project\n  def project, do: $x\nend\n', dir, {})).message,
      /^mix\.exs:3:20: cannot read character "\$"$/);
  });

  test('recursion and runaway values stop with a clean error', () => {
    const loop = mixExs('      v: loop(1)', '  defp loop(x), do: [loop(x)]');
    assert.match(errorOf(() => parseMixProject(loop, dir, {}).config.get('v')).problem, /calls nested this deep/);
    const mutual = mixExs('      v: a()', '  defp a, do: b()\n  defp b, do: a()');
    assert.match(errorOf(() => parseMixProject(mutual, dir, {}).config.get('v')).problem, /calls nested this deep/);
    const lazyLoop = mixExs('      package: p()', '  defp p, do: p()');
    assert.match(errorOf(() => parseMixProject(lazyLoop, dir, {}).config.keywords('package')).problem, /calls nested this deep/);
    const doubling = Array.from({ length: 40 }, (_, i) => `  @a${i + 1} @a${i} <> @a${i}`).join('\n');
    const huge = mixExs('      v: @a40', '', `  @a0 "xxxxxxxx"\n${doubling}`);
    assert.match(errorOf(() => parseMixProject(huge, dir, {}).config.get('v')).problem, /string this long/);
    assert.match(errorOf(() => valueOf('String.duplicate("x", 100_000_000_000)')).problem, /string this long/);
    const deep = `${'['.repeat(500)}1${']'.repeat(500)}`;
    assert.match(errorOf(() => valueOf(deep)).problem, /nested this deep/);
  });
});

function readEverything(keywords: LazyKeywords, depth = 0): void {
  for (const key of keywords.keys) {
    keywords.get(key);
    if (depth < 2) {
      try {
        const nested = keywords.keywords(key);
        if (nested) readEverything(nested, depth + 1);
      } catch (e) {
        if (!(e instanceof MixExsError) || !/as a keyword list/.test(e.problem)) throw e;
      }
    }
  }
}

test('every corpus, refs and build-variants mix.exs reads completely', async () => {
  const cases = caseNames();
  assert.ok(cases.length >= 19);
  for (const name of cases) {
    const { config } = await readMixProject(join(CORPUS_DIR, name, 'project'), {});
    assert.ok(config.has('app') && config.has('version'), name);
    readEverything(config);
  }
});

describe('fuzz: random and mutated mix.exs text only ever gives MixExsError', () => {
  const corpusSources = caseNames().map((name) => readFileSync(join(CORPUS_DIR, name, 'project', 'mix.exs'), 'utf8'));
  const fragments = [
    'defmodule', 'X.MixProject', 'do', 'end', 'use Mix.Project', 'def project', 'defp p(x)', ',', 'do:', '[', ']', '{', '}',
    '%{', '(', ')', '"s"', '"#{', '}"', "'c'", ':atom', ':"q"', 'app:', '@v', '@v "1"', '|>', '<>', '++', '\n', 'fn', '->',
    '~w(', '~r/', '/', '"""', '#', 'if', 'else', 'Mix.env()', 'File.read!("VERSION")', 'String.trim()', '1_000', '0x', '?',
    '\\', '&', '=', '==', 'nil', 'when', 'x', '<<', '>>', '%', '.', ';', '=>', '|', 'not', 'in', '"k":', 'System.get_env("A")',
    'p(1)', 'p', '-', '~s"""\n', "'''", '\t', 'é', '😀',
  ];
  const soup = fc.array(fc.constantFrom(...fragments), { maxLength: 80 }).map((parts) => parts.join(' '));
  const embedded = soup.map((junk) => mixExs(`      app: :x,\n      v: ${junk},\n      w: [${junk}]`, `  defp p(x), do: ${junk}\n  @v ${junk}`));
  const mutation = fc.record({
    kind: fc.constantFrom('delete', 'insert', 'duplicate', 'replace'),
    at: fc.nat(),
    length: fc.nat({ max: 40 }),
    text: fc.oneof(fc.constantFrom(...fragments), fc.string({ unit: 'binary', maxLength: 6 })),
  });
  const mutated = fc.tuple(fc.constantFrom(...corpusSources), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([source, mutations]) => {
    let s = source;
    for (const m of mutations) {
      const at = m.at % (s.length + 1);
      if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + m.length);
      else if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
      else if (m.kind === 'duplicate') s = s.slice(0, at + m.length) + s.slice(at, at + m.length) + s.slice(at + m.length);
      else s = s.slice(0, at) + m.text + s.slice(at + m.text.length);
    }
    return s;
  });
  const randomText = fc.string({ unit: 'binary', maxLength: 300 });

  test('10,000 cases', () => {
    const started = Date.now();
    fc.assert(
      fc.property(fc.oneof(embedded, mutated, mutated, randomText), (source) => {
        const t0 = Date.now();
        try {
          const { config } = parseMixProject(source, dir, { A: 'a' });
          readEverything(config);
        } catch (e) {
          if (!(e instanceof MixExsError)) throw e;
        }
        assert.ok(Date.now() - t0 < 3000, 'one case took more than 3 s');
      }),
      { numRuns: 10_000, seed: 0x4e5e, endOnFailure: true },
    );
    assert.ok(Date.now() - started < 120_000, 'the fuzz run took more than 2 minutes');
  });
});
