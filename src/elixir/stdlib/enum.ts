// Enum, List, Keyword, Map, Tuple, Access and ranges.
import { Atom, ErlMap, Tuple, atom } from '../../erlang/term.js';
import { ElixirException, argumentError } from '../errors.js';
import { inspect } from '../inspect.js';
import type { Runtime } from '../runtime.js';
import {
  FALSE, NIL, TRUE, bool, compare, isBinary, isFun, isInteger, isKeyword, makeMap, mapGet, strictEquals, structName, truthy,
  type Value,
} from '../values.js';
import { listToString, toStringChars } from './kernel.js';
import { binArg, define, funArg, intArg, keywordArg, listArg, mapArg, need, protocolError, type StdFn } from './table.js';

// ------------------------------------------------------------ ranges and enumerables

export function makeRange(first: Value, last: Value, step: Value | undefined): Value {
  if (!isInteger(first) || !isInteger(last) || (step !== undefined && !isInteger(step))) {
    throw argumentError(`ranges (first..last${step === undefined ? '' : '//step'}) expect both sides to be integers, got: ${inspect(first)}..${inspect(last)}${step === undefined ? '' : `//${inspect(step)}`}`);
  }
  const s = step ?? (Number(first) <= Number(last) ? 1 : -1);
  if (s === 0) throw argumentError(`the step to be a non-zero integer, got: 0`);
  return makeMap([[atom('__struct__'), atom('Elixir.Range')], [atom('first'), first], [atom('last'), last], [atom('step'), s]]);
}

function rangeItems(range: ErlMap, rt: Runtime): number[] {
  const first = Number(mapGet(range, atom('first')));
  const last = Number(mapGet(range, atom('last')));
  const step = Number(mapGet(range, atom('step')));
  const count = step > 0 ? (last >= first ? Math.floor((last - first) / step) + 1 : 0) : first >= last ? Math.floor((first - last) / -step) + 1 : 0;
  rt.checkSize('list', count);
  rt.tick(count);
  const out: number[] = [];
  for (let i = 0, v = first; i < count; i++, v += step) out.push(v);
  return out;
}

/** The elements an Enumerable yields: lists, ranges and maps (as {key, value} tuples). */
export function enumerate(v: Value, rt: Runtime): Value[] {
  if (Array.isArray(v)) return v;
  const struct = structName(v);
  if (struct === 'Range') return rangeItems(v as ErlMap, rt);
  if (v instanceof ErlMap && struct === undefined) return v.entries.map(([k, val]) => new Tuple([k, val]));
  throw protocolError('Enumerable', v);
}

/** to_charlist/1. */
export function toCharlist(v: Value, rt: Runtime): Value {
  if (Array.isArray(v)) return Array.from(listToString(v, rt).toString('utf8'), (c) => c.codePointAt(0)!);
  return Array.from(toStringChars(v, rt).toString('utf8'), (c) => c.codePointAt(0)!);
}

const call = (rt: Runtime, f: Value, ...args: Value[]) => rt.apply(f, args);

function sortValues(items: Value[], rt: Runtime, order: Value | undefined, name: string): Value[] {
  rt.tick(items.length * Math.max(1, Math.ceil(Math.log2(items.length + 1))));
  if (order === undefined || order === atom('asc')) return [...items].sort(compare);
  if (order === atom('desc')) return [...items].sort((a, b) => compare(b, a));
  const f = funArg(order, 2, name);
  return [...items].sort((a, b) => (truthy(call(rt, f, a, b)) ? -1 : 1));
}

function uniqueBy(items: Value[], key: (v: Value) => Value, rt: Runtime): Value[] {
  const seen: Value[] = [];
  const out: Value[] = [];
  for (const item of items) {
    rt.tick(seen.length + 1);
    const k = key(item);
    if (!seen.some((s) => strictEquals(s, k))) {
      seen.push(k);
      out.push(item);
    }
  }
  return out;
}

function intoCollectable(items: Value[], into: Value, rt: Runtime): Value {
  if (Array.isArray(into)) {
    rt.checkSize('list', into.length + items.length);
    return into.concat(items);
  }
  if (isBinary(into)) {
    const parts = items.map((i) => binArg(i, 'Collectable.into/1'));
    return Buffer.concat([Buffer.from(into), ...parts]);
  }
  if (into instanceof ErlMap && structName(into) === undefined) {
    return makeMap([...into.entries, ...items.map((i) => pairOf(i, 'Map'))]);
  }
  throw protocolError('Collectable', into);
}

function pairOf(v: Value, into: string): [Value, Value] {
  if (v instanceof Tuple && v.elements.length === 2) return [v.elements[0]!, v.elements[1]!];
  throw argumentError(`collecting into a ${into.toLowerCase()} requires {key, value} tuples, got: ${inspect(v)}`);
}

function joinWith(items: Value[], joiner: Uint8Array, rt: Runtime): Buffer {
  const parts = items.map((i) => {
    rt.tick();
    return Array.isArray(i) ? listToString(i, rt) : toStringChars(i, rt);
  });
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(Buffer.from(joiner));
    out.push(p);
  });
  const result = Buffer.concat(out);
  rt.checkSize('binary', result.length);
  return result;
}

