// The evaluator on mix.exs sources of our own: values (expectations made with real Elixir
// 1.14.0), the environment model, hexts's secrets, file safety, bounds and error messages.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Tuple } from '../../src/erlang/term.js';
import { DEFAULT_ELIXIR_VERSION, DEFAULT_OTP_RELEASE, resolveAssumptions } from '../../src/elixir/assumptions.js';
import { ElixirException, LimitError, MixExsError, OutsideModelError } from '../../src/elixir/errors.js';
import { inspect } from '../../src/elixir/inspect.js';
import { readMixProject, type ProjectConfig } from '../../src/elixir/mix-project.js';
import type { Assumptions } from '../../src/elixir/runtime.js';
import type { Value } from '../../src/elixir/values.js';
import { ORACLE, sampleMixExs } from './helpers.js';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-elixir-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

interface Run {
  body: string;
  extra?: string;
  prelude?: string;
  env?: Record<string, string>;
  assumptions?: Assumptions;
  files?: Record<string, string | Buffer>;
}

function read(run: Run): ProjectConfig & { dir: string } {
  const dir = project({ VERSION: ' 3.1.0\n', ...run.files, 'mix.exs': sampleMixExs(run.body, run.extra, run.prelude) });
  return { dir, ...readMixProject(dir, { env: run.env ?? {}, assumptions: run.assumptions ?? ORACLE }) };
}

/** The value of `v:` in `[v: expr]`. */
function valueOf(expr: string, run: Omit<Run, 'body'> = {}): Value {
  const { project: value } = read({ ...run, body: `      v: ${expr}` });
  return ((value as Value[])[0] as Tuple).elements[1]!;
}

function failure(f: () => unknown): MixExsError {
  try {
    f();
  } catch (e) {
    if (e instanceof MixExsError) return e;
    throw e;
  }
  assert.fail('expected the evaluation to stop');
}

const at = (version: string, otp = '25', env: Record<string, string> = {}) => resolveAssumptions(env, { elixirVersion: version, otpRelease: otp });

