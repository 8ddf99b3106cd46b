// Evaluates the subset of Elixir that mix.exs files use to describe a project. Everything
// is lazy: `project/0` is read as a keyword list whose values are evaluated only when asked
// for, so constructs outside the subset fail only if hexts needs the value they produce.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Atom, ErlFloat, Tuple, atom, termEquals, type Term } from '../../erlang/term.js';
import { MixExsError, type Pos } from './error.js';
import { unescape, type Node, type StrPart } from './parser.js';
import { compileRegex } from './regex.js';
import {
  NIL, compareTerms, isKeywordList, looseEquals, makeMap, splitWords, toElixirString, trimBinary, truthy,
} from './values.js';

export type Env = Readonly<Record<string, string | undefined>>;

interface Clause {
  params: Node[];
  guard: boolean;
  body: Node;
  pos: Pos;
}

interface AttributeDef {
  value: Node;
  pos: Pos;
}

export interface MixModule {
  pos: Pos;
  functions: Map<string, Clause[]>; // by "name/arity", clauses in source order
  attributes: Map<string, AttributeDef[]>; // in source order
}

/** Variables in scope, and where the code sits (a module attribute reads its latest earlier definition). */
interface Scope {
  vars: ReadonlyMap<string, Term>;
  at: Pos;
}

const MAX_CALL_DEPTH = 100;
const MAX_NESTING = 1000; // nested evaluations, kept well inside the JavaScript stack
const MAX_STEPS = 1_000_000;
const MAX_BINARY_BYTES = 16 * 1024 * 1024;
const MAX_LIST_LENGTH = 1_000_000;

const SPECIAL_FORMS = new Set(['case', 'cond', 'for', 'with', 'try', 'receive', 'quote', 'unquote', 'if', 'unless', 'raise', 'throw']);

type Resolved = { list: Extract<Node, { k: 'list' }>; scope: Scope } | { value: Term };

/** A keyword list whose values are evaluated on first use. */
export class LazyKeywords {
  constructor(private readonly entries: ReadonlyArray<{ key: string; value: () => Term; keywords: () => LazyKeywords | undefined }>) {}

  /** The keys in source order (duplicates included). */
  get keys(): string[] {
    return this.entries.map((e) => e.key);
  }

  has(key: string): boolean {
    return this.entries.some((e) => e.key === key);
  }

  /** Keyword.get/2: the first value for the key. */
  get(key: string): Term | undefined {
    return this.entries.find((e) => e.key === key)?.value();
  }

  /** The value Map.new/1 keeps: the last one for the key. */
  getLast(key: string): Term | undefined {
    return this.entries.findLast((e) => e.key === key)?.value();
  }

  /** A value that is itself a keyword list, read lazily; undefined when absent, nil or false. */
  keywords(key: string, which: 'first' | 'last' = 'first'): LazyKeywords | undefined {
    const entry = which === 'first' ? this.entries.find((e) => e.key === key) : this.entries.findLast((e) => e.key === key);
    return entry?.keywords();
  }
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

export class Evaluator {
  private steps = 0;
  private depth = 0;
  private nesting = 0;
  private readonly attributeValues = new Map<AttributeDef, Term>();
  private readonly attributesInProgress = new Set<AttributeDef>();

  constructor(
    private readonly module: MixModule,
    private readonly dir: string,
    private readonly env: Env,
  ) {}

  /** The keyword list `project/0` returns. */
  project(): LazyKeywords {
    const clauses = this.module.functions.get('project/0');
    if (!clauses) throw new MixExsError(this.module.pos, 'cannot find def project in the Mix.Project module');
    const scope: Scope = { vars: new Map(), at: this.module.pos };
    const keywords = this.keywordsOf({ k: 'call', name: 'project', args: [], pos: clauses[0]!.pos }, scope);
    if (!keywords) throw new MixExsError(clauses[0]!.pos, 'cannot read project/0: it returns nil or false');
    return keywords;
  }

