// The interpreter: Elixir's quoted form (ast.ts) evaluated the way the compiled code would
// run, for the part of the language project configuration uses. Special forms and Kernel
// macros are here; module definitions in module.ts; patterns in match.ts; functions of the
// standard library in stdlib/ (one table). Everything outside the model stops with an
// OutsideModelError naming the construct; every exception Elixir would raise is raised
// with its module and message.
import { Atom, ErlFloat, ErlMap, Tuple, atom } from '../erlang/term.js';
import { AstPair, isNode, type Ast, type AstNode, type Meta } from './ast.js';
import {
  ElixirException, LimitError, MixExsError, OutsideModelError, argumentError, compileError, runtimeError,
} from './errors.js';
import { inspect } from './inspect.js';
import { isLiteral, literal } from './literal.js';
import { binarySpec, guardPasses, match, matchClause, splitGuard, type Bindings } from './match.js';
import { defineFunction, evalModule, moduleAttribute } from './module.js';
import type { Runtime } from './runtime.js';
import { ModuleState, Scope, moduleDisplay, type Context, type FunctionDef } from './scope.js';
import { enumerate, toCharlist } from './stdlib/enum.js';
import { STDLIB, exceptionStruct, makeRange } from './stdlib/index.js';
import { evalSigil } from './stdlib/sigils.js';
import { toStringChars } from './stdlib/kernel.js';
import {
  FALSE, Fun, NIL, TRUE, asValue, bin, bool, isFun, isBinary, isKeyword, makeMap, mapGet, strictEquals, structName, truthy,
  type Value,
} from './values.js';

export const LIMITS = {
  steps: 5_000_000,
  depth: 1_000,
  binaryBytes: 16 * 1024 * 1024,
  listLength: 1_000_000,
};

const DOT = atom('.');
const name = (n: AstNode): string => (n.form as Atom).name;
const argsOf = (n: AstNode): Ast[] => n.args as Ast[];
const isCallTo = (a: Ast, f: string): a is AstNode & { args: Ast[] } =>
  isNode(a) && a.form instanceof Atom && a.form.name === f && Array.isArray(a.args);
const isVar = (a: Ast): a is AstNode & { form: Atom; args: Atom } => isNode(a) && a.form instanceof Atom && a.args instanceof Atom;

/** `[do: a, else: b]` as written after a macro call; undefined when the argument is not such a list. */
export function blocks(ast: Ast | undefined): Map<string, Ast> | undefined {
  if (!Array.isArray(ast)) return undefined;
  const out = new Map<string, Ast>();
  for (const item of ast) {
    if (!(item instanceof AstPair) || !(item.left instanceof Atom)) return undefined;
    if (!out.has(item.left.name)) out.set(item.left.name, item.right);
  }
  return out;
}

/** The clauses of a `do … end` block of `->` clauses. */
function clausesOf(ast: Ast | undefined, what: string): Array<{ head: Ast[]; body: Ast; meta: Meta }> {
  if (ast === undefined) return [];
  if (!Array.isArray(ast)) throw compileError(`expected -> clauses for :${what}`);
  return ast.map((c) => {
    if (!isCallTo(c, '->')) throw compileError(`expected -> clauses for :${what}`);
    const [head, body] = argsOf(c) as [Ast[], Ast];
    return { head, body, meta: c.meta };
  });
}

export interface Host {
  runtime: Runtime;
}

export class Interpreter {
  steps = 0;
  private depth = 0;
  private funCount = 0;
  readonly modules = new Map<string, ModuleState>();
  /**
   * The module that did `use Mix.Project`: what its project/0 returned when mix called it,
   * and the project configuration mix made of it (Mix.Project.config/0).
   */
  project: { module: ModuleState; project: Value; config: Value[] } | undefined;

  constructor(readonly rt: Runtime) {}

  tick(units = 1): void {
    this.steps += units;
    if (this.steps > LIMITS.steps) throw new LimitError(`evaluating mix.exs takes more than ${LIMITS.steps} steps`);
  }

  // ------------------------------------------------------------ expressions

  eval(ast: Ast, scope: Scope): Value {
    if (typeof ast === 'number' || typeof ast === 'bigint' || ast instanceof Atom || ast instanceof ErlFloat) return ast;
    if (typeof ast === 'string') return bin(ast);
    if (isLiteral(ast)) return ast.value;
    this.tick();
    if (++this.depth > LIMITS.depth) {
      this.depth--;
      throw new LimitError(`mix.exs nests expressions or calls more than ${LIMITS.depth} deep`);
    }
    try {
      if (Array.isArray(ast)) return this.evalList(ast, scope);
      if (ast instanceof AstPair) return new Tuple([this.eval(ast.left, scope), this.eval(ast.right, scope)]);
      return this.evalNode(ast, scope);
    } catch (e) {
      if (e instanceof MixExsError && isNode(ast as Ast)) e.locate(scope.where((ast as AstNode).meta));
      throw e;
    } finally {
      this.depth--;
    }
  }

  evalBlock(ast: Ast, scope: Scope): Value {
    if (isCallTo(ast, '__block__')) {
      let last: Value = NIL;
      for (const statement of argsOf(ast)) last = this.eval(statement, scope);
      return last;
    }
    return this.eval(ast, scope);
  }

  private evalList(items: Ast[], scope: Scope): Value {
    const last = items[items.length - 1];
    if (last !== undefined && isCallTo(last, '|')) {
      const heads = [...items.slice(0, -1), argsOf(last)[0]!].map((i) => this.eval(i, scope));
      const tail = this.eval(argsOf(last)[1]!, scope);
      if (!Array.isArray(tail)) throw new OutsideModelError('an improper list (a tail that is not a list)');
      return this.list(heads.concat(tail));
    }
    return this.list(items.map((i) => this.eval(i, scope)));
  }