function at(items: Value[], index: number): Value | undefined {
  const i = index < 0 ? items.length + index : index;
  return i >= 0 && i < items.length ? items[i] : undefined;
}

const ENUM: Record<string, StdFn> = {
  'map/2': ([e, f], rt) => enumerate(e!, rt).map((x) => call(rt, f!, x)),
  'filter/2': ([e, f], rt) => enumerate(e!, rt).filter((x) => truthy(call(rt, f!, x))),
  'reject/2': ([e, f], rt) => enumerate(e!, rt).filter((x) => !truthy(call(rt, f!, x))),
  'flat_map/2': ([e, f], rt) => enumerate(e!, rt).flatMap((x) => enumerate(call(rt, f!, x), rt)),
  'each/2': ([e, f], rt) => {
    for (const x of enumerate(e!, rt)) call(rt, f!, x);
    return atom('ok');
  },
  'reduce/3': ([e, acc, f], rt) => enumerate(e!, rt).reduce((a, x) => call(rt, f!, x, a), acc!),
  'reduce/2': ([e, f], rt) => {
    const items = enumerate(e!, rt);
    if (items.length === 0) throw new ElixirException('Enum.EmptyError', 'empty error');
    return items.slice(1).reduce((a, x) => call(rt, f!, x, a), items[0]!);
  },
  'map_reduce/3': ([e, acc, f], rt) => {
    let a = acc!;
    const mapped = enumerate(e!, rt).map((x) => {
      const r = call(rt, f!, x, a);
      if (!(r instanceof Tuple) || r.elements.length !== 2) throw new ElixirException('MatchError', `no match of right hand side value: ${inspect(r)}`);
      a = r.elements[1]!;
      return r.elements[0]!;
    });
    return new Tuple([mapped, a]);
  },
  'concat/1': ([e], rt) => enumerate(e!, rt).flatMap((x) => enumerate(x, rt)),
  'concat/2': ([a, b], rt) => enumerate(a!, rt).concat(enumerate(b!, rt)),
  'into/2': ([e, into], rt) => intoCollectable(enumerate(e!, rt), into!, rt),
  'into/3': ([e, into, f], rt) => intoCollectable(enumerate(e!, rt).map((x) => call(rt, f!, x)), into!, rt),
  'join/1': ([e], rt) => joinWith(enumerate(e!, rt), Buffer.alloc(0), rt),
  'join/2': ([e, j], rt) => joinWith(enumerate(e!, rt), binArg(j!, 'Enum.join/2'), rt),
  'map_join/2': ([e, f], rt) => joinWith(enumerate(e!, rt).map((x) => call(rt, f!, x)), Buffer.alloc(0), rt),
  'map_join/3': ([e, j, f], rt) => joinWith(enumerate(e!, rt).map((x) => call(rt, f!, x)), binArg(j!, 'Enum.map_join/3'), rt),
  'member?/2': ([e, x], rt) => {
    const struct = structName(e!);
    if (struct === 'Range') {
      if (!isInteger(x!)) return FALSE;
      const r = e as ErlMap;
      const [first, last, step] = ['first', 'last', 'step'].map((k) => Number(mapGet(r, atom(k))));
      const v = Number(x);
      const inside = step! > 0 ? v >= first! && v <= last! : v <= first! && v >= last!;
      return bool(inside && (v - first!) % step! === 0);
    }
    return bool(enumerate(e!, rt).some((y) => strictEquals(x!, y)));
  },
  'any?/1': ([e], rt) => bool(enumerate(e!, rt).some(truthy)),
  'any?/2': ([e, f], rt) => bool(enumerate(e!, rt).some((x) => truthy(call(rt, f!, x)))),
  'all?/1': ([e], rt) => bool(enumerate(e!, rt).every(truthy)),
  'all?/2': ([e, f], rt) => bool(enumerate(e!, rt).every((x) => truthy(call(rt, f!, x)))),
  'find/2': ([e, f], rt) => enumerate(e!, rt).find((x) => truthy(call(rt, f!, x))) ?? NIL,
  'find/3': ([e, d, f], rt) => enumerate(e!, rt).find((x) => truthy(call(rt, f!, x))) ?? d!,
  'find_value/2': ([e, f], rt) => {
    for (const x of enumerate(e!, rt)) {
      const v = call(rt, f!, x);
      if (truthy(v)) return v;
    }
    return NIL;
  },
  'count/1': ([e], rt) => enumerate(e!, rt).length,
  'count/2': ([e, f], rt) => enumerate(e!, rt).filter((x) => truthy(call(rt, f!, x))).length,
  'sort/1': ([e], rt) => sortValues(enumerate(e!, rt), rt, undefined, 'Enum.sort/1'),
  'sort/2': ([e, o], rt) => sortValues(enumerate(e!, rt), rt, o, 'Enum.sort/2'),
  'sort_by/2': ([e, f], rt) => {
    const keyed = enumerate(e!, rt).map((x) => [call(rt, f!, x), x] as const);
    return keyed.sort((a, b) => compare(a[0], b[0])).map(([, x]) => x);
  },
  'sort_by/3': ([e, f, o], rt) => {
    const keyed = enumerate(e!, rt).map((x) => [call(rt, f!, x), x] as const);
    const keys = sortValues(keyed.map(([k]) => k), rt, o, 'Enum.sort_by/3');
    const used = new Set<number>();
    return keys.map((k) => {
      const i = keyed.findIndex(([kk], idx) => !used.has(idx) && strictEquals(kk, k));
      used.add(i);
      return keyed[i]![1];
    });
  },
  'uniq/1': ([e], rt) => uniqueBy(enumerate(e!, rt), (x) => x, rt),
  'uniq_by/2': ([e, f], rt) => uniqueBy(enumerate(e!, rt), (x) => call(rt, f!, x), rt),
  'dedup/1': ([e], rt) => enumerate(e!, rt).filter((x, i, all) => i === 0 || !strictEquals(x, all[i - 1]!)),
  'reverse/1': ([e], rt) => [...enumerate(e!, rt)].reverse(),
  'take/2': ([e, n], rt) => {
    const items = enumerate(e!, rt);
    const k = intArg(n!, 'Enum.take/2');
    return k >= 0 ? items.slice(0, k) : items.slice(Math.max(0, items.length + k));
  },
  'drop/2': ([e, n], rt) => {
    const items = enumerate(e!, rt);
    const k = intArg(n!, 'Enum.drop/2');
    return k >= 0 ? items.slice(k) : items.slice(0, Math.max(0, items.length + k));
  },
  'at/2': ([e, i], rt) => at(enumerate(e!, rt), intArg(i!, 'Enum.at/2')) ?? NIL,
  'at/3': ([e, i, d], rt) => at(enumerate(e!, rt), intArg(i!, 'Enum.at/3')) ?? d!,
  'fetch!/2': ([e, i], rt) => {
    const v = at(enumerate(e!, rt), intArg(i!, 'Enum.fetch!/2'));
    if (v === undefined) throw new ElixirException('Enum.OutOfBoundsError', 'out of bounds error');
    return v;
  },
  'empty?/1': ([e], rt) => bool(enumerate(e!, rt).length === 0),
  'to_list/1': ([e], rt) => enumerate(e!, rt),
  'with_index/1': ([e], rt) => enumerate(e!, rt).map((x, i) => new Tuple([x, i])),
  'with_index/2': ([e, o], rt) => {
    if (isFun(o)) return enumerate(e!, rt).map((x, i) => call(rt, o as unknown as Value, x, i));
    const offset = intArg(o!, 'Enum.with_index/2');
    return enumerate(e!, rt).map((x, i) => new Tuple([x, i + offset]));
  },
  'zip/2': ([a, b], rt) => {
    const x = enumerate(a!, rt);
    const y = enumerate(b!, rt);
    return x.slice(0, Math.min(x.length, y.length)).map((v, i) => new Tuple([v, y[i]!]));
  },
  'sum/1': ([e], rt) => enumerate(e!, rt).reduce((a: Value, x) => rt.applyRemote('Elixir.Kernel', '+', [a, x]), 0),
  'max/1': ([e], rt) => {
    const items = enumerate(e!, rt);
    if (items.length === 0) throw new ElixirException('Enum.EmptyError', 'empty error');
    return items.reduce((a, x) => (compare(x, a) > 0 ? x : a));
  },
  'min/1': ([e], rt) => {
    const items = enumerate(e!, rt);
    if (items.length === 0) throw new ElixirException('Enum.EmptyError', 'empty error');
    return items.reduce((a, x) => (compare(x, a) < 0 ? x : a));
  },
  'split_with/2': ([e, f], rt) => {
    const items = enumerate(e!, rt);
    const yes = items.filter((x) => truthy(call(rt, f!, x)));
    const no = items.filter((x) => !yes.includes(x));
    return new Tuple([yes, no]);
  },
  'group_by/2': ([e, f], rt) => {
    const groups: Array<[Value, Value[]]> = [];
    for (const x of enumerate(e!, rt)) {
      const k = call(rt, f!, x);
      const g = groups.find(([gk]) => strictEquals(gk, k));
      if (g) g[1].push(x);
      else groups.push([k, [x]]);
    }
    return makeMap(groups);
  },
  'intersperse/2': ([e, sep], rt) => enumerate(e!, rt).flatMap((x, i) => (i === 0 ? [x] : [sep!, x])),
  'chunk_every/2': ([e, n], rt) => {
    const items = enumerate(e!, rt);
    const k = intArg(n!, 'Enum.chunk_every/2');
    need(k > 0, 'Enum.chunk_every/2');
    const out: Value[] = [];
    for (let i = 0; i < items.length; i += k) out.push(items.slice(i, i + k));
    return out;
  },
  'frequencies/1': ([e], rt) => {
    const counts: Array<[Value, number]> = [];
    for (const x of enumerate(e!, rt)) {
      const c = counts.find(([k]) => strictEquals(k, x));
      if (c) c[1]++;
      else counts.push([x, 1]);
    }
    return makeMap(counts);
  },
};
define('Enum', ENUM);

