// Pattern matching (`=`, function heads, case/fn/with clauses) and guards.
import { Atom, ErlFloat, ErlMap, Tuple, atom } from '../erlang/term.js';
import { AstPair, isNode, type Ast, type AstNode } from './ast.js';
import { ElixirException, OutsideModelError, compileError } from './errors.js';
import type { Interpreter } from './eval.js';
import { isLiteral } from './literal.js';
import type { Scope } from './scope.js';
import { TRUE, isBinary, mapGet, strictEquals, type Value } from './values.js';

export type Bindings = Map<string, Value>;

const name = (n: AstNode): string => (n.form as Atom).name;
const formIs = (n: AstNode, f: string) => n.form instanceof Atom && n.form.name === f && Array.isArray(n.args);

/** Whether `value` matches `pattern`; new bindings go to `binds` (pins read `scope`). */
export function match(interp: Interpreter, pattern: Ast, value: Value, scope: Scope, binds: Bindings): boolean {
  interp.tick();
  if (typeof pattern === 'number' || typeof pattern === 'bigint') {
    return (typeof value === 'number' || typeof value === 'bigint') && strictEquals(pattern, value);
  }
  if (typeof pattern === 'string') return isBinary(value) && Buffer.from(pattern, 'utf8').equals(value);
  if (pattern instanceof Atom) return pattern === value;
  if (pattern instanceof ErlFloat) return value instanceof ErlFloat && value.value === pattern.value;
  if (isLiteral(pattern)) return strictEquals(pattern.value, value);
  if (Array.isArray(pattern)) return matchList(interp, pattern, value, scope, binds);
  if (pattern instanceof AstPair) {
    return value instanceof Tuple && value.elements.length === 2 &&
      match(interp, pattern.left, value.elements[0]!, scope, binds) &&
      match(interp, pattern.right, value.elements[1]!, scope, binds);
  }
  const node = pattern;
  if (node.form instanceof Atom && node.args instanceof Atom) return matchVariable(node, value, binds);
  if (!(node.form instanceof Atom) || !Array.isArray(node.args)) return literalPattern(interp, node, value, scope);
  const args = node.args;
  switch (name(node)) {
    case '^': {
      const pinned = args[0]!;
      if (!isNode(pinned) || !(pinned.args instanceof Atom)) throw compileError('invalid argument for unary operator ^');
      const bound = scope.vars.get(name(pinned));
      if (bound === undefined) throw compileError(`undefined variable ^${name(pinned)}`);
      return strictEquals(bound, value);
    }
    case '=':
      return match(interp, args[0]!, value, scope, binds) && match(interp, args[1]!, value, scope, binds);
    case '{}':
      return value instanceof Tuple && value.elements.length === args.length &&
        args.every((a, i) => match(interp, a, value.elements[i]!, scope, binds));
    case '%{}':
      return value instanceof ErlMap && matchMapEntries(interp, args, value, scope, binds);
    case '%': {
      if (!(value instanceof ErlMap)) return false;
      const [struct, fields] = args as [Ast, AstNode];
      if (!(isNode(struct) && struct.form instanceof Atom && struct.args instanceof Atom && name(struct).startsWith('_'))) {
        const module = interp.eval(struct, scope);
        if (mapGet(value, atom('__struct__')) !== module) return false;
      } else if (!(mapGet(value, atom('__struct__')) instanceof Atom)) return false;
      return matchMapEntries(interp, fields.args as Ast[], value, scope, binds);
    }
    case '<>':
      return matchConcat(interp, args[0]!, args[1]!, value, scope, binds);
    case '<<>>':
      return matchBinary(interp, args, value, scope, binds);
    case '-':
    case '+':
      if (args.length === 1 && (typeof args[0] === 'number' || typeof args[0] === 'bigint' || args[0] instanceof ErlFloat)) {
        return strictEquals(interp.eval(node, scope), value);
      }
      break;
    case 'when':
      throw compileError('invalid use of when: guards go after a clause\'s patterns');
  }
  return literalPattern(interp, node, value, scope);
}

function matchVariable(node: AstNode, value: Value, binds: Bindings): boolean {
  const n = name(node);
  if (n === '_') return true;
  if (n === '__MODULE__' || n === '__DIR__' || n === '__ENV__') throw compileError(`invalid pattern in match, ${n} is not allowed in matches`);
  const bound = binds.get(n);
  if (bound !== undefined) return strictEquals(bound, value);
  binds.set(n, value);
  return true;
}