describe('values, as Elixir 1.14.0 computes them', () => {
  const extra = `
  defp helper, do: "from helper"
  defp pick(:test), do: "test paths"
  defp pick([_, b]), do: b
  defp pick({_}), do: "other"
  defp pick(s) when is_binary(s), do: "guarded"
  defp pick(_other), do: "other"
  defp local_block do
    x = 1
    _ignored = 2
    [x, x]
  end
  @late "second"
`;
  const prelude = '  @version "1.2.3" # comment after an attribute\n  @late "first"';
  // Made by evaluating these expressions in one mix.exs with elixir 1.14.0 (SET=yes in the environment).
  const table: Array<[string, string]> = [
    ["\"q \\\" b \\\\ n\\n t\\t s\\s e\\e\"", "\"q \\\" b \\\\ n\\n t\\t s  e\\e\""],
    ["\"\\x41\\u00e9\\u{1F600}\"", "\"A\u00e9\ud83d\ude00\""],
    ["\"a#{:b}c#{1}d#{\"e\"}f#{nil}g#{true}\"", "\"abc1defgtrue\""],
    ["\"v#{@version}-#{\"nested #{:x}\"}\"", "\"v1.2.3-nested x\""],
    ["\"#{[?h, \"i\"]}\"", "\"hi\""],
    ["'abc'", "'abc'"],
    ["'a#{1}'", "'a1'"],
    [":\"foo-bar\"", ":\"foo-bar\""],
    [":\"a#{1}\"", ":a1"],
    ["[1_000, 0x1F, 0b101, 0o17, ?a, ?\\n, -3, 1.5, 2.0e3]", "[1000, 31, 5, 15, 97, 10, -3, 1.5, 2000.0]"],
    ["[a: 1, \"quoted key\": 2, B: 3]", "[a: 1, \"quoted key\": 2, B: 3]"],
    ["[1, a: 2]", "[1, {:a, 2}]"],
    ["{:dep, \"~> 1.0\", only: :dev}", "{:dep, \"~> 1.0\", [only: :dev]}"],
    ["%{\"s\" => 1, :a => 2, 10 => 3, {1} => 4, [1] => 5}", "%{10 => 3, :a => 2, {1} => 4, [1] => 5, \"s\" => 1}"],
    ["%{b: 1, a: 2, a: 3}", "%{a: 3, b: 1}"],
    ["Foo.Bar", "Foo.Bar"],
    ["~w(a b  c)", "[\"a\", \"b\", \"c\"]"],
    ["~w[a b]c", "['a', 'b']"],
    ["~w{a#{1} b}s", "[\"a1\", \"b\"]"],
    ["~W<a#{1} b>", "[\"a\\#{1}\", \"b\"]"],
    ["~s(x\\)y#{1})", "\"x)y1\""],
    ["~S\"raw\\n#{1}\"", "\"raw\\\\n\\#{1}\""],
    ["~C/a\\n/", "'a\\\\n'"],
    ["\"  x \\n\" |> String.trim()", "\"x\""],
    ["String.trim(\"\\u00a0 y \\u3000\")", "\"y\""],
    ["File.read!(\"VERSION\") |> String.trim()", "\"3.1.0\""],
    ["[Mix.env() == :prod, Mix.env() != :dev, 1 == 1.0, 1 === 1.0, :a !== :a]", "[false, false, true, false, false]"],
    ["if(Mix.env() == :prod, do: \"p\", else: \"d\")", "\"d\""],
    ["[nil || \"d\", false && 1, \"x\" && \"y\", true and false, false or true, not true, !nil, !1]", "[\"d\", false, \"y\", false, true, false, true, false]"],
    ["[1 in [1, 2], 3 in [1], :a not in [:b]]", "[true, false, true]"],
    ["System.get_env(\"SET\")", "\"yes\""],
    ["System.get_env(\"UNSET\", \"fallback\")", "\"fallback\""],
    ["helper()", "\"from helper\""],
    ["[pick(:test), pick([1, 2]), pick({:t}), pick(\"s\"), pick(3)]", "[\"test paths\", 2, \"other\", \"guarded\", \"other\"]"],
    ["local_block()", "[1, 1]"],
    ["@version", "\"1.2.3\""],
    ["@late", "\"first\""],
    ["-(1)", "-1"],
    ["(1) # trailing comment", "1"],
  ];
  for (const [expr, expected] of table) {
    test(expr.replaceAll('\n', '⏎'), () => {
      assert.equal(inspect(valueOf(expr, { extra, prelude, env: { SET: 'yes' } }), { unlimited: true }), expected);
    });
  }
});