// ------------------------------------------------------------ List

function flatten(list: Value[], rt: Runtime, tail: Value[] = []): Value[] {
  const out: Value[] = [];
  const walk = (l: Value[]) => {
    for (const x of l) {
      rt.tick();
      if (Array.isArray(x)) walk(x);
      else out.push(x);
      rt.checkSize('list', out.length);
    }
  };
  walk(list);
  return out.concat(tail);
}

function parseInteger(text: string, base: number, name: string): Value {
  const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  const m = /^([+-]?)(.+)$/s.exec(text);
  if (!m || ![...m[2]!.toLowerCase()].every((c) => digits.includes(c))) throw argumentError(`errors were found at the given arguments:\n\n  * 1st argument: not a textual representation of an integer\n`);
  let v = 0n;
  for (const c of m[2]!.toLowerCase()) v = v * BigInt(base) + BigInt(digits.indexOf(c));
  void name;
  const signed = m[1] === '-' ? -v : v;
  return Number.isSafeInteger(Number(signed)) ? Number(signed) : signed;
}
export { parseInteger };

const charlistText = (v: Value, name: string, rt: Runtime): string => {
  need(Array.isArray(v), name);
  return listToString(v as Value[], rt).toString('utf8');
};

define('List', {
  'first/1': ([l]) => listArg(l!, 'List.first/1')[0] ?? NIL,
  'first/2': ([l, d]) => listArg(l!, 'List.first/2')[0] ?? d!,
  'last/1': ([l]) => listArg(l!, 'List.last/1').at(-1) ?? NIL,
  'last/2': ([l, d]) => listArg(l!, 'List.last/2').at(-1) ?? d!,
  'flatten/1': ([l], rt) => flatten(listArg(l!, 'List.flatten/1'), rt),
  'flatten/2': ([l, t], rt) => flatten(listArg(l!, 'List.flatten/2'), rt, listArg(t!, 'List.flatten/2')),
  'wrap/1': ([v]) => (Array.isArray(v) ? v : v === NIL ? [] : [v!]),
  'duplicate/2': ([v, n], rt) => {
    const k = intArg(n!, 'List.duplicate/2');
    need(k >= 0, 'List.duplicate/2');
    rt.checkSize('list', k);
    return new Array<Value>(k).fill(v!);
  },
  'delete/2': ([l, v]) => {
    const items = listArg(l!, 'List.delete/2');
    const i = items.findIndex((x) => strictEquals(x, v!));
    return i < 0 ? items : [...items.slice(0, i), ...items.slice(i + 1)];
  },
  'insert_at/3': ([l, i, v]) => {
    const items = [...listArg(l!, 'List.insert_at/3')];
    const idx = intArg(i!, 'List.insert_at/3');
    items.splice(idx < 0 ? Math.max(0, items.length + idx + 1) : idx, 0, v!);
    return items;
  },
  'to_string/1': ([l], rt) => listToString(listArg(l!, 'List.to_string/1'), rt),
  'to_charlist/1': ([l], rt) => toCharlist(listArg(l!, 'List.to_charlist/1'), rt),
  'to_atom/1': ([l], rt) => atom(charlistText(l!, 'List.to_atom/1', rt)),
  'to_existing_atom/1': ([l], rt) => atom(charlistText(l!, 'List.to_existing_atom/1', rt)),
  'to_integer/1': ([l], rt) => parseInteger(charlistText(l!, 'List.to_integer/1', rt), 10, 'List.to_integer/1'),
  'to_integer/2': ([l, b], rt) => parseInteger(charlistText(l!, 'List.to_integer/2', rt), intArg(b!, 'List.to_integer/2'), 'List.to_integer/2'),
  'to_tuple/1': ([l]) => new Tuple(listArg(l!, 'List.to_tuple/1')),
  'keyfind/3': ([l, k, p]) => {
    const pos = intArg(p!, 'List.keyfind/3');
    return listArg(l!, 'List.keyfind/3').find((t) => t instanceof Tuple && strictEquals(t.elements[pos] ?? NIL, k!) && pos < t.elements.length) ?? NIL;
  },
  'keymember?/3': ([l, k, p]) => {
    const pos = intArg(p!, 'List.keymember?/3');
    return bool(listArg(l!, 'List.keymember?/3').some((t) => t instanceof Tuple && pos < t.elements.length && strictEquals(t.elements[pos]!, k!)));
  },
  'keydelete/3': ([l, k, p]) => {
    const pos = intArg(p!, 'List.keydelete/3');
    const items = listArg(l!, 'List.keydelete/3');
    const i = items.findIndex((t) => t instanceof Tuple && pos < t.elements.length && strictEquals(t.elements[pos]!, k!));
    return i < 0 ? items : [...items.slice(0, i), ...items.slice(i + 1)];
  },
  'foldl/3': ([l, acc, f], rt) => listArg(l!, 'List.foldl/3').reduce((a, x) => call(rt, f!, x, a), acc!),
  'foldr/3': ([l, acc, f], rt) => [...listArg(l!, 'List.foldr/3')].reverse().reduce((a, x) => call(rt, f!, x, a), acc!),
  'ascii_printable?/1': ([l]) => bool(listArg(l!, 'List.ascii_printable?/1').every((c) => typeof c === 'number' && ((c >= 32 && c <= 126) || (c >= 7 && c <= 13) || c === 27))),
  'zip/1': ([l]) => {
    const lists = listArg(l!, 'List.zip/1').map((x) => listArg(x, 'List.zip/1'));
    const n = lists.length === 0 ? 0 : Math.min(...lists.map((x) => x.length));
    return Array.from({ length: n }, (_, i) => new Tuple(lists.map((x) => x[i]!)));
  },
});