function matchList(interp: Interpreter, items: Ast[], value: Value, scope: Scope, binds: Bindings): boolean {
  if (!Array.isArray(value)) return false;
  const last = items[items.length - 1];
  if (last !== undefined && isNode(last) && formIs(last, '|')) {
    const heads = [...items.slice(0, -1), (last.args as Ast[])[0]!];
    if (value.length < heads.length) return false;
    if (!heads.every((p, i) => match(interp, p, value[i]!, scope, binds))) return false;
    return match(interp, (last.args as Ast[])[1]!, value.slice(heads.length), scope, binds);
  }
  return value.length === items.length && items.every((p, i) => match(interp, p, value[i]!, scope, binds));
}

function matchMapEntries(interp: Interpreter, pairs: Ast[], value: ErlMap, scope: Scope, binds: Bindings): boolean {
  for (const pair of pairs) {
    if (!(pair instanceof AstPair)) throw compileError('invalid map pattern: a map update (|) cannot be matched');
    // Keys are literals or pinned variables, never bound by the match.
    const key = pinnedOrLiteral(interp, pair.left, scope);
    const v = mapGet(value, key);
    if (v === undefined || !match(interp, pair.right, v, scope, binds)) return false;
  }
  return true;
}

function pinnedOrLiteral(interp: Interpreter, ast: Ast, scope: Scope): Value {
  if (isNode(ast) && ast.form instanceof Atom && ast.args instanceof Atom) {
    throw compileError(`cannot use variable ${ast.form.name} as map key inside a pattern. Map keys in patterns can only be literals (such as atoms, strings, tuples, and the like) or an existing variable matched with the pin operator (such as ^some_var)`);
  }
  if (isNode(ast) && formIs(ast, '^')) {
    const pinned = (ast.args as Ast[])[0]!;
    const bound = isNode(pinned) ? scope.vars.get((pinned.form as Atom).name) : undefined;
    if (bound === undefined) throw compileError('undefined variable in pin');
    return bound;
  }
  return interp.eval(ast, scope);
}

function matchConcat(interp: Interpreter, left: Ast, right: Ast, value: Value, scope: Scope, binds: Bindings): boolean {
  if (!isBinary(value)) return false;
  const prefix = isLiteral(left) ? left.value : typeof left === 'string' ? Buffer.from(left, 'utf8') : undefined;
  if (!isBinary(prefix ?? 0)) {
    throw compileError('the left argument of <> operator inside a match should always be a literal binary because its size can\'t be verified');
  }
  const p = prefix as Uint8Array;
  if (value.length < p.length || !Buffer.from(value.subarray(0, p.length)).equals(p)) return false;
  return match(interp, right, Buffer.from(value.subarray(p.length)), scope, binds);
}

/** `<<"literal", rest::binary>>`, `<<head::binary-size(n), rest::binary>>`: the binary patterns mix.exs files use. */
function matchBinary(interp: Interpreter, segments: Ast[], value: Value, scope: Scope, binds: Bindings): boolean {
  if (!isBinary(value)) return false;
  let offset = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const isLast = i === segments.length - 1;
    if (typeof segment === 'string') {
      const lit = Buffer.from(segment, 'utf8');
      if (!Buffer.from(value.subarray(offset, offset + lit.length)).equals(lit)) return false;
      offset += lit.length;
      continue;
    }
    if (isNode(segment) && formIs(segment, '::')) {
      const [target, type] = segment.args as [Ast, Ast];
      const spec = binarySpec(interp, type, scope);
      if (spec.kind === 'binary') {
        const end = spec.size === undefined ? (isLast ? value.length : -1) : offset + spec.size;
        if (end < 0) throw compileError('a binary field without size is only allowed at the end of a binary pattern');
        if (end > value.length) return false;
        if (!match(interp, target, Buffer.from(value.subarray(offset, end)), scope, binds)) return false;
        offset = end;
        continue;
      }
      if (spec.kind === 'utf8') {
        const rest = Buffer.from(value.subarray(offset)).toString('utf8');
        const cp = rest.codePointAt(0);
        if (cp === undefined || cp === 0xfffd) return false;
        if (!match(interp, target, cp, scope, binds)) return false;
        offset += Buffer.byteLength(String.fromCodePoint(cp));
        continue;
      }
      if (spec.kind === 'integer' && spec.bits === 8) {
        if (offset >= value.length || !match(interp, target, value[offset]!, scope, binds)) return false;
        offset += 1;
        continue;
      }
    } else if (!isNode(segment) || !(segment.args instanceof Atom)) {
      // <<65>>: one byte
      const byte = interp.eval(segment, scope);
      if (offset >= value.length || value[offset] !== byte) return false;
      offset += 1;
      continue;
    } else {
      if (offset >= value.length || !match(interp, segment, value[offset]!, scope, binds)) return false;
      offset += 1;
      continue;
    }
    throw new OutsideModelError('this binary pattern', 'Match strings with "prefix" <> rest, or use String functions.');
  }
  return offset === value.length;
}

