// Kernel: operators, type checks, String.Chars (to_string and interpolation) and the
// functions a project definition reaches for without a module name.
import { Atom, ErlFloat, ErlMap, Tuple, atom } from '../../erlang/term.js';
import { ElixirException, argumentError, badArithmetic } from '../errors.js';
import { inspect } from '../inspect.js';
import { ElixirRegex } from '../regex.js';
import type { Runtime } from '../runtime.js';
import {
  FALSE, NIL, TRUE, bool, compare, int, isBinary, isFun, isInteger, isNumber, looseEquals, strictEquals,
  type Value,
} from '../values.js';
import { toStringChars } from '../chars.js';
import { regexExec } from './string.js';
import { define, funArg, intArg, need } from './table.js';

export { listToString, toStringChars, versionText } from '../chars.js';

// ------------------------------------------------------------ numbers

const floatOf = (v: number | bigint | ErlFloat): number => (v instanceof ErlFloat ? v.value : Number(v));

function checkedFloat(x: number): ErlFloat {
  if (!Number.isFinite(x)) throw badArithmetic();
  return new ErlFloat(x);
}

function arith(op: '+' | '-' | '*', a: Value, b: Value): Value {
  if (!isNumber(a) || !isNumber(b)) throw badArithmetic();
  if (a instanceof ErlFloat || b instanceof ErlFloat) {
    const x = floatOf(a);
    const y = floatOf(b);
    return checkedFloat(op === '+' ? x + y : op === '-' ? x - y : x * y);
  }
  if (typeof a === 'number' && typeof b === 'number') {
    const r = op === '+' ? a + b : op === '-' ? a - b : a * b;
    if (Number.isSafeInteger(r)) return r;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return int(op === '+' ? x + y : op === '-' ? x - y : x * y);
}

function integerDivision(a: Value, b: Value, which: 'div' | 'rem'): Value {
  if (!isInteger(a) || !isInteger(b)) throw badArithmetic();
  if (BigInt(b) === 0n) throw badArithmetic();
  const x = BigInt(a);
  const y = BigInt(b);
  return int(which === 'div' ? x / y : x % y); // BigInt division truncates, like Erlang's div/rem
}

const isBoolean = (v: Value) => v === TRUE || v === FALSE;

export function elixirTypeCheck(name: string, v: Value): boolean {
  switch (name) {
    case 'is_atom': return v instanceof Atom;
    case 'is_binary': return isBinary(v);
    case 'is_bitstring': return isBinary(v);
    case 'is_boolean': return isBoolean(v);
    case 'is_float': return v instanceof ErlFloat;
    case 'is_function': return isFun(v);
    case 'is_integer': return isInteger(v);
    case 'is_list': return Array.isArray(v);
    case 'is_map': return v instanceof ErlMap;
    case 'is_number': return isNumber(v);
    case 'is_tuple': return v instanceof Tuple;
    case 'is_pid': case 'is_port': case 'is_reference': return false;
    default: throw new Error(name);
  }
}

const TYPE_CHECKS = ['is_atom', 'is_binary', 'is_bitstring', 'is_boolean', 'is_float', 'is_function', 'is_integer', 'is_list', 'is_map', 'is_number', 'is_tuple', 'is_pid', 'is_port', 'is_reference'];

const badArg = () => argumentError('errors were found at the given arguments:\n\n  * 1st argument: not a valid argument\n');

function compareOp(op: string) {
  return ([a, b]: Value[]) => {
    const c = compare(a!, b!);
    return bool(op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0);
  };
}

function listSubtract(a: Value[], b: Value[]): Value[] {
  const out = [...a];
  for (const x of b) {
    const i = out.findIndex((y) => strictEquals(x, y));
    if (i >= 0) out.splice(i, 1);
  }
  return out;
}

const kernel: Record<string, (args: Value[], rt: Runtime) => Value> = {
  '+/2': ([a, b]) => arith('+', a!, b!),
  '-/2': ([a, b]) => arith('-', a!, b!),
  '*/2': ([a, b]) => arith('*', a!, b!),
  '//2': ([a, b]) => {
    if (!isNumber(a!) || !isNumber(b!)) throw badArithmetic();
    const y = floatOf(b);
    if (y === 0) throw badArithmetic();
    return checkedFloat(floatOf(a) / y);
  },
  '+/1': ([a]) => {
    if (!isNumber(a!)) throw badArithmetic();
    return a!;
  },
  '-/1': ([a]) => {
    if (!isNumber(a!)) throw badArithmetic();
    if (a instanceof ErlFloat) return new ErlFloat(-a.value);
    return typeof a === 'bigint' ? int(-a) : a === 0 ? 0 : -(a as number);
  },
  '**/2': ([a, b], rt) => {
    if (!isNumber(a!) || !isNumber(b!)) throw badArithmetic();
    if (isInteger(a!) && isInteger(b!)) {
      if (BigInt(b) < 0n) throw badArithmetic();
      rt.tick(Number(b));
      const r = BigInt(a) ** BigInt(b);
      rt.checkSize('binary', r.toString(16).length / 2);
      return int(r);
    }
    return checkedFloat(floatOf(a) ** floatOf(b));
  },
  'div/2': ([a, b]) => integerDivision(a!, b!, 'div'),
  'rem/2': ([a, b]) => integerDivision(a!, b!, 'rem'),
  'abs/1': ([a]) => {
    if (!isNumber(a!)) throw badArg();
    if (a instanceof ErlFloat) return new ErlFloat(Math.abs(a.value));
    return typeof a === 'bigint' ? int(a < 0n ? -a : a) : Math.abs(a as number);
  },
  'max/2': ([a, b]) => (compare(a!, b!) >= 0 ? a! : b!),
  'min/2': ([a, b]) => (compare(a!, b!) <= 0 ? a! : b!),
  'round/1': ([a]) => {
    if (!isNumber(a!)) throw badArg();
    if (!(a instanceof ErlFloat)) return a!;
    return int(BigInt(Math.sign(a.value) * Math.round(Math.abs(a.value))));
  },
  'trunc/1': ([a]) => {
    if (!isNumber(a!)) throw badArg();
    return a instanceof ErlFloat ? int(BigInt(Math.trunc(a.value))) : a!;
  },
  '==/2': ([a, b]) => bool(looseEquals(a!, b!)),
  '!=/2': ([a, b]) => bool(!looseEquals(a!, b!)),
  '===/2': ([a, b]) => bool(strictEquals(a!, b!)),
  '!==/2': ([a, b]) => bool(!strictEquals(a!, b!)),
  '</2': compareOp('<'),
  '>/2': compareOp('>'),
  '<=/2': compareOp('<='),
  '>=/2': compareOp('>='),
  'not/1': ([a]) => {
    if (!isBoolean(a!)) throw argumentError('argument error');
    return bool(a === FALSE);
  },
  '<>/2': ([a, b], rt) => {
    if (!isBinary(a!)) throw argumentError(`construction of binary failed: segment 1 of type 'binary': expected a binary but got: ${inspect(a!)}`);
    if (!isBinary(b!)) throw argumentError(`construction of binary failed: segment 2 of type 'binary': expected a binary but got: ${inspect(b!)}`);
    rt.checkSize('binary', a.length + b.length);
    return Buffer.concat([a, b]);
  },
  '++/2': ([a, b], rt) => {
    if (!Array.isArray(a)) throw argumentError('argument error');
    if (!Array.isArray(b)) {
      throw new ElixirException('ArgumentError', 'argument error'); // an improper list: never useful in a project definition
    }
    rt.checkSize('list', a.length + b.length);
    return a.concat(b);
  },
  '--/2': ([a, b], rt) => {
    if (!Array.isArray(a) || !Array.isArray(b)) throw argumentError('argument error');
    rt.tick(a.length * Math.max(1, b.length));
    return listSubtract(a, b);
  },
  '=~/2': ([a, b], rt) => {
    const s = a!;
    if (!isBinary(s)) throw new ElixirException('FunctionClauseError', 'no function clause matching in Kernel.=~/2');
    if (b instanceof ElixirRegex) return bool(regexExec(b, s, 0, rt) !== undefined);
    if (isBinary(b!)) return bool(Buffer.from(s).includes(Buffer.from(b)));
    throw new ElixirException('FunctionClauseError', 'no function clause matching in Kernel.=~/2');
  },
  'to_string/1': ([v], rt) => toStringChars(v!, rt),
  'to_charlist/1': ([v], rt) => Array.from(toStringChars(v!, rt).toString('utf8'), (c) => c.codePointAt(0)!),
  'inspect/1': ([v]) => Buffer.from(inspect(v!), 'utf8'),
  'inspect/2': ([v]) => Buffer.from(inspect(v!), 'utf8'),
  'elem/2': ([t, i]) => {
    if (!(t instanceof Tuple) || typeof i !== 'number' || i < 0 || i >= t.elements.length) throw argumentError(`errors were found at the given arguments:\n\n  * 1st argument: ${t instanceof Tuple ? 'out of range' : 'not a tuple'}\n`);
    return t.elements[i]!;
  },
  'put_elem/3': ([t, i, v]) => {
    if (!(t instanceof Tuple) || typeof i !== 'number' || i < 0 || i >= t.elements.length) throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: out of range\n');
    const elements = [...t.elements];
    elements[i] = v!;
    return new Tuple(elements);
  },
  'tuple_size/1': ([t]) => {
    if (!(t instanceof Tuple)) throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: not a tuple\n');
    return t.elements.length;
  },
  'map_size/1': ([m]) => {
    if (!(m instanceof ErlMap)) throw new ElixirException('BadMapError', `expected a map, got: ${inspect(m!)}`);
    return m.entries.length;
  },
  'length/1': ([l]) => {
    if (!Array.isArray(l)) throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: not a list\n');
    return l.length;
  },
  'byte_size/1': ([b]) => {
    if (!isBinary(b!)) throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: not a bitstring\n');
    return b.length;
  },
  'hd/1': ([l]) => {
    if (!Array.isArray(l) || l.length === 0) throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: not a nonempty list\n');
    return l[0]!;
  },
  'tl/1': ([l]) => {
    if (!Array.isArray(l) || l.length === 0) throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: not a nonempty list\n');
    return l.slice(1);
  },
  'is_function/2': ([f, n]) => bool(isFun(f) && f.arity === n),
  'apply/2': ([f, args], rt) => {
    need(Array.isArray(args), 'Kernel.apply/2');
    return rt.apply(f!, args as Value[]);
  },
  'apply/3': ([m, f, args], rt) => {
    if (!(m instanceof Atom) || !(f instanceof Atom) || !Array.isArray(args)) throw argumentError('argument error');
    return rt.applyRemote(m.name, f.name, args);
  },
  'then/2': ([v, f], rt) => rt.apply(funArg(f!, 1, 'Kernel.then/2'), [v!]),
  'tap/2': ([v, f], rt) => {
    rt.apply(funArg(f!, 1, 'Kernel.tap/2'), [v!]);
    return v!;
  },
  'function_exported?/3': ([m, f, a], rt) => {
    if (!(m instanceof Atom) || !(f instanceof Atom)) throw argumentError('argument error');
    return bool(rt.functionExported(m.name, f.name, intArg(a!, 'Kernel.function_exported?/3')));
  },
  'exit/1': ([reason]) => {
    throw new ElixirException('exit', inspect(reason!), { kind: 'exit', value: reason });
  },
  'get_in/2': ([data, keys], rt) => {
    need(Array.isArray(keys), 'Kernel.get_in/2');
    let v = data!;
    for (const k of keys as Value[]) {
      if (v === NIL) return NIL;
      v = rt.applyRemote('Elixir.Access', 'get', [v, k]);
    }
    return v;
  },
  'struct/2': () => {
    throw argumentError('structs are not evaluated in mix.exs');
  },
  'node/0': () => atom('nonode@nohost'),
  'binding/0': () => [],
  'is_nil/1': ([v]) => bool(v === NIL),
};
for (const check of TYPE_CHECKS) kernel[`${check}/1`] = ([v]) => bool(elixirTypeCheck(check, v!));

define('Kernel', kernel);

const intPair = (name: string, [a, b]: Value[]): [bigint, bigint] => {
  need(isInteger(a!) && isInteger(b!), name);
  return [BigInt(a as number), BigInt(b as number)];
};

define('Bitwise', {
  'band/2': (args) => int(intPair('Bitwise.band/2', args).reduce((x, y) => x & y)),
  'bor/2': (args) => int(intPair('Bitwise.bor/2', args).reduce((x, y) => x | y)),
  'bxor/2': (args) => int(intPair('Bitwise.bxor/2', args).reduce((x, y) => x ^ y)),
  'bsl/2': (args) => int(intPair('Bitwise.bsl/2', args).reduce((x, y) => x << y)),
  'bsr/2': (args) => int(intPair('Bitwise.bsr/2', args).reduce((x, y) => x >> y)),
  'bnot/1': ([a]) => {
    need(isInteger(a!), 'Bitwise.bnot/1');
    return int(~BigInt(a as number));
  },
  '&&&/2': (args) => int(intPair('Bitwise.&&&/2', args).reduce((x, y) => x & y)),
  '|||/2': (args) => int(intPair('Bitwise.|||/2', args).reduce((x, y) => x | y)),
  '<<</2': (args) => int(intPair('Bitwise.<<</2', args).reduce((x, y) => x << y)),
  '>>>/2': (args) => int(intPair('Bitwise.>>>/2', args).reduce((x, y) => x >> y)),
});