  // ------------------------------------------------------------ lazy keyword lists

  private keywordsOf(node: Node, scope: Scope): LazyKeywords | undefined {
    const resolved = this.resolve(node, scope);
    if ('value' in resolved) {
      const value = resolved.value;
      if (!truthy(value)) return undefined;
      if (!isKeywordList(value)) throw new MixExsError(node.pos, 'cannot read value as a keyword list');
      return new LazyKeywords(
        value.map((pair) => {
          const v = pair.elements[1]!;
          return { key: (pair.elements[0] as Atom).name, value: () => v, keywords: once(() => this.keywordsOf({ k: 'lit', value: v, pos: node.pos }, scope)) };
        }),
      );
    }
    const { list, scope: listScope } = resolved;
    return new LazyKeywords(
      list.items.map((item) => {
        const [key, valueNode] = (item as Extract<Node, { k: 'tuple' }>).items as [Extract<Node, { k: 'lit' }>, Node];
        return {
          key: (key.value as Atom).name,
          value: once(() => this.eval(valueNode, listScope)),
          keywords: once(() => this.keywordsOf(valueNode, listScope)),
        };
      }),
    );
  }

  /** Follows calls, attributes and `if`s to a keyword list literal, or evaluates the node. */
  private resolve(node: Node, scope: Scope): Resolved {
    this.tick(node.pos);
    switch (node.k) {
      case 'list':
        if (node.items.every(isLiteralKeywordPair)) return { list: node, scope };
        break;
      case 'var':
        if (!scope.vars.has(node.name) && this.module.functions.has(`${node.name}/0`)) {
          return this.withCall(node.pos, () => this.resolveClause(node.name, [], node.pos));
        }
        break;
      case 'call': {
        const branch = this.conditionalBranch(node, scope);
        if (branch) return this.resolve(branch, scope);
        if (node.name === 'if' || node.name === 'unless') break;
        this.checkDefined(node.name, node.args.length, node.pos);
        const args = node.args.map((a) => this.eval(a, scope));
        return this.withCall(node.pos, () => this.resolveClause(node.name, args, node.pos));
      }
      case 'attr': {
        const def = this.attributeDef(node.name, scope.at, node.pos);
        return this.withCall(node.pos, () => this.resolve(def.value, { vars: new Map(), at: def.pos }));
      }
      case 'block': {
        const inner = this.runStatements(node.body.slice(0, -1), scope);
        return this.resolve(node.body[node.body.length - 1]!, inner);
      }
    }
    return { value: this.eval(node, scope) };
  }

  private resolveClause(name: string, args: Term[], pos: Pos): Resolved {
    const { clause, vars } = this.selectClause(name, args, pos);
    return this.resolve(clause.body, { vars, at: clause.pos });
  }

  // ------------------------------------------------------------ evaluation

  private eval(node: Node, scope: Scope): Term {
    this.tick(node.pos);
    if (++this.nesting > MAX_NESTING) {
      this.nesting--;
      throw new MixExsError(node.pos, 'cannot read expressions nested this deep');
    }
    try {
      return this.evalNode(node, scope);
    } finally {
      this.nesting--;
    }
  }