  list(values: Value[]): Value[] {
    this.rt.checkSize('list', values.length);
    return values;
  }

  private evalNode(node: AstNode, scope: Scope): Value {
    const { form } = node;
    if (form instanceof Atom) {
      if (node.args instanceof Atom) return this.evalVariable(node as AstNode & { args: Atom }, scope);
      return this.evalForm(form.name, argsOf(node), node, scope);
    }
    if (form.form === DOT && Array.isArray(form.args)) {
      const dotArgs = form.args;
      if (dotArgs.length === 1) {
        const fun = this.eval(dotArgs[0]!, scope);
        return this.rt.apply(fun, argsOf(node).map((a) => this.eval(a, scope)));
      }
      if (dotArgs.length === 2 && dotArgs[1] instanceof Atom) return this.evalDotCall(dotArgs[0]!, dotArgs[1].name, node, scope);
    }
    throw new OutsideModelError('a call of a computed function this way');
  }

  private evalDotCall(target: Ast, fname: string, node: AstNode, scope: Scope): Value {
    if (fname === '{}') throw compileError('the multi-alias form Foo.{A, B} is only allowed in alias, import and require');
    const receiver = this.eval(target, scope);
    const args = argsOf(node);
    if (receiver instanceof ErlMap && args.length === 0) {
      const v = mapGet(receiver, atom(fname));
      if (v === undefined) throw new ElixirException('KeyError', `key :${fname} not found in: ${inspect(receiver)}`, { key: atom(fname), term: receiver });
      return v;
    }
    if (receiver instanceof Atom) return this.callRemote(receiver.name, fname, args.map((a) => this.eval(a, scope)));
    if (args.length === 0) {
      throw new ElixirException('BadMapError', `expected a map, got: ${inspect(receiver)}`, { term: receiver });
    }
    throw argumentError(`you attempted to apply a function named :${fname} on ${inspect(receiver)}. If you are using Kernel.apply/3, make sure the module is an atom. If you are trying to invoke an anonymous function, make sure you are using the dot syntax (fun.(args)) instead of a dot call without parens`);
  }

  private evalVariable(node: AstNode & { args: Atom }, scope: Scope): Value {
    const n = name(node);
    const bound = scope.vars.get(n);
    if (bound !== undefined) return bound;
    switch (n) {
      case '__MODULE__':
        return scope.ctx.module ? atom(scope.ctx.module.name) : NIL;
      case '__DIR__':
        return bin(scope.ctx.file.dir);
      case '__ENV__':
        return this.envStruct(scope, node.meta);
      case '__CALLER__':
        throw compileError('__CALLER__ is available only inside defmacro and defmacrop');
      case '__STACKTRACE__':
        return [];
      case '_':
        throw compileError('invalid use of _. "_" represents a value to be ignored in a pattern and cannot be used in expressions');
    }
    // A name without parentheses that is not a variable: Elixir before 1.15 calls the function of that name.
    if (!this.versionBefore('1.15.0')) throw compileError(`undefined variable "${n}"`);
    if (this.callableWithoutParens(n, scope)) return this.callLocal(n, [], scope);
    throw compileError(this.undefinedFunctionMessage(n, 0, scope));
  }

  private callableWithoutParens(n: string, scope: Scope): boolean {
    return (scope.ctx.module?.functions.has(`${n}/0`) ?? false) || STDLIB.has(`Kernel.${n}/0`);
  }

  versionBefore(version: string): boolean {
    const [a, b, c] = this.rt.assumptions.elixirVersion.split(/[.-]/).map(Number) as [number, number, number];
    const [x, y, z] = version.split('.').map(Number) as [number, number, number];
    return a !== x ? a < x : b !== y ? b < y : c < z;
  }

  private envStruct(scope: Scope, meta: Meta): Value {
    const fn = scope.ctx.fn;
    const [fname, arity] = fn ? fn.split('/') : [];
    return makeMap([
      [atom('__struct__'), atom('Elixir.Macro.Env')],
      [atom('file'), bin(scope.ctx.file.path)],
      [atom('line'), meta.line],
      [atom('module'), scope.ctx.module ? atom(scope.ctx.module.name) : NIL],
      [atom('function'), fname !== undefined ? new Tuple([atom(fname), Number(arity)]) : NIL],
      [atom('context'), NIL],
      [atom('aliases'), [...scope.aliases].map(([k, v]) => new Tuple([atom(`Elixir.${k}`), atom(v)]))],
    ]);
  }

  // ------------------------------------------------------------ special forms and operators