// ------------------------------------------------------------ Keyword

/** :lists.keyfind(key, 1, list) as Keyword.get uses it: other elements are skipped, a tuple of another size is a CaseClauseError. */
function kwGet(kw: Value[], key: Value): Value | undefined {
  const found = kw.find((t) => t instanceof Tuple && t.elements.length > 0 && t.elements[0] === key) as Tuple | undefined;
  if (found && found.elements.length !== 2) throw new ElixirException('CaseClauseError', `no case clause matching: ${inspect(found)}`, { term: found });
  return found?.elements[1];
}
const notKeyword = (which: 'first' | 'second', v: Value) => argumentError(`expected a keyword list as the ${which} argument, got: ${inspect(v)}`);
const keyError = (key: Value, term: Value) => new ElixirException('KeyError', `key ${inspect(key)} not found in: ${inspect(term)}`, { key, term });

function keywordMerge(a: Value, b: Value, f: Value | undefined, rt: Runtime, name: string): Value {
  need(Array.isArray(a) && Array.isArray(b), name);
  if (!isKeyword(b!)) throw notKeyword('second', b!);
  if (!isKeyword(a!)) throw notKeyword('first', a!);
  const second = b as Tuple[];
  if (f === undefined) {
    return [...(a as Tuple[]).filter((t) => !second.some((u) => u.elements[0] === t.elements[0])), ...second];
  }
  // Keyword.merge/3: conflicting keys resolved by the function, kept where the first list has them.
  let rest = [...second];
  const merged = (a as Tuple[]).map((t) => {
    const i = rest.findIndex((u) => u.elements[0] === t.elements[0]);
    if (i < 0) return t;
    const other = rest[i]!;
    rest = [...rest.slice(0, i), ...rest.slice(i + 1)];
    return new Tuple([t.elements[0]!, call(rt, f, t.elements[0]!, t.elements[1]!, other.elements[1]!)]);
  });
  return [...merged, ...rest];
}