describe('the environment model: what mix hex.build sees, on a stated toolchain', () => {
  test('the defaults are the newest stable Elixir and OTP; flags, then HEXTS_* variables, override them', () => {
    assert.deepEqual(resolveAssumptions({}), { elixirVersion: DEFAULT_ELIXIR_VERSION, otpRelease: DEFAULT_OTP_RELEASE, mixEnv: 'dev', mixTarget: 'host' });
    const env = { HEXTS_ELIXIR_VERSION: '1.17.3', HEXTS_OTP_RELEASE: '27', MIX_ENV: 'prod', MIX_TARGET: 'rpi4' };
    assert.deepEqual(resolveAssumptions(env), { elixirVersion: '1.17.3', otpRelease: '27', mixEnv: 'prod', mixTarget: 'rpi4' });
    assert.deepEqual(resolveAssumptions(env, { elixirVersion: '1.15.0', otpRelease: '26' }).elixirVersion, '1.15.0');
    assert.throws(() => resolveAssumptions({}, { elixirVersion: '1.15' }), /--elixir-version must be an Elixir version such as 1\.18\.4, not "1\.15"/);
    assert.throws(() => resolveAssumptions({ HEXTS_OTP_RELEASE: '25.2' }), /HEXTS_OTP_RELEASE must be an Erlang\/OTP major release such as 27, not "25\.2"/);
  });

  test('System.version(), System.otp_release() and :erlang.system_info(:otp_release) answer the stated toolchain', () => {
    const expr = '[System.version(), System.otp_release(), :erlang.system_info(:otp_release), Version.match?(System.version(), "~> 1.18")]';
    assert.equal(inspect(valueOf(expr, { assumptions: at('1.14.0', '25') })), '["1.14.0", "25", \'25\', false]');
    assert.equal(inspect(valueOf(expr, { assumptions: at('1.18.4', '27') })), '["1.18.4", "27", \'27\', true]');
  });

  test('Mix.env() is MIX_ENV, else :dev; Mix.target() MIX_TARGET, else :host', () => {
    assert.equal(inspect(valueOf('[Mix.env(), Mix.target()]')), '[:dev, :host]');
    assert.equal(inspect(valueOf('[Mix.env(), Mix.target()]', { assumptions: resolveAssumptions({ MIX_ENV: 'prod', MIX_TARGET: 'rpi4' }) })), '[:prod, :rpi4]');
  });

  test('Code.ensure_loaded? is true for the modules of the stated Elixir and OTP, false for dependencies', () => {
    const expr = '[Code.ensure_loaded?(:json), Code.ensure_loaded?(JSON), Code.ensure_loaded?(Enum), Code.ensure_loaded?(:crypto), Code.ensure_loaded?(Jason)]';
    assert.equal(inspect(valueOf(expr, { assumptions: at('1.14.0', '25') })), '[false, false, true, true, false]');
    assert.equal(inspect(valueOf(expr, { assumptions: at('1.18.0', '27') })), '[true, true, true, true, false]');
  });

  test('function_exported? answers for the modules mix has loaded, from Elixir 1.14.0\'s functions', () => {
    // Real Elixir 1.14.0 from the top of a mix.exs: [true, true, true, false, false, true].
    const expr = '[function_exported?(Mix, :path_for, 1), function_exported?(Mix.Local, :path_for, 1), function_exported?(Mix, :env, 0), function_exported?(Kernel, :if, 2), function_exported?(Jason, :encode, 1), function_exported?(Mix.Local, :archive_ebin, 1)]';
    assert.equal(inspect(valueOf(expr, { assumptions: at('1.14.0', '25') })), '[true, true, true, false, false, true]');
    // Later releases keep what 1.14 had; what 1.14 lacked may have been added, so hexts does not guess.
    assert.equal(inspect(valueOf('function_exported?(Mix, :env, 0)', { assumptions: at('1.18.0', '27') })), 'true');
    const unknown = failure(() => valueOf('function_exported?(Mix, :newer_function, 0)', { assumptions: at('1.18.0', '27') }));
    assert.ok(unknown instanceof OutsideModelError);
    assert.match(unknown.message, /function_exported\?\(Mix, :newer_function, 0\): hexts does not know every function of Elixir 1\.18\.0/);
    // A module mix has not loaded yet (Mix.Project before use Mix.Project) depends on what ran before: not guessed.
    assert.ok(failure(() => valueOf('function_exported?(Mix.Dep, :load_on_environment, 1)')) instanceof OutsideModelError);
  });

  test('Mix.compilers() is the stated Elixir\'s', () => {
    assert.equal(inspect(valueOf('Mix.compilers()', { assumptions: at('1.15.7') })), '[:yecc, :leex, :erlang, :elixir, :app]');
    assert.equal(inspect(valueOf('Mix.compilers()', { assumptions: at('1.16.0') })), '[:erlang, :elixir, :app]');
  });

  test('a name without parentheses calls the function before Elixir 1.15, and is an undefined variable from 1.15 on', () => {
    assert.equal(inspect(valueOf('helper', { extra: '  defp helper, do: :called' })), ':called');
    const e = failure(() => valueOf('helper', { extra: '  defp helper, do: :called', assumptions: at('1.15.0') }));
    assert.ok(e instanceof ElixirException);
    assert.equal(e.message, 'mix.exs:6:10: ** (CompileError) undefined variable "helper"');
  });

  test('every answer taken from the assumptions is listed, once, in order of first use', () => {
    const { assumptions } = read({ body: '      v: [Mix.env(), Mix.env(), System.version(), System.get_env("SET"), Code.ensure_loaded?(:json)]', env: { SET: '1' } });
    assert.deepEqual(assumptions, [
      'Mix.env() is :dev (MIX_ENV is not set)',
      'System.version() is "1.14.0" (the Elixir version hexts assumes)',
      'System.get_env("SET") is set in the environment',
      'Code.ensure_loaded?(:json) is false (Elixir 1.14.0, Erlang/OTP 25; dependencies are not loaded while mix reads mix.exs)',
    ]);
  });
});

