// Elixir values over the shared Erlang term model (src/erlang/term.ts), plus what only an
// evaluator needs: functions. A Fun lives inside lists, tuples and maps like any term, so the
// evaluator's values are typed as Term and funs are told apart with isFun(); nothing
// that encodes terms ever sees one (the package pipeline refuses metadata holding a function).
import { Atom, ErlFloat, ErlMap, Tuple, atom, termEquals, type Term } from '../erlang/term.js';

export type Value = Term;

export const NIL = atom('nil');
export const TRUE = atom('true');
export const FALSE = atom('false');

/** An anonymous function, a capture or a named function reference. */
export class Fun {
  constructor(
    readonly arity: number,
    /** How inspect names it: `&String.upcase/1`, or `#Function<…>` for closures. */
    readonly label: string,
    readonly invoke: (args: Value[]) => Value,
  ) {}
}

export const isFun = (v: unknown): v is Fun => v instanceof Fun;
export const asValue = (f: Fun): Value => f as unknown as Value;

export const bool = (b: boolean): Atom => (b ? TRUE : FALSE);
export const truthy = (v: Value): boolean => v !== NIL && v !== FALSE;

export const isInteger = (v: Value): v is number | bigint =>
  (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
export const isNumber = (v: Value): v is number | bigint | ErlFloat =>
  typeof v === 'number' || typeof v === 'bigint' || v instanceof ErlFloat;
export const isBinary = (v: Value): v is Uint8Array => v instanceof Uint8Array;
export const isList = (v: Value): v is Value[] => Array.isArray(v);

/** An integer in its canonical form: a number when it is a safe integer, else a bigint. */
export function int(n: number | bigint): number | bigint {
  if (typeof n === 'number') return n;
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

export const bin = (text: string): Buffer => Buffer.from(text, 'utf8');
export const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

export function isKeyword(v: Value): v is Tuple[] {
  return Array.isArray(v) && v.every((e) => e instanceof Tuple && e.elements.length === 2 && e.elements[0] instanceof Atom);
}

/** The module name of a struct (`%Version{}` → "Version"), or undefined for a plain map. */
export function structName(v: Value): string | undefined {
  if (!(v instanceof ErlMap)) return undefined;
  const s = v.get(atom('__struct__'));
  return s instanceof Atom ? s.name.replace(/^Elixir\./, '') : undefined;
}

/** A map built the way Elixir builds one: later duplicate keys win, entries kept in key order. */
export function makeMap(entries: Iterable<readonly [Value, Value]>): ErlMap {
  const unique: Array<[Value, Value]> = [];
  const index = new Map<string, number>();
  for (const [k, v] of entries) {
    const key = mapKey(k);
    const at = index.get(key);
    if (at !== undefined) unique[at] = [k, v];
    else {
      index.set(key, unique.length);
      unique.push([k, v]);
    }
  }
  return new ErlMap(unique.sort((x, y) => compareMapKeys(x[0], y[0])));
}

/** A string equal for two keys exactly when they are the same map key (1 and 1.0 differ). */
function mapKey(t: Value): string {
  if (isFun(t)) return `fun:${funId(t)}`;
  if (typeof t === 'number' || typeof t === 'bigint') return `i${BigInt(t)};`;
  if (t instanceof ErlFloat) return `f${Object.is(t.value, -0) ? '-0' : t.value};`;
  if (t instanceof Atom) return `a${t.name.length}:${t.name}`;
  if (t instanceof Uint8Array) return `b${Buffer.from(t).toString('hex')};`;
  if (Array.isArray(t)) return `[${t.map(mapKey).join('')}]`;
  if (t instanceof Tuple) return `{${t.elements.map(mapKey).join('')}}`;
  return `#{${t.entries.map(([k, v]) => mapKey(k) + mapKey(v)).sort().join('')}}`;
}

const funIds = new WeakMap<Fun, number>();
let nextFunId = 0;
function funId(f: Fun): number {
  let id = funIds.get(f);
  if (id === undefined) funIds.set(f, (id = nextFunId++));
  return id;
}

export function mapGet(m: ErlMap, key: Value): Value | undefined {
  for (const [k, v] of m.entries) if (strictEquals(k, key)) return v;
  return undefined;
}

export function mapPut(m: ErlMap, key: Value, value: Value): ErlMap {
  return makeMap([...m.entries, [key, value]]);
}

// ------------------------------------------------------------ comparison

/** Erlang's term order: number < atom < reference < fun < port < pid < tuple < map < list < bitstring. */
function rank(v: Value): number {
  if (isNumber(v)) return 0;
  if (v instanceof Atom) return 1;
  if (isFun(v)) return 3;
  if (v instanceof Tuple) return 6;
  if (v instanceof ErlMap) return 7;
  if (Array.isArray(v)) return 9;
  return 10;
}

function numberCompare(a: number | bigint | ErlFloat, b: number | bigint | ErlFloat): number {
  const x = a instanceof ErlFloat ? a.value : a;
  const y = b instanceof ErlFloat ? b.value : b;
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'bigint' || typeof y === 'bigint') {
    // An integer beyond 2^53 against a float: exact when the float is integral, which it is at that size.
    const bx = typeof x === 'bigint' ? x : Number.isInteger(x) ? BigInt(x) : undefined;
    const by = typeof y === 'bigint' ? y : Number.isInteger(y) ? BigInt(y) : undefined;
    if (bx !== undefined && by !== undefined) return bx < by ? -1 : bx > by ? 1 : 0;
    return Number(x) < Number(y) ? -1 : Number(x) > Number(y) ? 1 : 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Elixir's `<`, `>`, Enum.sort/1: term order with numbers compared by value (1 == 1.0). */
export function compare(a: Value, b: Value): number {
  return compareWith(a, b, false);
}

/**
 * The order of a small map's keys (OTP 25 and older, what the reference builds used): term
 * order, except that every integer comes before every float, at any depth.
 */
export function compareMapKeys(a: Value, b: Value): number {
  return compareWith(a, b, true);
}

function compareWith(a: Value, b: Value, keys: boolean): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (ra === 0) {
    if (keys && (a instanceof ErlFloat) !== (b instanceof ErlFloat)) return a instanceof ErlFloat ? 1 : -1;
    return numberCompare(a as number, b as number);
  }
  if (a instanceof Atom) return Buffer.compare(Buffer.from(a.name), Buffer.from((b as Atom).name));
  if (isFun(a)) return funId(a) - funId(b as unknown as Fun);
  if (a instanceof Tuple) {
    const t = b as Tuple;
    if (a.elements.length !== t.elements.length) return a.elements.length < t.elements.length ? -1 : 1;
    return compareSequences(a.elements, t.elements, keys);
  }
  if (a instanceof ErlMap) {
    const m = b as ErlMap;
    if (a.entries.length !== m.entries.length) return a.entries.length < m.entries.length ? -1 : 1;
    const byKey = compareSequences(a.entries.map((e) => e[0]), m.entries.map((e) => e[0]), keys);
    return byKey !== 0 ? byKey : compareSequences(a.entries.map((e) => e[1]), m.entries.map((e) => e[1]), keys);
  }
  if (Array.isArray(a)) return compareSequences(a, b as Value[], keys);
  return Math.sign(Buffer.compare(a as Uint8Array, b as Uint8Array));
}

function compareSequences(a: Value[], b: Value[], keys: boolean): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareWith(a[i]!, b[i]!, keys);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** `==`: numbers by value. */
export const looseEquals = (a: Value, b: Value): boolean => compare(a, b) === 0;

/** `===` and pattern matching: 1 and 1.0 differ. */
export function strictEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (isFun(a) || isFun(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => strictEquals(x, b[i]!));
  if (a instanceof Tuple && b instanceof Tuple) {
    return a.elements.length === b.elements.length && a.elements.every((x, i) => strictEquals(x, b.elements[i]!));
  }
  if (a instanceof ErlMap && b instanceof ErlMap) {
    return a.entries.length === b.entries.length && a.entries.every(([k, v]) => {
      const other = mapGet(b, k);
      return other !== undefined && strictEquals(v, other);
    });
  }
  return termEquals(a, b);
}