define('Keyword', {
  'get/2': ([kw, k]) => {
    need(Array.isArray(kw) && k instanceof Atom, 'Keyword.get/3');
    return kwGet(kw as Value[], k!) ?? NIL;
  },
  'get/3': ([kw, k, d]) => {
    need(Array.isArray(kw) && k instanceof Atom, 'Keyword.get/3');
    return kwGet(kw as Value[], k!) ?? d!;
  },
  'fetch/2': ([kw, k]) => {
    const v = kwGet(keywordArg(kw!, 'Keyword.fetch/2'), k!);
    return v === undefined ? atom('error') : new Tuple([atom('ok'), v]);
  },
  'fetch!/2': ([kw, k]) => {
    const v = kwGet(keywordArg(kw!, 'Keyword.fetch!/2'), k!);
    if (v === undefined) throw keyError(k!, kw!);
    return v;
  },
  'has_key?/2': ([kw, k]) => bool(kwGet(keywordArg(kw!, 'Keyword.has_key?/2'), k!) !== undefined),
  'keys/1': ([kw]) => keywordArg(kw!, 'Keyword.keys/1').map((t) => t.elements[0]!),
  'values/1': ([kw]) => keywordArg(kw!, 'Keyword.values/1').map((t) => t.elements[1]!),
  'put/3': ([kw, k, v]) => {
    need(Array.isArray(kw) && k instanceof Atom, 'Keyword.put/3');
    return [new Tuple([k!, v!]), ...(kw as Value[]).filter((t) => !(t instanceof Tuple && t.elements[0] === k))];
  },
  'put_new/3': ([kw, k, v]) => {
    need(Array.isArray(kw) && k instanceof Atom, 'Keyword.put_new/3');
    return kwGet(kw as Value[], k!) !== undefined ? kw! : [new Tuple([k!, v!]), ...(kw as Value[])];
  },
  'delete/2': ([kw, k]) => {
    need(Array.isArray(kw) && k instanceof Atom, 'Keyword.delete/2');
    return (kw as Value[]).filter((t) => !(t instanceof Tuple && t.elements[0] === k));
  },
  'merge/2': ([a, b], rt) => keywordMerge(a!, b!, undefined, rt, 'Keyword.merge/2'),
  'merge/3': ([a, b, f], rt) => keywordMerge(a!, b!, f, rt, 'Keyword.merge/3'),
  'take/2': ([kw, keys]) => {
    const ks = listArg(keys!, 'Keyword.take/2');
    return keywordArg(kw!, 'Keyword.take/2').filter((t) => ks.includes(t.elements[0]!));
  },
  'drop/2': ([kw, keys]) => {
    const ks = listArg(keys!, 'Keyword.drop/2');
    return keywordArg(kw!, 'Keyword.drop/2').filter((t) => !ks.includes(t.elements[0]!));
  },
  'update/4': ([kw, k, d, f], rt) => {
    const list = keywordArg(kw!, 'Keyword.update/4');
    const i = list.findIndex((t) => t.elements[0] === k);
    if (i < 0) return [...list, new Tuple([k!, d!])];
    const updated = new Tuple([k!, call(rt, f!, list[i]!.elements[1]!)]);
    return [...list.slice(0, i), updated, ...list.slice(i + 1).filter((t) => t.elements[0] !== k)];
  },
  'new/0': () => [],
  'new/1': ([e], rt) => {
    const out: Tuple[] = [];
    for (const pair of enumerate(e!, rt)) {
      if (!(pair instanceof Tuple) || pair.elements.length !== 2 || !(pair.elements[0] instanceof Atom)) throw argumentError(`expected a keyword list, got: ${inspect(e!)}`);
      const i = out.findIndex((t) => t.elements[0] === pair.elements[0]);
      if (i >= 0) out.splice(i, 1);
      out.push(pair);
    }
    return out;
  },
  'keyword?/1': ([v]) => bool(isKeyword(v!)),
  'split/2': ([kw, keys]) => {
    const ks = listArg(keys!, 'Keyword.split/2');
    const list = keywordArg(kw!, 'Keyword.split/2');
    return new Tuple([list.filter((t) => ks.includes(t.elements[0]!)), list.filter((t) => !ks.includes(t.elements[0]!))]);
  },
  'pop/2': ([kw, k]) => {
    const list = keywordArg(kw!, 'Keyword.pop/3');
    return new Tuple([kwGet(list, k!) ?? NIL, list.filter((t) => t.elements[0] !== k)]);
  },
  'pop/3': ([kw, k, d]) => {
    const list = keywordArg(kw!, 'Keyword.pop/3');
    return new Tuple([kwGet(list, k!) ?? d!, list.filter((t) => t.elements[0] !== k)]);
  },
});