describe('hexts\'s own secrets are invisible to mix.exs', () => {
  const env = {
    HEX_API_KEY: 'sekrit-key', HEX_OTP: '123456', HEXTS_HOME: '/somewhere', https_proxy: 'http://user:pw@proxy:8080',
    HTTP_PROXY: 'http://proxy:3128', VISIBLE: 'yes',
  };
  test('System.get_env reads them as unset, System.get_env/0 leaves them out, and --verbose says why', () => {
    const { project: value, assumptions } = read({
      body: '      v: [System.get_env("HEX_API_KEY"), System.get_env("HEX_OTP", "none"), System.get_env("HEXTS_HOME"), System.get_env("https_proxy"), System.fetch_env("HTTP_PROXY"), System.get_env("VISIBLE")],\n      all: System.get_env() |> Map.keys() |> Enum.sort()',
      env,
    });
    assert.equal(inspect(value), '[v: [nil, "none", nil, nil, :error, "yes"], all: ["VISIBLE"]]');
    assert.ok(!inspect(value).includes('sekrit'));
    assert.ok(assumptions.includes('System.get_env("HEX_API_KEY") reads as unset: hexts hides its own secrets and settings from mix.exs'));
    assert.ok(assumptions.includes('System.get_env("https_proxy") reads as unset: hexts hides its own secrets and settings from mix.exs'));
  });

  test('nor through :os.getenv', () => {
    assert.equal(inspect(valueOf(':os.getenv(\'HEX_API_KEY\')', { env })), 'false');
  });
});

describe('reads stay inside the project, regular files only, bounded', () => {
  test('a file outside the project: File.read! is refused, File.read and File.exists? see nothing', () => {
    const e = failure(() => valueOf('File.read!("/etc/hostname")'));
    assert.ok(e instanceof OutsideModelError);
    assert.match(e.message, /^mix\.exs:6:\d+: hexts cannot evaluate File\.read!\("\/etc\/hostname"\): the file is outside the project/);
    const { project: value, assumptions } = read({ body: '      v: [File.read("/etc/hostname"), File.exists?("/etc/hostname"), File.read("../outside")]' });
    assert.equal(inspect(value), '[v: [{:error, :enoent}, false, {:error, :enoent}]]');
    assert.ok(assumptions.some((a) => a.startsWith('File.read("/etc/hostname") reads as missing')));
  });

  test('/dev/zero and /dev/urandom, directly or through a symlink in the project, are refused at once', () => {
    for (const expr of ['File.read!("/dev/zero")', 'File.read!("/dev/urandom")', 'File.read!("zero")', 'File.read!(Path.join(__DIR__, "zero"))']) {
      const dir = project({});
      symlinkSync('/dev/zero', join(dir, 'zero'));
      writeFileSync(join(dir, 'mix.exs'), sampleMixExs(`      v: ${expr}`));
      const e = failure(() => readMixProject(dir, { env: {}, assumptions: ORACLE }));
      assert.ok(e instanceof OutsideModelError, expr);
    }
  });

  test('a FIFO in the project is refused without waiting for a writer', () => {
    const dir = project({ 'mix.exs': sampleMixExs('      v: File.read!("pipe")') });
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const e = failure(() => readMixProject(dir, { env: {}, assumptions: ORACLE }));
    assert.ok(e instanceof OutsideModelError);
    assert.match(e.message, /File\.read!\/1 of "pipe": it is not a regular file \(a FIFO, socket or device\)/);
  });

  test('a file over 16 MB is refused (the limit holds while reading)', () => {
    const dir = project({ 'mix.exs': sampleMixExs('      v: byte_size(File.read!("big"))'), big: Buffer.alloc(16 * 1024 * 1024 + 1) });
    const e = failure(() => readMixProject(dir, { env: {}, assumptions: ORACLE }));
    assert.ok(e instanceof LimitError);
    assert.match(e.message, /File\.read!\/1 of "big": the file is larger than mix\.exs may read \(16 MB\)/);
    writeFileSync(join(dir, 'big'), Buffer.alloc(16 * 1024 * 1024));
    assert.equal(inspect(readMixProject(dir, { env: {}, assumptions: ORACLE }).project), '[v: 16777216]');
  });

  test('nothing is written and nothing is run', () => {
    for (const [expr, what] of [
      ['File.write!("out.txt", "x")', /File\.write!\/2: it changes files/],
      ['File.mkdir_p!("made")', /File\.mkdir_p!\/1: it changes files/],
      ['System.cmd("touch", ["ran"])', /System\.cmd\/2: it runs a program/],
      [':os.cmd(\'touch ran\')', /:os\.cmd\/1: it runs a program/],
      ['System.put_env("X", "1")', /System\.put_env\/2: it changes the environment/],
    ] as const) {
      const { dir } = { dir: project({ 'mix.exs': sampleMixExs(`      v: ${expr}`) }) };
      const e = failure(() => readMixProject(dir, { env: {}, assumptions: ORACLE }));
      assert.ok(e instanceof OutsideModelError, expr);
      assert.match(e.message, what);
      assert.ok(!existsSync(join(dir, 'out.txt')) && !existsSync(join(dir, 'made')) && !existsSync(join(dir, 'ran')));
    }
  });
});

