// Module definitions: `defmodule` bodies run statement by statement like Elixir's, `def` and
// `defp` store clauses (with the attribute values and aliases of the place they are written),
// module attributes are set, read, re-set and accumulated. A module that does
// `use Mix.Project` has its project/0 called as soon as its body is done, as mix does.
import { Atom, Tuple, atom } from '../erlang/term.js';
import { AstPair, isNode, type Ast, type AstNode, type Meta } from './ast.js';
import { ElixirException, LimitError, compileError } from './errors.js';
import { LIMITS, blocks, type Interpreter } from './eval.js';
import { inspect } from './inspect.js';
import { isLiteral, literal } from './literal.js';
import { ModuleState, Scope, type Clause, type FunctionDef } from './scope.js';
import { NIL, isKeyword, type Value } from './values.js';

const isCallTo = (a: Ast, f: string): a is AstNode & { args: Ast[] } =>
  isNode(a) && a.form instanceof Atom && a.form.name === f && Array.isArray(a.args);

/** `defmodule Name do … end`. */
export function evalModule(interp: Interpreter, args: Ast[], node: AstNode, scope: Scope): Value {
  const [nameAst, body] = args;
  const doBlock = blocks(body)?.get('do');
  if (nameAst === undefined || doBlock === undefined) throw compileError('missing :do option in "defmodule"');
  const outer = scope.ctx.module;
  let moduleName: string;
  if (isCallTo(nameAst, '__aliases__') && outer && (nameAst.args as Ast[])[0] instanceof Atom) {
    // A nested module is named after its parent, and aliased in the parent's scope.
    const segments = (nameAst.args as Atom[]).map((s) => s.name);
    moduleName = `${outer.name}.${segments.join('.')}`;
    scope.aliases.set(segments[0]!, `${outer.name}.${segments[0]}`);
  } else {
    const v = interp.eval(nameAst, scope);
    if (!(v instanceof Atom)) throw argumentError(`invalid module name: ${inspect(v)}`);
    moduleName = v.name;
  }
  const module = new ModuleState(moduleName, scope.ctx.file, node.meta);
  interp.modules.set(moduleName, module);
  // The body sees the variables around defmodule, but binds its own.
  const bodyScope = new Scope(
    { file: scope.ctx.file, module, fn: undefined, inModuleBody: true },
    new Map(scope.vars),
    new Map(scope.aliases),
    [...scope.imports],
  );
  const last = interp.evalBlock(doBlock, bodyScope);
  module.compiled = true;
  if (module.usesMixProject) pushProject(interp, module);
  return new Tuple([atom('module'), atom(moduleName), Buffer.alloc(0), last]);
}

const argumentError = (message: string) => new ElixirException('ArgumentError', message);

/** Mix.Project.push/1: the first project module wins; project/0 is called right away. */
function pushProject(interp: Interpreter, module: ModuleState): void {
  if (interp.project) {
    const other = interp.project.module;
    throw new ElixirException('Mix.Error', `Trying to load ${module.display} from "${module.file.path}" but another project with the same name was already defined at "${other.file.path}"`);
  }
  const def = module.functions.get('project/0');
  // Mix calls it from the module's after-compile callback, before the module is available.
  if (!def || def.visibility !== 'def') {
    throw new ElixirException('UndefinedFunctionError', `function ${module.display}.project/0 is undefined (function not available)`);
  }
  interp.project = { module, project: NIL, config: [] };
  const project = interp.invoke(def, []);
  interp.project.project = project;
  interp.project.config = projectConfig(project);
}

// Mix.Project.push/3's private keys (Elixir 1.15 on; 1.14 has app_path and env_path instead
// of the deps_ ones, none of which Hex reads) and the defaults Hex reads.
const PRIVATE_CONFIG = ['build_scm', 'deps_app_path', 'deps_build_path', 'app_path', 'env_path'];
const DEFAULT_CONFIG: Tuple[] = [new Tuple([atom('app'), NIL]), new Tuple([atom('deps'), []])];