// ------------------------------------------------------------ Map

function mapNew(e: Value, rt: Runtime, f?: Value): ErlMap {
  if (e instanceof ErlMap && structName(e) === undefined && f === undefined) return e;
  const items = enumerate(e, rt).map((x) => (f === undefined ? x : call(rt, f, x)));
  return makeMap(items.map((i) => pairOf(i, 'Map')));
}

define('Map', {
  'get/2': ([m, k]) => mapGet(mapArg(m!, 'Map.get/2'), k!) ?? NIL,
  'get/3': ([m, k, d]) => mapGet(mapArg(m!, 'Map.get/3'), k!) ?? d!,
  'fetch/2': ([m, k]) => {
    const v = mapGet(mapArg(m!, 'Map.fetch/2'), k!);
    return v === undefined ? atom('error') : new Tuple([atom('ok'), v]);
  },
  'fetch!/2': ([m, k]) => {
    const v = mapGet(mapArg(m!, 'Map.fetch!/2'), k!);
    if (v === undefined) throw keyError(k!, m!);
    return v;
  },
  'has_key?/2': ([m, k]) => bool(mapGet(mapArg(m!, 'Map.has_key?/2'), k!) !== undefined),
  'keys/1': ([m]) => mapArg(m!, 'Map.keys/1').entries.map(([k]) => k),
  'values/1': ([m]) => mapArg(m!, 'Map.values/1').entries.map(([, v]) => v),
  'to_list/1': ([m]) => mapArg(m!, 'Map.to_list/1').entries.map(([k, v]) => new Tuple([k, v])),
  'put/3': ([m, k, v]) => makeMap([...mapArg(m!, 'Map.put/3').entries, [k!, v!]]),
  'put_new/3': ([m, k, v]) => {
    const map = mapArg(m!, 'Map.put_new/3');
    return mapGet(map, k!) !== undefined ? map : makeMap([...map.entries, [k!, v!]]);
  },
  'delete/2': ([m, k]) => new ErlMap(mapArg(m!, 'Map.delete/2').entries.filter(([x]) => !strictEquals(x, k!))),
  'merge/2': ([a, b]) => makeMap([...mapArg(a!, 'Map.merge/2').entries, ...mapArg(b!, 'Map.merge/2').entries]),
  'merge/3': ([a, b, f], rt) => {
    const first = mapArg(a!, 'Map.merge/3');
    const second = mapArg(b!, 'Map.merge/3');
    return makeMap([
      ...first.entries,
      ...second.entries.map(([k, v]): [Value, Value] => {
        const mine = mapGet(first, k);
        return [k, mine === undefined ? v : call(rt, f!, k, mine, v)];
      }),
    ]);
  },
  'take/2': ([m, keys]) => {
    const ks = listArg(keys!, 'Map.take/2');
    return new ErlMap(mapArg(m!, 'Map.take/2').entries.filter(([k]) => ks.some((x) => strictEquals(x, k))));
  },
  'drop/2': ([m, keys]) => {
    const ks = listArg(keys!, 'Map.drop/2');
    return new ErlMap(mapArg(m!, 'Map.drop/2').entries.filter(([k]) => !ks.some((x) => strictEquals(x, k))));
  },
  'update/4': ([m, k, d, f], rt) => {
    const map = mapArg(m!, 'Map.update/4');
    const v = mapGet(map, k!);
    return makeMap([...map.entries, [k!, v === undefined ? d! : call(rt, f!, v)]]);
  },
  'update!/3': ([m, k, f], rt) => {
    const map = mapArg(m!, 'Map.update!/3');
    const v = mapGet(map, k!);
    if (v === undefined) throw keyError(k!, map);
    return makeMap([...map.entries, [k!, call(rt, f!, v)]]);
  },
  'new/0': () => new ErlMap([]),
  'new/1': ([e], rt) => mapNew(e!, rt),
  'new/2': ([e, f], rt) => mapNew(e!, rt, f),
  'from_struct/1': ([m]) => new ErlMap(mapArg(m!, 'Map.from_struct/1').entries.filter(([k]) => k !== atom('__struct__'))),
});