describe('bounded: runaway code stops with a message, never a crash or a hang', () => {
  test('unbounded recursion', () => {
    assert.ok(failure(() => valueOf('loop(1)', { extra: '  defp loop(x), do: [loop(x)]' })) instanceof LimitError);
    assert.ok(failure(() => valueOf('a()', { extra: '  defp a, do: b()\n  defp b, do: a()' })) instanceof LimitError);
  });

  test('strings and lists that grow past the limits', () => {
    const doubling = Array.from({ length: 30 }, (_, i) => `  @a${i + 1} @a${i} <> @a${i}`).join('\n');
    assert.match(failure(() => valueOf('@a30', { prelude: `  @a0 "xxxxxxxx"\n${doubling}` })).message, /builds a string longer than 16 MB/);
    assert.match(failure(() => valueOf('String.duplicate("x", 100_000_000_000)')).message, /builds a string longer than 16 MB/);
    assert.match(failure(() => valueOf('Enum.to_list(1..100_000_000)')).message, /builds a list longer than 1000000 elements/);
    assert.match(failure(() => valueOf('2 ** 1_000_000_000')).message, /takes more than|longer than/);
  });

  test('long loops run out of steps', () => {
    const e = failure(() => valueOf('Enum.reduce(1..900_000, 0, fn x, acc -> Enum.reduce(1..10, acc, fn y, a -> a + x * y end) end)'));
    assert.ok(e instanceof LimitError);
    assert.match(e.message, /takes more than 5000000 steps/);
  });

  test('catastrophic regexes match in linear time', () => {
    const long = 'a'.repeat(100_000) + 'b';
    assert.equal(inspect(valueOf(`Regex.match?(~r/(a+)+$/, String.duplicate("a", 100_000) <> "b")`)), 'false');
    assert.equal(inspect(valueOf(`String.match?(${JSON.stringify(long)}, ~r/^(a|aa)*c/)`)), 'false');
  });

  test('regex work counts against the evaluation: many linear scans of a long string stop', () => {
    const e = failure(() => valueOf('String.replace(String.duplicate("a", 200_000), ~r/(a*b)|a/, "x")'));
    assert.ok(e instanceof LimitError);
    assert.equal(inspect(valueOf('String.replace(String.duplicate("a", 2000), ~r/(a*b)|a/, "x") |> byte_size()')), '2000');
  });

  test('values nested deeper than the evaluator goes: refused, not a stack overflow', () => {
    assert.ok(failure(() => valueOf('Enum.reduce(1..100_000, [], fn _, acc -> [acc] end)')) instanceof LimitError);
    assert.ok(failure(() => valueOf('(deep = Enum.reduce(1..100_000, [], fn _, acc -> [acc] end); deep == deep)')) instanceof LimitError);
  });

  test('a regex that needs backtracking is kept as a value, and refused where it would be matched', () => {
    assert.equal(inspect(valueOf('~r/(a)\\1/')), '~r/(a)\\1/');
    const e = failure(() => valueOf('Regex.match?(~r/(a)\\1/, "aa")'));
    assert.ok(e instanceof OutsideModelError);
    assert.match(e.message, /a match with ~r\/\(a\)\\1\/: it uses a backreference, which cannot be matched in linear time/);
  });
});