export type BinarySpec = { kind: 'binary'; size?: number } | { kind: 'utf8' } | { kind: 'integer'; bits: number };

/** The type of a `<<x::type>>` segment, for the types mix.exs files use. */
export function binarySpec(interp: Interpreter, type: Ast, scope: Scope): BinarySpec {
  const parts: Ast[] = [];
  const flatten = (t: Ast) => {
    if (isNode(t) && formIs(t, '-')) (t.args as Ast[]).forEach(flatten);
    else parts.push(t);
  };
  flatten(type);
  let kind: 'binary' | 'utf8' | 'integer' = 'integer';
  let size: number | undefined;
  for (const part of parts) {
    if (isNode(part) && part.form instanceof Atom) {
      const n = part.form.name;
      if (part.args instanceof Atom && (n === 'binary' || n === 'bytes' || n === 'bitstring' || n === 'bits')) kind = 'binary';
      else if (part.args instanceof Atom && (n === 'utf8')) kind = 'utf8';
      else if (part.args instanceof Atom && (n === 'integer' || n === 'unsigned' || n === 'big')) kind = kind === 'binary' ? kind : 'integer';
      else if (n === 'size' && Array.isArray(part.args)) {
        const s = interp.eval(part.args[0]!, scope);
        if (typeof s !== 'number' || s < 0) throw new ElixirException('ArgumentError', 'size in a binary segment must be a non-negative integer');
        size = s;
      } else throw new OutsideModelError(`the binary segment type ${n}`, 'Only binary, utf8 and 8-bit integer segments are evaluated.');
    } else if (typeof part === 'number') {
      size = part;
    } else throw new OutsideModelError('this binary segment type');
  }
  if (kind === 'binary') return size === undefined ? { kind } : { kind, size };
  if (kind === 'utf8') return { kind };
  const bits = size ?? 8;
  if (bits !== 8) throw new OutsideModelError(`a ${bits}-bit integer segment`, 'Only 8-bit integer segments are evaluated.');
  return { kind: 'integer', bits };
}

/** Aliases, sigils, module attributes, `__MODULE__.X`: evaluated, then compared. Calls are not patterns. */
function literalPattern(interp: Interpreter, node: AstNode, value: Value, scope: Scope): boolean {
  const form = node.form;
  if (form instanceof Atom) {
    const n = form.name;
    if (n === '__aliases__' || n === '@' || n.startsWith('sigil_') || n === '..' || n === '..//') {
      return strictEquals(interp.eval(node, scope), value);
    }
    throw compileError(`cannot find or invoke local ${n}/${Array.isArray(node.args) ? node.args.length : 0} inside match. Only macros can be invoked in a match and they must be defined before their invocation.`);
  }
  throw compileError('cannot invoke remote function inside a match');
}

/** A clause head's patterns and guard: `fn a, b when g -> …` quotes as `[{:when, _, [a, b, g]}]`. */
export function splitGuard(head: Ast[]): { patterns: Ast[]; guard: Ast | undefined } {
  if (head.length === 1) {
    const only = head[0]!;
    if (isNode(only) && formIs(only, 'when')) {
      const args = only.args as Ast[];
      return { patterns: args.slice(0, -1), guard: args[args.length - 1] };
    }
  }
  return { patterns: head, guard: undefined };
}

/** A guard passes only when it evaluates to exactly `true`; one that raises fails. */
export function guardPasses(interp: Interpreter, guard: Ast | undefined, scope: Scope): boolean {
  if (guard === undefined) return true;
  // `when a when b`: either guard.
  if (isNode(guard) && formIs(guard, 'when')) {
    const [a, b] = guard.args as [Ast, Ast];
    return guardPasses(interp, a, scope) || guardPasses(interp, b, scope);
  }
  try {
    return interp.eval(guard, scope) === TRUE;
  } catch (e) {
    if (e instanceof ElixirException) return false;
    throw e;
  }
}

/** Matches a clause head against arguments; the scope receives the bindings when it matches. */
export function matchClause(interp: Interpreter, patterns: Ast[], guard: Ast | undefined, args: Value[], scope: Scope): boolean {
  if (patterns.length !== args.length) return false;
  const binds: Bindings = new Map();
  if (!patterns.every((p, i) => match(interp, p, args[i]!, scope, binds))) return false;
  for (const [k, v] of binds) scope.vars.set(k, v);
  return guardPasses(interp, guard, scope);
}