define('Tuple', {
  'to_list/1': ([t]) => {
    need(t instanceof Tuple, 'Tuple.to_list/1');
    return [...(t as Tuple).elements];
  },
  'append/2': ([t, v]) => {
    need(t instanceof Tuple, 'Tuple.append/2');
    return new Tuple([...(t as Tuple).elements, v!]);
  },
});

// ------------------------------------------------------------ Access

export function accessGet(container: Value, key: Value, fallback: Value): Value {
  if (container === NIL) return fallback;
  if (container instanceof ErlMap) {
    const struct = structName(container);
    if (struct !== undefined) {
      throw new ElixirException('UndefinedFunctionError', `function ${struct}.fetch/2 is undefined (${struct} does not implement the Access behaviour)`);
    }
    return mapGet(container, key) ?? fallback;
  }
  if (Array.isArray(container)) {
    if (!(key instanceof Atom)) throw argumentError(`the Access calls for keywords expect the key to be an atom, got: ${inspect(key)}`);
    const found = container.find((t) => t instanceof Tuple && t.elements.length === 2 && t.elements[0] === key);
    return found instanceof Tuple ? found.elements[1]! : fallback;
  }
  throw argumentError(`the Access module does not support accessing ${typeof container === 'object' ? 'this value' : 'it'}: ${inspect(container)}`);
}

define('Access', {
  'get/2': ([c, k]) => accessGet(c!, k!, NIL),
  'get/3': ([c, k, d]) => accessGet(c!, k!, d!),
});

define('Range', {
  'new/2': ([a, b]) => makeRange(a!, b!, undefined),
  'new/3': ([a, b, s]) => makeRange(a!, b!, s!),
  'size/1': ([r], rt) => enumerate(r!, rt).length,
});

void TRUE;
