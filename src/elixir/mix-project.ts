// The entry point the package pipeline calls: evaluate mix.exs the way `mix` loads it (the
// whole file, every module body, then project/0 of the module that does `use Mix.Project`)
// and return what project/0 returned. Nothing outside the model runs: no programs, no
// network, no writes, reads only inside the project (see files.ts and stdlib/).
import { Atom, ErlMap, Tuple, atom } from '../erlang/term.js';
import type { Ast } from './ast.js';
import { parseElixir } from './parser.js';
import { isHiddenVariable } from './assumptions.js';
import { ElixirException, LimitError, MixExsError, OutsideModelError } from './errors.js';
import { Interpreter, LIMITS } from './eval.js';
import { registerAttribute } from './module.js';
import { projectFiles } from './files.js';
import { Scope, moduleDisplay, type SourceFile } from './scope.js';
import { astToValue, valueToAst } from './quoted.js';
import { moduleInToolchain, versionAtLeast } from './stdlib/system.js';
import { EXPORTS_ELIXIR_VERSION, loadedModuleExports } from './exports.js';
import { STDLIB } from './stdlib/index.js';
import { FileAccessError, type Assumptions, type ProjectFiles, type Runtime } from './runtime.js';
import { NIL, type Value } from './values.js';
import { posix } from 'node:path';

export type Parse = (source: string, file: string) => Ast;

export interface ReadOptions {
  /** The environment System.get_env reads (hexts's own secrets are hidden from it). */
  env: Readonly<Record<string, string | undefined>>;
  /** The stated toolchain and Mix's env (assumptions.ts). */
  assumptions: Assumptions;
  /** How files of the project are read; by default the disk, bounded to the project. */
  files?: ProjectFiles;
  /** The parser (tests may give real Elixir's quoted forms instead). */
  parse?: Parse;
}

export interface ProjectConfig {
  /** What project/0 returned. */
  project: Value;
  /** Mix.Project.config(): the keyword list Hex reads (project/0 over Mix's defaults). */
  config: Value[];
  /** The project module, as mix names it (`Foo.MixProject`). */
  module: string;
  /** Every answer taken from the stated toolchain or the environment, in first-use order (for --verbose). */
  assumptions: string[];
  /** What the code printed while mix.exs was read (IO.puts, IO.warn, warnings). */
  output: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
}

/** Reads and evaluates `dir/mix.exs`. Throws MixExsError (with file:line) when mix would stop, or when hexts cannot follow. */
export function readMixProject(dir: string, options: ReadOptions): ProjectConfig {
  const files = options.files ?? projectFiles(dir);
  const mixExs = posix.join(dir, 'mix.exs');
  let bytes: Buffer;
  try {
    bytes = files.read(mixExs);
  } catch (e) {
    if (e instanceof FileAccessError && e.reason === 'enoent') {
      throw new MixExsErrorPlain(`no mix.exs in ${dir}`, 'Run this in the directory of a Mix project (the one with mix.exs).');
    }
    throw new MixExsErrorPlain(`cannot read mix.exs (${e instanceof FileAccessError ? e.reason : String(e)})`, 'mix.exs must be a regular file of at most 16 MB.');
  }
  const source = decode(bytes, 'mix.exs');
  if (source.trim() === '') {
    throw new MixExsErrorPlain('mix.exs is empty', 'It must define a module that does `use Mix.Project` and returns the project from project/0.');
  }
  const evaluation = new Evaluation(dir, files, options);
  try {
    evaluation.runFile(mixExs, source, 'compile');
  } catch (e) {
    throw evaluation.finish(e);
  }
  const project = evaluation.interp.project;
  if (project) checkNesting(project.project);
  if (!project) {
    throw new MixExsErrorPlain('mix.exs defines no module that does `use Mix.Project`', 'Define one: defmodule MyApp.MixProject do use Mix.Project … def project, do: [...] end.');
  }
  return {
    project: project.project,
    config: project.config,
    module: project.module.display,
    assumptions: [...evaluation.assumed],
    output: evaluation.output,
  };
}