  private evalNode(node: Node, scope: Scope): Term {
    switch (node.k) {
      case 'lit':
        return node.value;
      case 'str':
        return node.charlist ? this.charlist(node.parts, scope) : this.binary(node.parts, scope, node.pos);
      case 'qatom':
        return atom(this.binary(node.parts, scope, node.pos).toString('utf8'));
      case 'sigil':
        return this.sigil(node, scope);
      case 'list':
        return this.list(node.items.map((item) => this.eval(item, scope)), node.pos);
      case 'tuple':
        return new Tuple(node.items.map((item) => this.eval(item, scope)));
      case 'map':
        return makeMap(node.entries.map(([k, v]) => [this.eval(k, scope), this.eval(v, scope)]));
      case 'var': {
        const bound = scope.vars.get(node.name);
        if (bound !== undefined) return bound;
        if (this.module.functions.has(`${node.name}/0`)) return this.callLocal(node.name, [], node.pos);
        throw new MixExsError(node.pos, `cannot read undefined variable or function ${node.name}`);
      }
      case 'call': {
        const branch = this.conditionalBranch(node, scope);
        if (branch) return this.eval(branch, scope);
        this.checkDefined(node.name, node.args.length, node.pos);
        return this.callLocal(node.name, node.args.map((a) => this.eval(a, scope)), node.pos);
      }
      case 'remote':
        return this.callRemote(node, node.args.map((a) => this.eval(a, scope)));
      case 'alias':
        return atom(`Elixir.${node.name}`);
      case 'attr':
        return this.attribute(node.name, scope.at, node.pos);
      case 'attrdef':
        throw new MixExsError(node.pos, `cannot read definition of @${node.name} here`);
      case 'op':
        return this.operator(node, scope);
      case 'block': {
        const inner = this.runStatements(node.body.slice(0, -1), scope);
        return this.eval(node.body[node.body.length - 1]!, inner);
      }
      case 'bad':
        throw new MixExsError(node.pos, node.problem);
    }
  }

  /** Runs statements for their bindings (`name = value`); returns the scope after them. */
  private runStatements(statements: Node[], scope: Scope): Scope {
    let vars = scope.vars;
    for (const statement of statements) {
      const current: Scope = { vars, at: scope.at };
      if (statement.k === 'op' && statement.op === '=' && statement.args[0]!.k === 'var') {
        const value = this.eval(statement.args[1]!, current);
        const name = statement.args[0].name;
        if (!name.startsWith('_')) vars = new Map(vars).set(name, value);
      } else {
        this.eval(statement, current);
      }
    }
    return { vars, at: scope.at };
  }

  private tick(pos: Pos): void {
    if (++this.steps > MAX_STEPS) throw new MixExsError(pos, 'cannot read mix.exs: evaluation takes too many steps');
  }

