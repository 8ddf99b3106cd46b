// The standard library as one table: "Module.fun/arity" → implementation. Adding a function
// is one entry (and a test). Erlang modules are written with their colon (":erlang.element/2").
import { Atom, ErlFloat, ErlMap, Tuple } from '../../erlang/term.js';
import { ElixirException, noFunctionClause } from '../errors.js';
import { inspect } from '../inspect.js';
import type { Runtime } from '../runtime.js';
import { isFun, isKeyword, structName, type Value } from '../values.js';

export type StdFn = (args: Value[], rt: Runtime) => Value;

export const STDLIB = new Map<string, StdFn>();

/** Registers functions of one module: `define('String', { 'trim/1': … })`. */
export function define(module: string, fns: Record<string, StdFn>): void {
  for (const [key, fn] of Object.entries(fns)) STDLIB.set(`${module}.${key}`, fn);
}

// ------------------------------------------------------------ argument checks

/** Raises FunctionClauseError for `name` unless the check holds (Elixir's guards on library functions). */
export function need(ok: boolean, name: string): asserts ok {
  if (!ok) throw noFunctionClause(name);
}

export const binArg = (v: Value, name: string): Buffer => {
  need(v instanceof Uint8Array, name);
  return Buffer.from(v as Uint8Array);
};

export const strArg = (v: Value, name: string): string => binArg(v, name).toString('utf8');

export const listArg = (v: Value, name: string): Value[] => {
  need(Array.isArray(v), name);
  return v as Value[];
};

export const intArg = (v: Value, name: string): number => {
  need(typeof v === 'number' && Number.isInteger(v), name);
  return v as number;
};

export const atomArg = (v: Value, name: string): Atom => {
  need(v instanceof Atom, name);
  return v as Atom;
};

export const keywordArg = (v: Value, name: string): Tuple[] => {
  need(isKeyword(v), name);
  return v as Tuple[];
};

export const mapArg = (v: Value, _name: string): ErlMap => {
  if (!(v instanceof ErlMap)) throw new ElixirException('BadMapError', `expected a map, got: ${inspect(v)}`, { term: v });
  return v;
};

/** A function of this arity (as a value to pass to Runtime.apply). */
export const funArg = (v: Value, arity: number, name: string): Value => {
  need(isFun(v) && v.arity === arity, name);
  return v;
};

/** The type name Protocol.UndefinedError messages use. */
export function typeName(v: Value): string {
  const struct = structName(v);
  if (struct) return `${struct} (a struct)`;
  if (v instanceof ErlMap) return 'Map';
  if (v instanceof Tuple) return 'Tuple';
  if (v instanceof Atom) return 'Atom';
  if (v instanceof ErlFloat) return 'Float';
  if (typeof v === 'number' || typeof v === 'bigint') return 'Integer';
  if (v instanceof Uint8Array) return 'BitString';
  if (isFun(v)) return 'Function';
  return 'List';
}

export function protocolError(protocol: string, v: Value, extra = ''): ElixirException {
  return new ElixirException('Protocol.UndefinedError', `protocol ${protocol} not implemented for ${inspect(v)} of type ${typeName(v)}${extra}`, { value: v });
}

export type Rt = Runtime;