  private evalForm(f: string, args: Ast[], node: AstNode, scope: Scope): Value {
    const ev = (a: Ast) => this.eval(a, scope);
    switch (f) {
      case '__block__':
        return this.evalBlock(node, scope);
      case '__aliases__':
        return atom(this.expandAlias(args, scope));
      case '=': {
        const value = ev(args[1]!);
        const binds: Bindings = new Map();
        if (!match(this, args[0]!, value, scope, binds)) {
          throw new ElixirException('MatchError', `no match of right hand side value: ${inspect(value)}`, { term: value });
        }
        for (const [k, v] of binds) scope.vars.set(k, v);
        return value;
      }
      case '^':
        throw compileError(`misplaced operator ^${isVar(args[0]!) ? name(args[0]) : ''}\n\nThe pin operator ^ is supported only inside matches or inside custom macros`);
      case '{}':
        return new Tuple(args.map(ev));
      case '%{}':
        return this.evalMap(args, scope);
      case '%':
        return this.evalStruct(args, scope);
      case '<<>>':
        return this.evalBinary(args, scope);
      case 'fn':
        return asValue(this.makeFn(args, scope, node.meta));
      case '&':
        return asValue(this.capture(args[0]!, scope, node.meta));
      case 'case': {
        const subject = ev(args[0]!);
        const b = blocks(args[1]);
        for (const clause of clausesOf(b?.get('do'), 'do')) {
          const inner = scope.child();
          const { patterns, guard } = splitGuard(clause.head);
          if (matchClause(this, patterns, guard, [subject], inner)) return this.evalBlock(clause.body, inner);
        }
        throw new ElixirException('CaseClauseError', `no case clause matching: ${inspect(subject)}`, { term: subject });
      }
      case 'cond': {
        for (const clause of clausesOf(blocks(args[0])?.get('do'), 'do')) {
          if (clause.head.length !== 1) throw compileError('cond clauses take exactly one condition');
          const inner = scope.child();
          if (truthy(this.eval(clause.head[0]!, inner))) return this.evalBlock(clause.body, inner);
        }
        throw new ElixirException('CondClauseError', 'no cond clause evaluated to a truthy value');
      }
      case 'if':
      case 'unless': {
        const b = blocks(args[1]);
        if (args.length !== 2 || !b || !b.has('do')) throw argumentError(`invalid or duplicate keys for ${f}, only "do" and an optional "else" are permitted`);
        const condition = truthy(ev(args[0]!));
        const branch = condition === (f === 'if') ? b.get('do') : b.get('else');
        return branch === undefined ? NIL : this.evalBlock(branch, scope.child());
      }
      case 'with':
        return this.evalWith(args, scope);
      case 'for':
        return this.evalFor(args, scope);
      case 'try':
        return this.evalTry(blocks(args[0]) ?? new Map(), scope);
      case 'raise':
        throw this.raiseException(args.map(ev));
      case 'reraise':
        throw this.raiseException([ev(args[0]!)]);
      case 'throw':
        throw new ElixirException('throw', inspect(ev(args[0]!)), { kind: 'throw', value: ev(args[0]!) });
      case 'receive':
        throw new OutsideModelError('receive: mix.exs receives no messages while it loads');
      case 'quote':
        throw new OutsideModelError('quote (code as data)', 'Write the value itself instead of quoting code.');
      case 'unquote':
      case 'unquote_splicing':
        throw compileError(`${f} called outside quote`);
      case 'super':
        throw compileError('no super defined for this function');
      case '@':
        return moduleAttribute(this, args[0]!, scope, node.meta);
      case 'def': case 'defp': case 'defmacro': case 'defmacrop':
        return defineFunction(this, f, args, node, scope);
      case 'defmodule':
        return evalModule(this, args, node, scope);
      case 'defstruct': case 'defexception': case 'defdelegate': case 'defguard': case 'defguardp':
      case 'defoverridable': case 'defimpl': case 'defprotocol': case 'defrecord': case 'defrecordp':
        throw new OutsideModelError(`${f} in mix.exs`, 'A project module needs only def/defp and module attributes.');
      case 'alias':
        return this.evalAlias(args, scope);
      case 'import':
        return this.evalImport(args, scope);
      case 'require':
        return this.evalRequire(args, scope);
      case 'use':
        return this.evalUse(args, scope);
      case '|>': {
        const [value, call] = args as [Ast, Ast];
        return this.eval(pipeInto(literal(ev(value)), call), scope);
      }
      case '&&': {
        const l = ev(args[0]!);
        return truthy(l) ? ev(args[1]!) : l;
      }
      case '||': {
        const l = ev(args[0]!);
        return truthy(l) ? l : ev(args[1]!);
      }
      case 'and': case 'or': {
        const l = ev(args[0]!);
        if (l !== TRUE && l !== FALSE) throw new ElixirException('BadBooleanError', `expected a boolean on left-side of "${f}", got: ${inspect(l)}`, { term: l, operator: atom(f) });
        if (f === 'and') return l === TRUE ? ev(args[1]!) : FALSE;
        return l === TRUE ? TRUE : ev(args[1]!);
      }
      case '!':
        return bool(!truthy(ev(args[0]!)));
      case 'in':
        return this.evalIn(ev(args[0]!), ev(args[1]!));
      case 'is_nil':
        if (args.length === 1) return bool(ev(args[0]!) === NIL);
        break;
      case 'match?': {
        if (args.length !== 2) break;
        const value = ev(args[1]!);
        const { patterns, guard } = splitGuard([args[0]!]);
        return bool(matchClause(this, patterns, guard, [value], scope.child()));
      }
      case 'binding':
        return [...scope.vars].filter(([k]) => !k.startsWith('_')).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => new Tuple([atom(k), v]));
      case 'dbg':
        throw new OutsideModelError('dbg: it prints debugging output', 'Remove the dbg call.');
      case '..':
        return args.length === 0 ? makeRange(0, -1, 1) : makeRange(ev(args[0]!), ev(args[1]!), undefined);
      case '..//':
        return makeRange(ev(args[0]!), ev(args[1]!), ev(args[2]!));
    }
    if (f.startsWith('sigil_') && args.length === 2) return evalSigil(this, f.slice('sigil_'.length), args[0]!, args[1]!, scope);
    return this.callLocal(f, args, scope);
  }

  private evalIn(left: Value, right: Value): Value {
    if (Array.isArray(right)) return bool(right.some((x) => strictEquals(x, left)));
    const struct = structName(right);
    if (struct === 'Range') return STDLIB.get('Enum.member?/2')!([right, left], this.rt);
    if (right instanceof ErlMap && struct === undefined) return STDLIB.get('Enum.member?/2')!([right, left], this.rt);
    throw new ElixirException('Protocol.UndefinedError', `protocol Enumerable not implemented for ${inspect(right)} of type ${typeName(right)}`);
  }

  private evalMap(args: Ast[], scope: Scope): Value {
    if (args.length === 1 && isCallTo(args[0]!, '|')) {
      const [base, updates] = argsOf(args[0]) as [Ast, Ast];
      const map = this.eval(base, scope);
      if (!(map instanceof ErlMap)) throw new ElixirException('BadMapError', `expected a map, got: ${inspect(map)}`, { term: map });
      const pairs = this.evalPairs(Array.isArray(updates) ? updates : [updates], scope);
      for (const [k] of pairs) {
        if (mapGet(map, k) === undefined) throw new ElixirException('KeyError', `key ${inspect(k)} not found in: ${inspect(map)}`, { key: k, term: map });
      }
      return makeMap([...map.entries, ...pairs]);
    }
    return makeMap(this.evalPairs(args, scope));
  }

  private evalPairs(items: Ast[], scope: Scope): Array<[Value, Value]> {
    return items.map((item) => {
      if (!(item instanceof AstPair)) throw compileError('expected key-value pairs in a map');
      return [this.eval(item.left, scope), this.eval(item.right, scope)];
    });
  }

  private evalStruct(args: Ast[], scope: Scope): Value {
    const module = this.eval(args[0]!, scope);
    const m = module instanceof Atom ? moduleDisplay(module.name) : inspect(module);
    throw new OutsideModelError(`the struct %${m}{}`, 'Use a plain map or keyword list in mix.exs.');
  }

  private evalBinary(segments: Ast[], scope: Scope): Value {
    const chunks: Buffer[] = [];
    let size = 0;
    const push = (b: Buffer) => {
      size += b.length;
      this.rt.checkSize('binary', size);
      chunks.push(b);
    };
    for (const segment of segments) {
      if (typeof segment === 'string') {
        push(Buffer.from(segment, 'utf8'));
        continue;
      }
      if (isCallTo(segment, '::')) {
        const [expr, type] = argsOf(segment) as [Ast, Ast];
        const spec = binarySpec(this, type, scope);
        const v = this.eval(expr, scope);
        if (spec.kind === 'binary') {
          if (!isBinary(v)) throw argumentError(`construction of binary failed: segment ${chunks.length + 1} of type 'binary': expected a binary but got: ${inspect(v)}`);
          push(Buffer.from(spec.size === undefined ? v : v.subarray(0, spec.size)));
        } else if (spec.kind === 'utf8') {
          if (typeof v !== 'number' || v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
            throw argumentError(`construction of binary failed: segment ${chunks.length + 1} of type 'utf8': expected a non-negative integer encodable as utf8 but got: ${inspect(v)}`);
          }
          push(Buffer.from(String.fromCodePoint(v), 'utf8'));
        } else {
          if (typeof v !== 'number' || !Number.isInteger(v)) throw argumentError(`construction of binary failed: segment ${chunks.length + 1} of type 'integer': expected an integer but got: ${inspect(v)}`);
          push(Buffer.from([((v % 256) + 256) % 256]));
        }
        continue;
      }
      const v = this.eval(segment, scope);
      if (typeof v === 'number' && Number.isInteger(v)) push(Buffer.from([((v % 256) + 256) % 256]));
      else if (isBinary(v)) throw argumentError(`construction of binary failed: segment ${chunks.length + 1} of type 'integer': expected an integer but got: ${inspect(v)}`);
      else throw argumentError(`construction of binary failed: segment ${chunks.length + 1} of type 'integer': expected an integer but got: ${inspect(v)}`);
    }
    return Buffer.concat(chunks);
  }

  // ------------------------------------------------------------ functions

  /** `fn … end`: a closure over the variables in scope now. */
  private makeFn(clauses: Ast[], scope: Scope, meta: Meta): Fun {
    const parsed = clausesOf(clauses, 'fn').map((c) => ({ ...splitGuard(c.head), body: c.body }));
    if (parsed.length === 0) throw compileError('expected clauses to be defined with -> inside "fn"');
    const arity = parsed[0]!.patterns.length;
    if (parsed.some((c) => c.patterns.length !== arity)) throw compileError('cannot mix clauses with different arities in anonymous functions');
    const closure = scope.child();
    const label = `#Function<${this.funCount++}.${meta.line}/${arity} in ${this.funOwner(scope)}>`;
    return new Fun(arity, label, (args) => {
      for (const clause of parsed) {
        const inner = closure.child();
        if (matchClause(this, clause.patterns, clause.guard, args, inner)) return this.evalBlock(clause.body, inner);
      }
      throw new ElixirException('FunctionClauseError', `no function clause matching in anonymous fn/${arity}`);
    });
  }

  private funOwner(scope: Scope): string {
    const m = scope.ctx.module?.display;
    if (m && scope.ctx.fn) return `${m}.${scope.ctx.fn}`;
    return m ? `${m}.__MODULE__/1` : ':elixir_compiler_0.__FILE__/1';
  }

  /** `&Mod.fun/2`, `&fun/1`, `&(&1 <> "x")`. */
  private capture(expr: Ast, scope: Scope, meta: Meta): Fun {
    if (isCallTo(expr, '/') && argsOf(expr).length === 2 && typeof argsOf(expr)[1] === 'number') {
      const [target, arity] = argsOf(expr) as [Ast, number];
      if (isVar(target)) return this.localCapture(name(target), arity, scope);
      if (isNode(target) && isNode(target.form) && target.form.form === DOT && (target.form.args as Ast[]).length === 2 && argsOf(target).length === 0) {
        const [mod, fname] = target.form.args as [Ast, Atom];
        const module = this.eval(mod, scope);
        if (module instanceof Atom) {
          return new Fun(arity, `&${moduleDisplay(module.name)}.${fname.name}/${arity}`, (args) => this.callRemote(module.name, fname.name, args));
        }
      }
    }
    return this.captureExpression(expr, scope, meta);
  }

  private localCapture(fname: string, arity: number, scope: Scope): Fun {
    const module = scope.ctx.module;
    const def = module?.functions.get(`${fname}/${arity}`);
    if (def) {
      const label = `&${module!.display}.${fname}/${arity}`;
      return new Fun(arity, label, (args) => this.invoke(def, args));
    }
    const imported = this.importedModule(fname, arity, scope);
    if (imported !== undefined) {
      return new Fun(arity, `&${moduleDisplay(imported)}.${fname}/${arity}`, (args) => this.callRemote(imported, fname, args));
    }
    throw compileError(this.undefinedFunctionMessage(fname, arity, scope));
  }

  /** `&(…&1…)`: a function of as many arguments as the highest &N. */
  private captureExpression(expr: Ast, scope: Scope, meta: Meta): Fun {
    let arity = 0;
    const seen = (a: Ast, depth: number): void => {
      if (depth > LIMITS.depth) throw new LimitError(`mix.exs nests expressions more than ${LIMITS.depth} deep`);
      if (Array.isArray(a)) a.forEach((x) => seen(x, depth + 1));
      else if (a instanceof AstPair) {
        seen(a.left, depth + 1);
        seen(a.right, depth + 1);
      } else if (isNode(a)) {
        if (isCallTo(a, '&')) {
          const n = argsOf(a)[0];
          if (typeof n === 'number') arity = Math.max(arity, n);
          return; // a nested capture has its own arguments
        }
        if (isNode(a.form)) seen(a.form, depth + 1);
        if (Array.isArray(a.args)) a.args.forEach((x) => seen(x, depth + 1));
      }
    };
    seen(expr, 0);
    if (arity === 0) throw compileError(`invalid args for &, expected one of:\n\n  * &Mod.fun/arity to capture a remote function, such as &Enum.map/2\n  * &fun/arity to capture a local or imported function, such as &is_atom/1\n  * &some_code(&1, ...) containing at least one argument as &1, such as &List.flatten(&1)\n\nGot: ${inspect(NIL)}`);
    const closure = scope.child();
    const label = `#Function<${this.funCount++}.${meta.line}/${arity} in ${this.funOwner(scope)}>`;
    const body = substituteCaptureArgs(expr);
    return new Fun(arity, label, (args) => {
      const inner = closure.child();
      args.forEach((v, i) => inner.vars.set(`&${i + 1}`, v));
      return this.eval(body, inner);
    });
  }

  /** Local call: a function of the module, else an import (Kernel last). */
  callLocal(fname: string, argAsts: Ast[], scope: Scope): Value {
    const arity = argAsts.length;
    const module = scope.ctx.module;
    const def = module && !scope.ctx.inModuleBody ? module.functions.get(`${fname}/${arity}`) : undefined;
    if (def) return this.invoke(def, argAsts.map((a) => this.eval(a, scope)));
    if (fname === '&') throw compileError(`capture argument &${typeof argAsts[0] === 'number' ? argAsts[0] : ''} must be used within the capture operator &`);
    const imported = this.importedModule(fname, arity, scope);
    if (imported !== undefined) return this.callRemote(imported, fname, argAsts.map((a) => this.eval(a, scope)));
    if (module?.functions.has(`${fname}/${arity}`) && scope.ctx.inModuleBody) {
      throw compileError(`undefined function ${fname}/${arity} (there is no such import)`);
    }
    throw compileError(this.undefinedFunctionMessage(fname, arity, scope));
  }

  private undefinedFunctionMessage(fname: string, arity: number, scope: Scope): string {
    const module = scope.ctx.module;
    if (module && !scope.ctx.inModuleBody) {
      return `undefined function ${fname}/${arity} (expected ${module.display} to define such a function or for it to be imported, but none are available)`;
    }
    return `undefined function ${fname}/${arity} (there is no such import)`;
  }

  /** The module a local call resolves to through `import` (Kernel is always imported). */
  private importedModule(fname: string, arity: number, scope: Scope): string | undefined {
    for (const m of scope.imports) {
      const user = this.modules.get(m);
      if (user?.functions.get(`${fname}/${arity}`)?.visibility === 'def') return m;
      if (STDLIB.has(`${moduleDisplay(m)}.${fname}/${arity}`)) return m;
    }
    if (STDLIB.has(`Kernel.${fname}/${arity}`)) return 'Elixir.Kernel';
    // An imported module of Elixir/OTP may have the function even though the model does not.
    return scope.imports.find((m) => !this.modules.has(m));
  }

  /** Runs a def/defp with these arguments. */
  invoke(def: FunctionDef, args: Value[]): Value {
    const fn = `${def.name}/${def.arity}`;
    if (def.visibility === 'defmacro' || def.visibility === 'defmacrop') {
      throw new OutsideModelError(`the macro ${def.module.display}.${fn}`, 'Define it with def or defp.');
    }
    for (const clause of def.clauses) {
      const scope = Scope.forClause({ file: clause.file, module: def.module, fn, inModuleBody: false }, clause);
      if (matchClause(this, clause.params, clause.guard, args, scope)) return this.evalBlock(clause.body, scope);
    }
    throw new ElixirException('FunctionClauseError', `no function clause matching in ${def.module.display}.${fn}`, { args });
  }

  /** `Module.fun(args)`: functions of modules defined in evaluated code, then the standard library. */
  callRemote(module: string, fname: string, args: Value[]): Value {
    const arity = args.length;
    const display = moduleDisplay(module);
    const user = this.modules.get(module);
    if (user) {
      const def = user.functions.get(`${fname}/${arity}`);
      if (!user.compiled && user.usesMixProject === false && !def) {
        throw new ElixirException('UndefinedFunctionError', `function ${display}.${fname}/${arity} is undefined (module ${display} is not available)`);
      }
      if (def?.visibility === 'def' && user.compiled) return this.invoke(def, args);
      if (fname === '__info__' || fname === 'module_info') throw new OutsideModelError(`${display}.${fname}/${arity}`);
      throw new ElixirException('UndefinedFunctionError', `function ${display}.${fname}/${arity} is undefined or private`, { module: atom(module), function: atom(fname), arity });
    }
    const fn = STDLIB.get(`${display}.${fname}/${arity}`);
    if (fn) return fn(args, this.rt);
    if (this.rt.moduleLoaded(module)) {
      throw new OutsideModelError(`${display}.${fname}/${arity}: it is not in hexts's model of the standard library`, 'Compute the value another way, or write it literally.');
    }
    throw new ElixirException('UndefinedFunctionError', `function ${display}.${fname}/${arity} is undefined (module ${display} is not available)`, { module: atom(module), function: atom(fname), arity });
  }

  // ------------------------------------------------------------ with, for, try, raise

  private evalWith(args: Ast[], scope: Scope): Value {
    const b = blocks(args[args.length - 1]);
    if (!b || !b.has('do')) throw compileError('missing :do option in "with"');
    const inner = scope.child();
    for (const clause of args.slice(0, -1)) {
      if (isCallTo(clause, '<-')) {
        const [head, expr] = argsOf(clause) as [Ast, Ast];
        const value = this.eval(expr, inner);
        const { patterns, guard } = splitGuard([head]);
        const attempt = inner.child();
        if (!matchClause(this, patterns, guard, [value], attempt)) return this.withElse(value, b.get('else'), scope);
        for (const [k, v] of attempt.vars) inner.vars.set(k, v);
      } else {
        this.eval(clause, inner);
      }
    }
    return this.evalBlock(b.get('do')!, inner);
  }

  private withElse(value: Value, elseBlock: Ast | undefined, scope: Scope): Value {
    if (elseBlock === undefined) return value;
    for (const clause of clausesOf(elseBlock, 'else')) {
      const inner = scope.child();
      const { patterns, guard } = splitGuard(clause.head);
      if (matchClause(this, patterns, guard, [value], inner)) return this.evalBlock(clause.body, inner);
    }
    throw new ElixirException('WithClauseError', `no with clause matching: ${inspect(value)}`, { term: value });
  }

  private evalFor(args: Ast[], scope: Scope): Value {
    // `for x <- xs, reduce: 0 do … end` quotes the options and the do block as two lists.
    let end = args.length;
    const opts = new Map<string, Ast>();
    while (end > 0 && Array.isArray(args[end - 1]) && (args[end - 1] as Ast[]).length > 0 && blocks(args[end - 1])) {
      for (const [k, v] of blocks(args[end - 1])!) if (!opts.has(k)) opts.set(k, v);
      end--;
    }
    if (!opts.has('do')) throw compileError('missing :do option in "for"');
    const qualifiers = args.slice(0, end);
    const into = opts.has('into') ? this.eval(opts.get('into')!, scope) : undefined;
    const reduce = opts.has('reduce');
    let acc: Value = reduce ? this.eval(opts.get('reduce')!, scope) : NIL;
    const uniq = opts.has('uniq') && truthy(this.eval(opts.get('uniq')!, scope));
    const results: Value[] = [];
    const body = opts.get('do')!;
    const step = (i: number, s: Scope): void => {
      if (i === qualifiers.length) {
        if (reduce) {
          for (const clause of clausesOf(body, 'reduce')) {
            const inner = s.child();
            const { patterns, guard } = splitGuard(clause.head);
            if (matchClause(this, patterns, guard, [acc], inner)) {
              acc = this.evalBlock(clause.body, inner);
              return;
            }
          }
          throw new ElixirException('FunctionClauseError', 'no function clause matching in anonymous fn/1');
        }
        results.push(this.evalBlock(body, s.child()));
        this.rt.checkSize('list', results.length);
        return;
      }
      const q = qualifiers[i]!;
      if (isCallTo(q, '<-')) {
        const [head, source] = argsOf(q) as [Ast, Ast];
        const items = enumerate(this.eval(source, s), this.rt);
        const { patterns, guard } = splitGuard([head]);
        for (const item of items) {
          this.tick();
          const inner = s.child();
          if (matchClause(this, patterns, guard, [item], inner)) step(i + 1, inner);
        }
        return;
      }
      if (isCallTo(q, '<<>>')) throw new OutsideModelError('a bitstring generator in for', 'Use String.to_charlist/1 or String.graphemes/1 with a list generator.');
      const inner = s.child();
      if (truthy(this.eval(q, inner))) step(i + 1, inner);
    };
    step(0, scope.child());
    if (reduce) return acc;
    const out = uniq ? results.filter((v, i) => results.findIndex((w) => strictEquals(v, w)) === i) : results;
    if (into === undefined || (Array.isArray(into) && into.length === 0)) return out;
    return STDLIB.get('Enum.into/2')!([out, into], this.rt);
  }

  private evalTry(b: Map<string, Ast>, scope: Scope): Value {
    const after = b.get('after');
    try {
      let value: Value;
      try {
        value = this.evalBlock(b.get('do') ?? NIL, scope.child());
      } catch (e) {
        if (!(e instanceof ElixirException)) throw e;
        const handled = this.rescue(e, b, scope);
        if (handled === undefined) throw e;
        return handled.value;
      }
      const elseBlock = b.get('else');
      if (elseBlock === undefined) return value;
      for (const clause of clausesOf(elseBlock, 'else')) {
        const inner = scope.child();
        const { patterns, guard } = splitGuard(clause.head);
        if (matchClause(this, patterns, guard, [value], inner)) return this.evalBlock(clause.body, inner);
      }
      throw new ElixirException('TryClauseError', `no try clause matching: ${inspect(value)}`, { term: value });
    } finally {
      if (after !== undefined) this.evalBlock(after, scope.child());
    }
  }

  private rescue(e: ElixirException, b: Map<string, Ast>, scope: Scope): { value: Value } | undefined {
    const kind = (e.fields.kind as string | undefined) ?? 'error';
    if (kind === 'error' && b.has('rescue')) {
      if (e.module === 'CompileError') return undefined; // compile errors happen before the code runs
      const exception = exceptionStruct(e);
      for (const clause of clausesOf(b.get('rescue'), 'rescue')) {
        const inner = scope.child();
        if (this.rescueClauseMatches(clause.head[0]!, e, exception, inner)) return { value: this.evalBlock(clause.body, inner) };
      }
    }
    if (b.has('catch')) {
      const payload = kind === 'error' ? exceptionStruct(e) : (e.fields.value as Value);
      for (const clause of clausesOf(b.get('catch'), 'catch')) {
        const { patterns, guard } = splitGuard(clause.head);
        const inner = scope.child();
        const args = patterns.length === 2 ? [atom(kind), payload] : [payload];
        if (patterns.length === 1 && kind !== 'throw') continue;
        if (matchClause(this, patterns, guard, args, inner)) return { value: this.evalBlock(clause.body, inner) };
      }
    }
    return undefined;
  }

  private rescueClauseMatches(head: Ast, e: ElixirException, exception: Value, scope: Scope): boolean {
    const moduleMatches = (spec: Ast): boolean => {
      const mods = this.eval(spec, scope);
      const list = Array.isArray(mods) ? mods : [mods];
      return list.some((m) => m instanceof Atom && moduleDisplay(m.name) === e.module);
    };
    if (isCallTo(head, 'in')) {
      const [v, spec] = argsOf(head) as [Ast, Ast];
      if (!moduleMatches(spec)) return false;
      if (isVar(v) && name(v) !== '_') scope.vars.set(name(v), exception);
      return true;
    }
    if (isVar(head)) {
      if (name(head) !== '_') scope.vars.set(name(head), exception);
      return true;
    }
    return moduleMatches(head);
  }

  /** `raise "msg"`, `raise Mod`, `raise Mod, "msg"`, `raise Mod, field: value`, `raise exception`. */
  raiseException(args: Value[]): ElixirException {
    const [first, second] = args;
    if (isBinary(first)) return runtimeError(Buffer.from(first).toString('utf8'));
    if (first instanceof ErlMap && mapGet(first, atom('__exception__')) === TRUE) {
      const message = mapGet(first, atom('message'));
      const module = structName(first) ?? 'RuntimeError';
      return new ElixirException(module, isBinary(message ?? NIL) ? Buffer.from(message as Uint8Array).toString('utf8') : inspect(first));
    }
    if (first instanceof Atom) {
      const module = moduleDisplay(first.name);
      if (this.modules.has(first.name)) throw new OutsideModelError(`raising the exception ${module} defined in mix.exs`);
      if (second === undefined) return new ElixirException(module, DEFAULT_MESSAGES[module] ?? `${module} raised`);
      if (isBinary(second)) return new ElixirException(module, Buffer.from(second).toString('utf8'));
      if (isKeyword(second)) {
        const msg = second.find((t) => t.elements[0] === atom('message'))?.elements[1];
        if (msg !== undefined && isBinary(msg)) return new ElixirException(module, Buffer.from(msg).toString('utf8'));
        return new ElixirException(module, DEFAULT_MESSAGES[module] ?? `${module} raised`);
      }
    }
    return argumentError(`raise/1 and reraise/2 expect a module name, string or exception as the first argument, got: ${inspect(first ?? NIL)}`);
  }

  // ------------------------------------------------------------ aliases, imports, use

  /** `Foo.Bar` with the aliases in scope: `alias Acme.Foo` makes `Foo.Bar` mean `Acme.Foo.Bar`. */
  expandAlias(segments: Ast[], scope: Scope): string {
    const [head, ...rest] = segments;
    let base: string;
    if (head instanceof Atom) {
      const aliased = scope.aliases.get(head.name);
      base = aliased ?? `Elixir.${head.name}`;
    } else {
      const v = this.eval(head!, scope);
      if (!(v instanceof Atom)) throw argumentError(`an alias must expand to an atom at compilation time, but did not in "${inspect(v)}.${rest.map((r) => (r as Atom).name).join('.')}"`);
      base = v.name === 'nil' ? 'Elixir' : v.name.startsWith('Elixir.') || v.name === 'Elixir' ? v.name : `Elixir.${v.name}`;
    }
    return [base, ...rest.map((r) => (r as Atom).name)].join('.');
  }

  private aliasTargets(ast: Ast, scope: Scope): string[] {
    // alias Foo.{A, B}
    if (isNode(ast) && isNode(ast.form) && ast.form.form === DOT && (ast.form.args as Ast[])[1] === atom('{}')) {
      const base = this.eval((ast.form.args as Ast[])[0]!, scope) as Atom;
      return argsOf(ast).map((a) => {
        const segs = isCallTo(a, '__aliases__') ? argsOf(a).map((s) => (s as Atom).name) : [];
        return [base.name, ...segs].join('.');
      });
    }
    const v = this.eval(ast, scope);
    if (!(v instanceof Atom)) throw compileError(`invalid argument for alias, expected a compile time atom or alias, got: ${inspect(v)}`);
    return [v.name];
  }

  private evalAlias(args: Ast[], scope: Scope): Value {
    const targets = this.aliasTargets(args[0]!, scope);
    const opts = blocks(args[1]);
    const as = opts?.get('as');
    for (const target of targets) {
      let short: string;
      if (as !== undefined) {
        const a = this.eval(as, scope);
        if (!(a instanceof Atom)) throw compileError('invalid value for option :as');
        short = moduleDisplay(a.name);
      } else {
        short = moduleDisplay(target).split('.').pop()!;
      }
      scope.aliases.set(short, target);
    }
    return atom(targets[targets.length - 1]!);
  }

  private evalImport(args: Ast[], scope: Scope): Value {
    for (const target of this.aliasTargets(args[0]!, scope)) {
      if (!this.modules.has(target) && !this.rt.moduleLoaded(target)) {
        throw compileError(`module ${moduleDisplay(target)} is not loaded and could not be found`);
      }
      if (!scope.imports.includes(target)) scope.imports = [target, ...scope.imports];
    }
    return NIL;
  }

  private evalRequire(args: Ast[], scope: Scope): Value {
    const targets = this.aliasTargets(args[0]!, scope);
    for (const target of targets) {
      if (!this.modules.has(target) && !this.rt.moduleLoaded(target)) {
        throw compileError(`module ${moduleDisplay(target)} is not loaded and could not be found`);
      }
    }
    const as = blocks(args[1])?.get('as');
    if (as !== undefined) this.evalAlias(args, scope);
    return atom(targets[targets.length - 1]!);
  }

  private evalUse(args: Ast[], scope: Scope): Value {
    const target = this.eval(args[0]!, scope);
    const t = target instanceof Atom ? target.name : '';
    switch (t) {
      case 'Elixir.Mix.Project':
        if (!scope.ctx.module || !scope.ctx.inModuleBody) throw compileError('use Mix.Project must be called inside a module');
        scope.ctx.module.usesMixProject = true;
        return NIL;
      case 'Elixir.Mix.Task':
      case 'Elixir.Mix.Task.Compiler':
      case 'Elixir.Mix.Config':
        return NIL;
      case 'Elixir.Bitwise':
        return this.evalImport([args[0]!], scope);
    }
    if (target instanceof Atom && !this.modules.has(t) && !this.rt.moduleLoaded(t)) {
      throw compileError(`module ${moduleDisplay(t)} is not loaded and could not be found`);
    }
    throw new OutsideModelError(`use ${inspect(target)}: hexts does not run the macros it brings in`);
  }

  contextFor(module: ModuleState | undefined, file: Context['file'], inModuleBody: boolean): Context {
    return { file, module, fn: undefined, inModuleBody };
  }

  /** Calls a function value. */
  apply(fun: Value, args: Value[]): Value {
    if (!isFun(fun)) throw new ElixirException('BadFunctionError', `expected a function, got: ${inspect(fun)}`, { term: fun });
    if (fun.arity !== args.length) {
      throw new ElixirException('BadArityError', `${fun.label} with arity ${fun.arity} called with ${args.length === 0 ? 'no arguments' : `${args.length} argument${args.length === 1 ? '' : 's'} (${args.map((a) => inspect(a)).join(', ')})`}`);
    }
    if (++this.depth > LIMITS.depth) {
      this.depth--;
      throw new LimitError(`mix.exs nests expressions or calls more than ${LIMITS.depth} deep`);
    }
    try {
      return fun.invoke(args);
    } finally {
      this.depth--;
    }
  }

  guard(guard: Ast | undefined, scope: Scope): boolean {
    return guardPasses(this, guard, scope);
  }

  charlist(v: Value): Value {
    return toCharlist(v, this.rt);
  }

  toString(v: Value): Buffer {
    return toStringChars(v, this.rt);
  }
}