/** What the package pipeline walks recursively must not be nested deeper than the evaluator's own bound. */
function checkNesting(value: Value): void {
  const stack: Array<[Value, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (depth > LIMITS.depth) throw new LimitError(`project/0 returns values nested more than ${LIMITS.depth} deep`).locate({ file: 'mix.exs', line: 1 });
    const inner = Array.isArray(v) ? v : v instanceof Tuple ? v.elements : v instanceof ErlMap ? v.entries.flat() : [];
    for (const x of inner) stack.push([x, depth + 1]);
  }
}

class MixExsErrorPlain extends MixExsError {
  constructor(message: string, hint: string) {
    super(message, hint);
    this.name = 'MixExsError';
  }
}

function decode(bytes: Buffer, display: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MixExsErrorPlain(`${display} is not valid UTF-8`, 'Save it as UTF-8, as Elixir requires.');
  }
}

/** One evaluation: the interpreter and the Runtime the standard library sees. */
class Evaluation implements Runtime {
  readonly interp: Interpreter;
  readonly assumed = new Set<string>();
  readonly output: ProjectConfig['output'] = [];
  private readonly required = new Set<string>();
  readonly assumptions: Assumptions;

  constructor(
    readonly cwd: string,
    readonly files: ProjectFiles,
    private readonly options: ReadOptions,
  ) {
    this.assumptions = options.assumptions;
    this.interp = new Interpreter(this);
  }