/** Mix.Project.config(): Keyword.merge(defaults, project() |> Keyword.drop(private keys)), with its errors. */
function projectConfig(project: Value): Value[] {
  if (!Array.isArray(project)) throw new ElixirException('FunctionClauseError', 'no function clause matching in Keyword.drop/2');
  const kept = project.filter((entry) => {
    if (!(entry instanceof Tuple) || entry.elements.length !== 2) {
      throw new ElixirException('FunctionClauseError', 'no function clause matching in anonymous fn/1 in Keyword.drop/2');
    }
    const key = entry.elements[0]!;
    return !(key instanceof Atom && PRIVATE_CONFIG.includes(key.name));
  });
  if (!isKeyword(kept)) throw new ElixirException('ArgumentError', `expected a keyword list as the second argument, got: ${inspect(kept)}`);
  return [...DEFAULT_CONFIG.filter((d) => !kept.some((t) => t.elements[0] === d.elements[0])), ...kept];
}

/** `@name value` sets (or accumulates); `@name` reads. */
export function moduleAttribute(interp: Interpreter, arg: Ast, scope: Scope, meta: Meta): Value {
  const module = scope.ctx.module;
  if (!isNode(arg) || !(arg.form instanceof Atom)) throw compileError('invalid module attribute: @ must be followed by a name, as in @version');
  const attr = arg.form.name;
  if (!module) throw argumentError(`cannot invoke @/1 outside module`);
  if (Array.isArray(arg.args)) {
    if (!scope.ctx.inModuleBody) throw argumentError(`cannot set attribute @${attr} inside function/macro`);
    if (arg.args.length !== 1) throw argumentError(`expected 0 or 1 argument for @${attr}, got 2`);
    const value = interp.eval(arg.args[0]!, scope);
    if (module.accumulating.has(attr)) {
      const previous = module.attributes.get(attr);
      module.attributes.set(attr, [value, ...(Array.isArray(previous) ? previous : [])]);
    } else {
      module.attributes.set(attr, value);
    }
    return NIL;
  }
  return readAttribute(interp, module, attr, meta);
}

function readAttribute(interp: Interpreter, module: ModuleState, attr: string, meta: Meta): Value {
  const value = module.attributes.get(attr);
  if (value !== undefined) return value;
  if (module.accumulating.has(attr)) return [];
  interp.rt.print('stderr', `warning: undefined module attribute @${attr}, please remove access to @${attr} or explicitly set it before access\n  ${module.file.display}:${meta.line}: ${module.display} (module)\n`);
  return NIL;
}

/** Module.register_attribute(__MODULE__, name, accumulate: true). */
export function registerAttribute(module: ModuleState, name: string, opts: Value): void {
  if (isKeyword(opts) && opts.some((t) => t.elements[0] === atom('accumulate') && t.elements[1] === atom('true'))) {
    module.accumulating.add(name);
    if (!module.attributes.has(name)) module.attributes.set(name, []);
  }
}

/** `def name(args) when guard, do: body`, and the defp/defmacro variants. */
export function defineFunction(interp: Interpreter, kind: string, args: Ast[], node: AstNode, scope: Scope): Value {
  const module = scope.ctx.module;
  if (!module || !scope.ctx.inModuleBody) throw argumentError(`cannot invoke ${kind}/${args.length} ${module ? 'inside function/macro' : 'outside module'}`);
  let head = args[0]!;
  let guard: Ast | undefined;
  if (isCallTo(head, 'when')) {
    const parts = head.args as Ast[];
    guard = parts[parts.length - 1];
    head = parts[0]!;
  }
  if (!isNode(head) || !(head.form instanceof Atom)) throw compileError(`invalid syntax in ${kind}: expected a name and arguments, as in ${kind} name(arg)`);
  const fname = head.form.name;
  const rawParams = Array.isArray(head.args) ? head.args : [];
  const prepare = (a: Ast) => resolveAtDefinition(interp, a, scope, 0);
  const defaults = rawParams.map((p) => (isCallTo(p, '\\\\') ? (p.args as Ast[])[1]! : undefined));
  const params = rawParams.map((p) => prepare(isCallTo(p, '\\\\') ? (p.args as Ast[])[0]! : p));
  const arity = params.length;
  const key = `${fname}/${arity}`;
  const visibility = kind as FunctionDef['visibility'];
  let def = module.functions.get(key);
  if (def && def.visibility !== visibility) {
    throw compileError(`${kind} ${fname}/${arity} already defined as ${def.visibility} in ${module.file.display}:${def.clauses[0]?.meta.line ?? node.meta.line}`);
  }
  if (!def) {
    def = { module, name: fname, arity, visibility, clauses: [] };
    module.functions.set(key, def);
  }
  const firstDefault = defaults.findIndex((d) => d !== undefined);
  if (firstDefault >= 0) defineDefaults(interp, module, def, defaults.map((d) => (d === undefined ? undefined : prepare(d))), scope, node.meta);
  const body = args[1];
  if (body === undefined) return NIL; // a function head: only declares defaults
  const b = blocks(body);
  if (!b || !b.has('do')) throw compileError(`missing :do option in "${kind}"`);
  // A def with rescue/catch/after/else runs its body as a try.
  const bodyAst = b.size > 1 ? { kind: 'node' as const, form: atom('try'), meta: node.meta, args: [body] } : b.get('do')!;
  const clause: Clause = {
    params,
    guard: guard === undefined ? undefined : prepare(guard),
    body: prepare(bodyAst),
    file: scope.ctx.file,
    aliases: new Map(scope.aliases),
    imports: [...scope.imports],
    meta: node.meta,
  };
  def.clauses.push(clause);
  return NIL;
}