const DEFAULT_MESSAGES: Record<string, string> = {
  RuntimeError: 'runtime error',
  ArgumentError: 'argument error',
  ArithmeticError: 'bad argument in arithmetic expression',
  'Mix.Error': 'Mix.Error raised',
};

function typeName(v: Value): string {
  if (v instanceof ErlMap) return 'Map';
  if (v instanceof Tuple) return 'Tuple';
  if (v instanceof Atom) return 'Atom';
  if (v instanceof ErlFloat) return 'Float';
  if (typeof v === 'number' || typeof v === 'bigint') return 'Integer';
  if (isBinary(v)) return 'BitString';
  if (isFun(v)) return 'Function';
  return 'List';
}

/** `value |> call`: the value becomes the call's first argument. */
export function pipeInto(value: Ast, call: Ast): Ast {
  if (isNode(call)) {
    if (call.args instanceof Atom) return { ...call, args: [value] };
    if (isCallTo(call, '&') || isCallTo(call, 'fn')) {
      throw argumentError('cannot pipe into an anonymous function without calling it: use value |> (fn … end).() or value |> then(fn … end)');
    }
    return { ...call, args: [value, ...argsOf(call)] };
  }
  throw argumentError(`cannot pipe ${inspect(NIL)} into ${typeof call === 'string' ? `"${call}"` : 'a value that is not a call'}, can only pipe into local calls foo(), remote calls Foo.bar() or anonymous function calls foo.()`);
}

/** `&1` inside a capture reads the variable the capture's function bound it to. */
function substituteCaptureArgs(expr: Ast): Ast {
  const walk = (a: Ast): Ast => {
    if (Array.isArray(a)) return a.map(walk);
    if (a instanceof AstPair) return new AstPair(walk(a.left), walk(a.right));
    if (!isNode(a)) return a;
    if (isCallTo(a, '&') && typeof argsOf(a)[0] === 'number') return { kind: 'node', form: atom(`&${argsOf(a)[0]}`), meta: a.meta, args: atom('nil') };
    if (isCallTo(a, '&') || isCallTo(a, 'fn')) return a;
    return { ...a, form: isNode(a.form) ? (walk(a.form) as AstNode) : a.form, args: Array.isArray(a.args) ? a.args.map(walk) : a.args };
  };
  return walk(expr);
}