  private withCall<T>(pos: Pos, f: () => T): T {
    if (++this.depth > MAX_CALL_DEPTH) {
      this.depth--;
      throw new MixExsError(pos, 'cannot read calls nested this deep (recursion?)');
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private list(items: Term[], pos: Pos): Term[] {
    if (items.length > MAX_LIST_LENGTH) throw new MixExsError(pos, 'cannot read list this long');
    return items;
  }

  private checkedBinary(bytes: Buffer, pos: Pos): Buffer {
    if (bytes.length > MAX_BINARY_BYTES) throw new MixExsError(pos, 'cannot read string this long');
    return bytes;
  }

  // ------------------------------------------------------------ strings and sigils

  private binary(parts: StrPart[], scope: Scope, pos: Pos): Buffer {
    const chunks = parts.map((p) => (Array.isArray(p) ? Buffer.from(p) : this.interpolate(p, scope)));
    return this.checkedBinary(Buffer.concat(chunks), pos);
  }

  private charlist(parts: StrPart[], scope: Scope): number[] {
    return parts.flatMap((p) => (Array.isArray(p) ? p : codePoints(this.interpolate(p, scope))));
  }

  private interpolate(node: Node, scope: Scope): Buffer {
    const value = this.eval(node, scope);
    const text = toElixirString(value);
    if (!text) throw new MixExsError(node.pos, `cannot read interpolation of ${describeTerm(value)}`);
    return text;
  }

  private sigil(node: Extract<Node, { k: 'sigil' }>, scope: Scope): Term {
    const { name, mods, pos } = node;
    const lower = name === name.toLowerCase();
    // Lowercase sigils unescape like strings (~r keeps regex escapes) and interpolate.
    const text = (mode: 'string' | 'regex') =>
      Buffer.concat(
        node.parts.map((p) => {
          if (typeof p !== 'string') return this.interpolate(p, scope);
          if (!lower) return Buffer.from(p, 'utf8');
          return mode === 'regex' ? Buffer.from(unescapeRegex(p), 'utf8') : Buffer.from(unescape(p, false, pos));
        }),
      );
    const noModifiers = () => {
      if (mods) throw new MixExsError(pos, `cannot read modifiers ${mods} on sigil ~${name}`);
    };
    switch (name) {
      case 's': case 'S':
        noModifiers();
        return this.checkedBinary(text('string'), pos);
      case 'c': case 'C':
        noModifiers();
        return codePoints(text('string'));
      case 'w': case 'W': {
        if (mods.length > 1 || !/^[acs]?$/.test(mods)) throw new MixExsError(pos, `cannot read modifiers ${mods} on sigil ~${name}`);
        const words = splitWords(text('string').toString('utf8'));
        if (mods === 'a') return words.map((w) => atom(w));
        if (mods === 'c') return words.map((w) => codePoints(Buffer.from(w, 'utf8')));
        return words.map((w) => Buffer.from(w, 'utf8'));
      }
      case 'r': case 'R': {
        const compiled = compileRegex(text('regex').toString('utf8'), mods);
        if (typeof compiled === 'string') throw new MixExsError(pos, compiled);
        return compiled;
      }
      default:
        throw new MixExsError(pos, `cannot read sigil ~${name}`);
    }
  }

  // ------------------------------------------------------------ calls

  /** `if`/`unless` pick their branch before evaluating it; undefined for other calls. */
  private conditionalBranch(node: Extract<Node, { k: 'call' }>, scope: Scope): Node | undefined {
    if ((node.name !== 'if' && node.name !== 'unless') || node.args.length !== 2) return undefined;
    const options = node.args[1]!;
    if (options.k !== 'list' || !options.items.every(isLiteralKeywordPair)) return undefined;
    const branches = new Map<string, Node>();
    for (const item of options.items as Array<Extract<Node, { k: 'tuple' }>>) {
      const key = ((item.items[0] as Extract<Node, { k: 'lit' }>).value as Atom).name;
      if (key !== 'do' && key !== 'else') throw new MixExsError(item.pos, `cannot read ${node.name} option ${key}`);
      if (!branches.has(key)) branches.set(key, item.items[1]!);
    }
    if (!branches.has('do')) throw new MixExsError(node.pos, `cannot read ${node.name} without do`);
    const condition = truthy(this.eval(node.args[0]!, scope));
    const taken = condition === (node.name === 'if') ? 'do' : 'else';
    return branches.get(taken) ?? { k: 'lit', value: NIL, pos: node.pos };
  }

  private callLocal(name: string, args: Term[], pos: Pos): Term {
    return this.withCall(pos, () => {
      const { clause, vars } = this.selectClause(name, args, pos);
      return this.eval(clause.body, { vars, at: clause.pos });
    });
  }

  /** Before evaluating arguments: `case`, `for` and the like fail as themselves, not by their insides. */
  private checkDefined(name: string, arity: number, pos: Pos): Clause[] {
    const clauses = this.module.functions.get(`${name}/${arity}`);
    if (clauses) return clauses;
    if (SPECIAL_FORMS.has(name)) throw new MixExsError(pos, `cannot read ${name}`);
    throw new MixExsError(pos, `cannot read call to ${name}/${arity}: no such function in the module`);
  }

  private selectClause(name: string, args: Term[], pos: Pos): { clause: Clause; vars: Map<string, Term> } {
    const clauses = this.checkDefined(name, args.length, pos);
    for (const clause of clauses) {
      const vars = new Map<string, Term>();
      if (clause.params.every((p, i) => this.match(p, args[i]!, vars))) {
        if (clause.guard) throw new MixExsError(clause.pos, `cannot read guard of ${name}/${args.length}`);
        return { clause, vars };
      }
    }
    throw new MixExsError(pos, `cannot read call to ${name}/${args.length}: no clause matches`);
  }

  /** Function-head patterns: literals, variables, and lists or tuples of them. */
  private match(pattern: Node, value: Term, vars: Map<string, Term>): boolean {
    switch (pattern.k) {
      case 'var': {
        if (pattern.name.startsWith('_')) return true;
        const bound = vars.get(pattern.name);
        if (bound !== undefined) return termEquals(bound, value);
        vars.set(pattern.name, value);
        return true;
      }
      case 'lit':
        return termEquals(pattern.value, value);
      case 'str':
        if (pattern.parts.every((p) => Array.isArray(p))) return termEquals(this.eval(pattern, { vars: new Map(), at: pattern.pos }), value);
        break;
      case 'list':
        return Array.isArray(value) && value.length === pattern.items.length && pattern.items.every((p, i) => this.match(p, value[i]!, vars));
      case 'tuple':
        return value instanceof Tuple && value.elements.length === pattern.items.length &&
          pattern.items.every((p, i) => this.match(p, value.elements[i]!, vars));
    }
    throw new MixExsError(pattern.pos, 'cannot read this function-head pattern');
  }

  private callRemote(node: Extract<Node, { k: 'remote' }>, args: Term[]): Term {
    const { target, name, pos } = node;
    const fn = `${target.k === 'alias' ? target.name : '?'}.${name}/${args.length}`;
    const binaryArg = (i: number): Buffer => {
      const a = args[i]!;
      if (!(a instanceof Uint8Array)) throw new MixExsError(pos, `cannot read ${fn} with ${describeTerm(a)}`);
      return Buffer.from(a);
    };
    switch (fn) {
      case 'Mix.env/0':
        return atom('prod'); // hexts builds what gets published
      case 'File.read!/1':
        return this.readFile(binaryArg(0).toString('utf8'), pos);
      case 'String.trim/1':
        return trimBinary(binaryArg(0));
      case 'String.duplicate/2': {
        const count = args[1];
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
          throw new MixExsError(pos, `cannot read ${fn} with count ${describeTerm(count!)}`);
        }
        const unit = binaryArg(0);
        if (unit.length * count > MAX_BINARY_BYTES) throw new MixExsError(pos, 'cannot read string this long');
        return Buffer.from(unit.toString('latin1').repeat(count), 'latin1');
      }
      case 'System.get_env/1':
      case 'System.get_env/2': {
        const value = this.env[binaryArg(0).toString('utf8')];
        if (value !== undefined) return Buffer.from(value, 'utf8');
        return args.length === 2 ? args[1]! : NIL;
      }
      default:
        throw new MixExsError(pos, `cannot read call to ${fn.startsWith('?') ? `${name}/${args.length} on a value` : fn}`);
    }
  }

  private readFile(path: string, pos: Pos): Buffer {
    try {
      return this.checkedBinary(readFileSync(resolve(this.dir, path)), pos);
    } catch (e) {
      if (e instanceof MixExsError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new MixExsError(pos, `could not read file ${JSON.stringify(path)}: ${code === 'ENOENT' ? 'no such file or directory' : code}`);
    }
  }

  // ------------------------------------------------------------ attributes

  private attributeDef(name: string, at: Pos, pos: Pos): AttributeDef {
    const defs = this.module.attributes.get(name) ?? [];
    const def = defs.findLast((d) => before(d.pos, at));
    if (!def) throw new MixExsError(pos, `cannot read undefined module attribute @${name}`);
    return def;
  }

  private attribute(name: string, at: Pos, pos: Pos): Term {
    const def = this.attributeDef(name, at, pos);
    const cached = this.attributeValues.get(def);
    if (cached !== undefined) return cached;
    if (this.attributesInProgress.has(def)) throw new MixExsError(pos, `cannot read @${name}: it refers to itself`);
    this.attributesInProgress.add(def);
    try {
      const value = this.withCall(pos, () => this.eval(def.value, { vars: new Map(), at: def.pos }));
      this.attributeValues.set(def, value);
      return value;
    } finally {
      this.attributesInProgress.delete(def);
    }
  }

  // ------------------------------------------------------------ operators

  private operator(node: Extract<Node, { k: 'op' }>, scope: Scope): Term {
    const { op, args, pos } = node;
    const arg = (i: number) => this.eval(args[i]!, scope);
    const boolean = (t: Term): boolean => {
      if (t !== atom('true') && t !== atom('false')) throw new MixExsError(pos, `cannot read ${op} on ${describeTerm(t)}: not a boolean`);
      return t === atom('true');
    };
    const bool = (b: boolean) => atom(b ? 'true' : 'false');
    if (args.length === 1) {
      switch (op) {
        case '!':
          return bool(!truthy(arg(0)));
        case 'not':
          return bool(!boolean(arg(0)));
        case '-':
        case '+': {
          const v = arg(0);
          if (op === '+' && (typeof v === 'number' || typeof v === 'bigint' || v instanceof ErlFloat)) return v;
          if (typeof v === 'number') return -v;
          if (typeof v === 'bigint') return -v;
          if (v instanceof ErlFloat) return new ErlFloat(-v.value);
          throw new MixExsError(pos, `cannot read ${op} on ${describeTerm(v)}`);
        }
        default:
          throw new MixExsError(pos, `cannot read operator ${op}`);
      }
    }
    switch (op) {
      case '|>':
        return this.pipe(arg(0), args[1]!, scope);
      case '<>': {
        const [l, r] = [arg(0), arg(1)];
        if (!(l instanceof Uint8Array) || !(r instanceof Uint8Array)) throw new MixExsError(pos, 'cannot read <> on values that are not strings');
        return this.checkedBinary(Buffer.concat([l, r]), pos);
      }
      case '++': {
        const [l, r] = [arg(0), arg(1)];
        if (!Array.isArray(l) || !Array.isArray(r)) throw new MixExsError(pos, 'cannot read ++ on values that are not lists');
        return this.list(l.concat(r), pos);
      }
      case '==':
        return bool(looseEquals(arg(0), arg(1)));
      case '!=':
        return bool(!looseEquals(arg(0), arg(1)));
      case '===':
        return bool(termEquals(arg(0), arg(1)));
      case '!==':
        return bool(!termEquals(arg(0), arg(1)));
      case '<':
        return bool(compareTerms(arg(0), arg(1)) < 0);
      case '>':
        return bool(compareTerms(arg(0), arg(1)) > 0);
      case '<=':
        return bool(compareTerms(arg(0), arg(1)) <= 0);
      case '>=':
        return bool(compareTerms(arg(0), arg(1)) >= 0);
      case '&&': {
        const l = arg(0);
        return truthy(l) ? arg(1) : l;
      }
      case '||': {
        const l = arg(0);
        return truthy(l) ? l : arg(1);
      }
      case 'and':
        return boolean(arg(0)) ? bool(boolean(arg(1))) : bool(false);
      case 'or':
        return boolean(arg(0)) ? bool(true) : bool(boolean(arg(1)));
      case 'in':
      case 'not in': {
        const [l, r] = [arg(0), arg(1)];
        if (!Array.isArray(r)) throw new MixExsError(pos, `cannot read ${op} on ${describeTerm(r)}`);
        return bool(r.some((x) => termEquals(x, l)) === (op === 'in'));
      }
      default:
        throw new MixExsError(pos, `cannot read operator ${op}`);
    }
  }

  /** `value |> f(args)` is `f(value, args)`. */
  private pipe(value: Term, call: Node, scope: Scope): Term {
    const rest = (args: Node[]) => args.map((a) => this.eval(a, scope));
    if (call.k === 'call' && call.name !== 'if' && call.name !== 'unless') return this.callLocal(call.name, [value, ...rest(call.args)], call.pos);
    if (call.k === 'var' && !scope.vars.has(call.name)) return this.callLocal(call.name, [value], call.pos);
    if (call.k === 'remote') return this.callRemote(call, [value, ...rest(call.args)]);
    throw new MixExsError(call.pos, 'cannot read |> into something that is not a function call');
  }
}

function isLiteralKeywordPair(item: Node): boolean {
  return item.k === 'tuple' && item.items.length === 2 && item.items[0]!.k === 'lit' && item.items[0].value instanceof Atom;
}

function before(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

function codePoints(bytes: Buffer): number[] {
  return Array.from(bytes.toString('utf8'), (ch) => ch.codePointAt(0)!);
}

// Regex.unescape_map/1: only these escapes become characters; the others stay for PCRE.
function unescapeRegex(raw: string): string {
  const map: Record<string, string> = { f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', a: '\x07' };
  return raw.replace(/\\(.)/gsu, (whole, c: string) => map[c] ?? whole);
}

function describeTerm(t: Term): string {
  if (t instanceof Atom) return `:${t.name}`;
  if (t instanceof Uint8Array) return 'a string';
  if (Array.isArray(t)) return 'a list';
  if (t instanceof Tuple) return 'a tuple';
  if (t instanceof ErlFloat) return 'a float';
  if (typeof t === 'number' || typeof t === 'bigint') return String(t);
  return 'a map';
}

// ------------------------------------------------------------ module structure

/** Finds the module that does `use Mix.Project`, with its functions and attributes. */
export function findMixModule(ast: Node): MixModule {
  for (const statement of statements(ast)) {
    if (statement.k !== 'call' || statement.name !== 'defmodule' || statement.args.length !== 2) continue;
    const body = keywordValue(statement.args[1]!, 'do');
    if (!body) continue;
    const stmts = statements(body);
    const usesMixProject = stmts.some((s) => s.k === 'call' && s.name === 'use' && s.args[0]?.k === 'alias' && s.args[0].name === 'Mix.Project');
    if (usesMixProject) return collectDefinitions(stmts, statement.pos);
  }
  throw new MixExsError({ line: 1, column: 1 }, 'cannot find a module with use Mix.Project');
}

function statements(node: Node): Node[] {
  return node.k === 'block' ? node.body : [node];
}

function keywordValue(node: Node, key: string): Node | undefined {
  if (node.k !== 'list') return undefined;
  for (const item of node.items) {
    if (isLiteralKeywordPair(item)) {
      const pair = item as Extract<Node, { k: 'tuple' }>;
      if (((pair.items[0] as Extract<Node, { k: 'lit' }>).value as Atom).name === key) return pair.items[1];
    }
  }
  return undefined;
}

function collectDefinitions(stmts: Node[], pos: Pos): MixModule {
  const functions = new Map<string, Clause[]>();
  const attributes = new Map<string, AttributeDef[]>();
  for (const s of stmts) {
    if (s.k === 'attrdef') {
      const defs = attributes.get(s.name) ?? [];
      defs.push({ value: s.value, pos: s.pos });
      attributes.set(s.name, defs);
      continue;
    }
    if (s.k !== 'call' || (s.name !== 'def' && s.name !== 'defp') || s.args.length !== 2) continue;
    const body = keywordValue(s.args[1]!, 'do');
    if (!body) continue;
    let head = s.args[0]!;
    let guard = false;
    if (head.k === 'op' && head.op === 'when') {
      guard = true;
      head = head.args[0]!;
    }
    let name: string;
    let params: Node[];
    if (head.k === 'var') [name, params] = [head.name, []];
    else if (head.k === 'call') [name, params] = [head.name, head.args];
    else continue;
    const key = `${name}/${params.length}`;
    const clauses = functions.get(key) ?? [];
    clauses.push({ params, guard, body, pos: s.pos });
    functions.set(key, clauses);
  }
  return { pos, functions, attributes };
}