/**
 * `def f(a, b \\ 1)` also defines f/1, which calls f/2 with the default. Given m of n
 * arguments, the first defaults in order take the extra ones, as in Elixir.
 */
function defineDefaults(interp: Interpreter, module: ModuleState, def: FunctionDef, defaults: Array<Ast | undefined>, scope: Scope, meta: Meta): void {
  const required = defaults.filter((d) => d === undefined).length;
  for (let m = required; m < defaults.length; m++) {
    const key = `${def.name}/${m}`;
    if (module.functions.has(key)) continue;
    let supplied = m - required;
    let next = 0;
    const vars: Ast[] = [];
    const callArgs: Ast[] = defaults.map((d) => {
      if (d !== undefined && supplied === 0) return d;
      if (d !== undefined) supplied--;
      const v: AstNode = { kind: 'node', form: atom(`x${next++}`), meta, args: atom('nil') };
      vars.push(v);
      return v;
    });
    const call: AstNode = { kind: 'node', form: atom(def.name), meta, args: callArgs };
    module.functions.set(key, {
      module,
      name: def.name,
      arity: m,
      visibility: def.visibility,
      clauses: [{ params: vars, guard: undefined, body: call, file: scope.ctx.file, aliases: new Map(scope.aliases), imports: [...scope.imports], meta }],
    });
  }
  void interp;
}

/**
 * What Elixir decides where a def is written: `@attr` becomes the attribute's value at that
 * point, and `unquote(expr)` the value of expr in the module body.
 */
function resolveAtDefinition(interp: Interpreter, ast: Ast, scope: Scope, depth: number): Ast {
  if (depth > LIMITS.depth) throw new LimitError(`mix.exs nests expressions more than ${LIMITS.depth} deep`);
  if (Array.isArray(ast)) return ast.map((a) => resolveAtDefinition(interp, a, scope, depth + 1));
  if (ast instanceof AstPair) {
    return new AstPair(resolveAtDefinition(interp, ast.left, scope, depth + 1), resolveAtDefinition(interp, ast.right, scope, depth + 1));
  }
  if (!isNode(ast) || isLiteral(ast)) return ast;
  if (isCallTo(ast, '@')) {
    const inner = (ast.args as Ast[])[0];
    if (isNode(inner!) && inner.form instanceof Atom && inner.args instanceof Atom) {
      return literal(readAttribute(interp, scope.ctx.module!, inner.form.name, ast.meta));
    }
    return ast;
  }
  if (isCallTo(ast, 'unquote')) return literal(interp.eval((ast.args as Ast[])[0]!, scope));
  if (isCallTo(ast, 'quote')) return ast;
  const form = isNode(ast.form) ? (resolveAtDefinition(interp, ast.form, scope, depth + 1) as AstNode) : ast.form;
  const args = Array.isArray(ast.args) ? ast.args.map((a) => resolveAtDefinition(interp, a, scope, depth + 1)) : ast.args;
  return { ...ast, form, args };
}