describe('errors say where, and what to do', () => {
  test('an empty mix.exs says so', () => {
    const dir = project({ 'mix.exs': '  \n\n' });
    assert.match(failure(() => readMixProject(dir, { env: {}, assumptions: ORACLE })).message, /^mix\.exs is empty$/);
  });

  test('a syntax error: file, line, column and what was expected', () => {
    const dir = project({ 'mix.exs': 'defmodule X do\n  use Mix.Project\n  def project, do: [app: :x, version: "1.0.0"\nend\n' });
    assert.throws(() => readMixProject(dir, { env: {}, assumptions: ORACLE }), {
      message: 'mix.exs:4:1: unexpected reserved word: end. The "[" at line 3 is missing terminator "]"',
    });
  });

  test('no module with use Mix.Project, and project/0 missing', () => {
    const dir = project({ 'mix.exs': 'defmodule X do\n  def project, do: [app: :x]\nend\n' });
    assert.match(failure(() => readMixProject(dir, { env: {}, assumptions: ORACLE })).message, /^mix\.exs defines no module that does `use Mix\.Project`$/);
  });

  test('a construct outside the model names itself and its line, with the rewrite', () => {
    const e = failure(() => valueOf('receive do\n        x -> x\n      end'));
    assert.ok(e instanceof OutsideModelError);
    assert.equal(e.message, 'mix.exs:6:10: hexts cannot evaluate receive: mix.exs receives no messages while it loads');
    const cmd = failure(() => valueOf('System.cmd("git", ["describe"])'));
    assert.equal(cmd.hint, 'Compute the value ahead of time and keep it in a file of the project (read it with File.read!/1).');
    const unknown = failure(() => valueOf('String.jaro_distance("a", "b")'));
    assert.match(unknown.message, /String\.jaro_distance\/2: it is not in hexts's model of the standard library/);
  });

  test('a module of a dependency is not loaded while mix reads mix.exs, as in mix', () => {
    const e = failure(() => valueOf('ExDoc.version()'));
    assert.ok(e instanceof ElixirException);
    assert.equal(e.message, 'mix.exs:6:16: ** (UndefinedFunctionError) function ExDoc.version/0 is undefined (module ExDoc is not available)');
  });

  test('two project modules, as mix refuses them', () => {
    const dir = project({ 'mix.exs': 'defmodule A.MixProject do\n  use Mix.Project\n  def project, do: [app: :a]\nend\ndefmodule B.MixProject do\n  use Mix.Project\n  def project, do: [app: :b]\nend\n' });
    const e = failure(() => readMixProject(dir, { env: {}, assumptions: ORACLE }));
    assert.ok(e instanceof ElixirException && e.module === 'Mix.Error');
    assert.match(e.elixirMessage, /^Trying to load B\.MixProject from ".*mix\.exs" but another project with the same name was already defined at ".*mix\.exs"$/);
  });

  test('what mix.exs prints is kept for the command to show', () => {
    const { output } = read({ body: '      v: 1', prelude: '  IO.puts("building")\n  IO.warn("deprecated thing")' });
    assert.deepEqual(output, [{ stream: 'stdout', text: 'building\n' }, { stream: 'stderr', text: 'warning: deprecated thing\n' }]);
  });
});