  /** Evaluates a file at top level; what Code.require_file/compile_file/eval_file return. */
  runFile(path: string, source: string, how: 'require' | 'compile' | 'eval'): Value {
    const display = posix.relative(this.cwd, path) || path;
    const file: SourceFile = { path, dir: posix.dirname(path), display };
    const ast = (this.options.parse ?? parseElixir)(source, display);
    const scope = new Scope({ file, module: undefined, fn: undefined, inModuleBody: false });
    const before = new Set(this.interp.modules.keys());
    const value = this.interp.evalBlock(ast, scope);
    if (how === 'eval') {
      const binding = [...scope.vars].sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0)).map(([k, v]) => new Tuple([atom(k), v]));
      return new Tuple([value, binding]);
    }
    return [...this.interp.modules.keys()].filter((m) => !before.has(m)).map((m) => new Tuple([atom(m), Buffer.alloc(0)]));
  }

  evalFile(path: string, how: 'require' | 'compile' | 'eval'): Value {
    const absolute = posix.resolve(this.cwd, path);
    if (!this.files.inside(absolute)) {
      throw new OutsideModelError(`Code.${how}_file("${path}"): the file is outside the project, and hexts reads only files inside it`);
    }
    if (how === 'require') {
      if (this.required.has(absolute)) return NIL;
      this.required.add(absolute);
    }
    let bytes: Buffer;
    try {
      bytes = this.files.read(absolute);
    } catch {
      throw new ElixirException('Code.LoadError', `could not load ${absolute}. Reason: enoent`, { file: Buffer.from(absolute) });
    }
    return this.runFile(absolute, decode(bytes, path), how);
  }

  stringToQuoted(source: string, columns: boolean): Value {
    this.tick(Math.ceil(source.length / 100));
    return astToValue((this.options.parse ?? parseElixir)(source, 'nofile'), columns);
  }

  evalQuoted(quoted: Value, binding: Value): Value {
    const ast = valueToAst(quoted);
    const file: SourceFile = { path: 'nofile', dir: this.cwd, display: 'nofile' };
    const scope = new Scope({ file, module: undefined, fn: undefined, inModuleBody: false });
    if (Array.isArray(binding)) {
      for (const entry of binding) {
        if (entry instanceof Tuple && entry.elements[0] instanceof Atom) scope.vars.set(entry.elements[0].name, entry.elements[1]!);
      }
    }
    const value = this.interp.evalBlock(ast, scope);
    // Elixir returns the binding in descending order of the names.
    const vars = [...scope.vars].sort(([a], [b]) => (a < b ? 1 : a > b ? -1 : 0)).map(([k, v]) => new Tuple([atom(k), v]));
    return new Tuple([value, vars]);
  }

  /** The error to throw for what stopped the evaluation, with its place and the assumptions used until then. */
  finish(e: unknown): Error {
    let error = e as Error;
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      error = new LimitError(`mix.exs nests expressions or calls more than ${LIMITS.depth} deep`);
    }
    if (error instanceof MixExsError && !error.where) error.locate({ file: 'mix.exs', line: 1 });
    if (error instanceof Error) Object.assign(error, { assumptions: [...this.assumed] });
    return error;
  }

  getEnv(name: string): string | undefined {
    if (isHiddenVariable(name)) {
      if (this.options.env[name] !== undefined) this.assume(`System.get_env("${name}") reads as unset: hexts hides its own secrets and settings from mix.exs`);
      return undefined;
    }
    const value = this.options.env[name];
    if (value !== undefined) this.assume(`System.get_env("${name}") is set in the environment`);
    return value;
  }

  allEnv(): Array<[string, string]> {
    return Object.entries(this.options.env).filter((e): e is [string, string] => e[1] !== undefined && !isHiddenVariable(e[0]));
  }

  apply(fun: Value, args: Value[]): Value {
    return this.interp.apply(fun, args);
  }

  applyRemote(module: string, name: string, args: Value[]): Value {
    return this.interp.callRemote(module, name, args);
  }

  tick(units = 1): void {
    this.interp.tick(units);
  }

  assume(note: string): void {
    this.assumed.add(note);
  }

  print(stream: 'stdout' | 'stderr', text: string): void {
    this.output.push({ stream, text });
  }

  moduleLoaded(module: string): boolean {
    const user = this.interp.modules.get(module);
    if (user) return user.compiled;
    return moduleInToolchain(module, this);
  }

  functionExported(module: string, name: string, arity: number): boolean {
    const user = this.interp.modules.get(module);
    if (user) return user.compiled && user.functions.get(`${name}/${arity}`)?.visibility === 'def';
    if (STDLIB.has(`${moduleDisplay(module)}.${name}/${arity}`)) return true;
    if (moduleInToolchain(module, this)) return this.toolchainFunctionExported(module, name, arity);
    return false;
  }

  /** Answers from the table of Elixir 1.14.0's loaded modules: exact for 1.14, "still there" for later releases. */
  private toolchainFunctionExported(module: string, name: string, arity: number): boolean {
    const call = `function_exported?(${moduleDisplay(module)}, :${name}, ${arity})`;
    const { elixirVersion } = this.assumptions;
    const exports = module.startsWith('Elixir.') ? loadedModuleExports(moduleDisplay(module)) : undefined;
    const sameMinor = elixirVersion.split('.').slice(0, 2).join('.') === EXPORTS_ELIXIR_VERSION.split('.').slice(0, 2).join('.');
    if (exports && versionAtLeast(elixirVersion, EXPORTS_ELIXIR_VERSION)) {
      const found = exports.has(`${name}/${arity}`);
      if (found || sameMinor) {
        this.assume(`${call} is ${found} (the functions of Elixir ${EXPORTS_ELIXIR_VERSION}${sameMinor ? '' : ', which later releases keep'})`);
        return found;
      }
    }
    throw new OutsideModelError(`${call}: hexts does not know every function of Elixir ${elixirVersion}; state --elixir-version 1.14.0 if mix.exs was written for it`);
  }

  moduleAttribute(module: string, op: 'register' | 'get' | 'put', name: string, value: Value): Value {
    const state = this.interp.modules.get(module);
    if (!state || state.compiled) {
      throw new ElixirException('ArgumentError', `could not call Module.${op === 'register' ? 'register_attribute/3' : op === 'get' ? 'get_attribute/2' : 'put_attribute/3'} because the module ${moduleDisplay(module)} is already compiled`);
    }
    if (op === 'register') registerAttribute(state, name, value);
    else if (op === 'put') state.attributes.set(name, value);
    else return state.attributes.get(name) ?? NIL;
    return atom('ok');
  }

  checkSize(kind: 'binary' | 'list', size: number): void {
    if (kind === 'binary' && size > LIMITS.binaryBytes) throw new LimitError(`mix.exs builds a string longer than ${LIMITS.binaryBytes / (1024 * 1024)} MB`);
    if (kind === 'list' && size > LIMITS.listLength) throw new LimitError(`mix.exs builds a list longer than ${LIMITS.listLength} elements`);
  }
}

