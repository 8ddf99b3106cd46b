// The conversions hex.pm (Phoenix) applies between JSON and application/vnd.hex+erlang
// bodies: binaries are strings, nil is null, true/false are booleans, maps have binary keys.
import { Atom, ErlFloat, ErlMap, FALSE, NIL, TRUE, Tuple, binary, type Term } from './term.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Erlang term -> JSON-ready value. Integers beyond 2^53 come back as bigint. */
export function termToJson(term: Term): unknown {
  if (typeof term === 'number' || typeof term === 'bigint') {
    return typeof term === 'bigint' && isSafe(term) ? Number(term) : term;
  }
  if (term instanceof ErlFloat) return term.value;
  if (term instanceof Atom) {
    if (term === NIL) return null;
    if (term === TRUE) return true;
    if (term === FALSE) return false;
    return term.name;
  }
  if (term instanceof Uint8Array) return binaryToString(term);
  if (Array.isArray(term)) return term.map(termToJson);
  if (term instanceof Tuple) return term.elements.map(termToJson);
  if (term instanceof ErlMap) {
    // fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
    return Object.fromEntries(term.entries.map(([k, v]) => [keyToString(k), termToJson(v)]));
  }
  throw new TypeError(`not an Erlang term: ${String(term)}`);
}

/** JSON value -> Erlang term, as Phoenix decodes a JSON body. */
export function jsonToTerm(value: unknown): Term {
  if (value === null) return NIL;
  if (value === true) return TRUE;
  if (value === false) return FALSE;
  if (typeof value === 'string') return binary(value);
  if (typeof value === 'bigint') return isSafe(value) ? Number(value) : value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`JSON has no ${value}`);
    return Number.isInteger(value) ? (Number.isSafeInteger(value) ? value : BigInt(value)) : new ErlFloat(value);
  }
  if (Array.isArray(value)) return value.map(jsonToTerm);
  if (isPlainObject(value)) {
    return new ErlMap(Object.entries(value).map(([k, v]): [Term, Term] => [binary(k), jsonToTerm(v)]));
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isSafe(n: bigint): boolean {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER);
}

function binaryToString(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new TypeError('binary is not valid UTF-8 and has no JSON string form');
  }
}

// Jason writes binary, atom and number keys as strings.
function keyToString(key: Term): string {
  if (key instanceof Uint8Array) return binaryToString(key);
  if (key instanceof Atom) return key.name;
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  throw new TypeError('map keys must be binaries, atoms or integers to become JSON');
}
