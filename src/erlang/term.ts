// The Erlang term model shared by the term printer, the text and binary (ETF) codecs,
// the mix.exs reader and the local registry. JavaScript has no atoms, tuples or
// int/float distinction, so those get small wrapper types; everything else is native.
//
//   integer        -> number (safe integers) or bigint
//   float          -> ErlFloat
//   atom           -> Atom (interned: compare with ===)
//   binary         -> Uint8Array (Buffer is fine)
//   proper list    -> Term[] (a charlist is a list of integers)
//   tuple          -> Tuple
//   map            -> ErlMap (insertion order kept)

export class Atom {
  private static readonly table = new Map<string, Atom>();
  private constructor(readonly name: string) {}
  static of(name: string): Atom {
    let a = Atom.table.get(name);
    if (!a) {
      a = new Atom(name);
      Atom.table.set(name, a);
    }
    return a;
  }
  toString(): string {
    return this.name;
  }
}

export class Tuple {
  constructor(readonly elements: Term[]) {}
}

export class ErlMap {
  constructor(readonly entries: Array<[Term, Term]>) {}
  get(key: Term): Term | undefined {
    for (const [k, v] of this.entries) if (termEquals(k, key)) return v;
    return undefined;
  }
}

export class ErlFloat {
  constructor(readonly value: number) {}
}

export type Term = number | bigint | ErlFloat | Atom | Uint8Array | Term[] | Tuple | ErlMap;

export const atom = (name: string): Atom => Atom.of(name);
export const tuple = (...elements: Term[]): Tuple => new Tuple(elements);
export const binary = (text: string): Uint8Array => Buffer.from(text, 'utf8');

export const TRUE = atom('true');
export const FALSE = atom('false');
export const NIL = atom('nil');
export const UNDEFINED = atom('undefined');

export const isAtom = (t: unknown): t is Atom => t instanceof Atom;
export const isTuple = (t: unknown): t is Tuple => t instanceof Tuple;
export const isMap = (t: unknown): t is ErlMap => t instanceof ErlMap;
export const isBinary = (t: unknown): t is Uint8Array => t instanceof Uint8Array;
export const isList = (t: unknown): t is Term[] => Array.isArray(t);
export const isInteger = (t: unknown): t is number | bigint =>
  (typeof t === 'number' && Number.isInteger(t)) || typeof t === 'bigint';

export function termEquals(a: Term, b: Term): boolean {
  if (a === b) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    return (typeof a === 'number' || typeof a === 'bigint') &&
      (typeof b === 'number' || typeof b === 'bigint') && BigInt(a) === BigInt(b);
  }
  if (a instanceof ErlFloat && b instanceof ErlFloat) return a.value === b.value;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => termEquals(x, b[i]!));
  }
  if (a instanceof Tuple && b instanceof Tuple) return termEquals(a.elements, b.elements);
  if (a instanceof ErlMap && b instanceof ErlMap) {
    return a.entries.length === b.entries.length &&
      a.entries.every(([k, v]) => {
        const other = b.get(k);
        return other !== undefined && termEquals(v, other);
      });
  }
  return false;
}

// The order OTP <= 25 keeps the keys of small maps in (maps:to_list, term_to_binary, ~p):
// Erlang's term order (number < atom < tuple < map < list < binary), except that, as in
// all map key comparisons, every integer sorts before every float, at any depth.
export function compareTerms(a: Term, b: Term): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) {
    if ((a instanceof ErlFloat) !== (b instanceof ErlFloat)) return a instanceof ErlFloat ? 1 : -1;
    const x = a instanceof ErlFloat ? a.value : (a as number | bigint);
    const y = b instanceof ErlFloat ? b.value : (b as number | bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a instanceof Atom) {
    return Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from((b as Atom).name, 'utf8'));
  }
  if (a instanceof Uint8Array) return Buffer.compare(a, b as Uint8Array);
  if (a instanceof Tuple) {
    const other = b as Tuple;
    if (a.elements.length !== other.elements.length) return a.elements.length - other.elements.length;
    return compareSequences(a.elements, other.elements);
  }
  if (a instanceof ErlMap) {
    const other = b as ErlMap;
    if (a.entries.length !== other.entries.length) return a.entries.length - other.entries.length;
    const mine = sortedEntries(a);
    const theirs = sortedEntries(other);
    return compareSequences(mine.map(([k]) => k), theirs.map(([k]) => k)) ||
      compareSequences(mine.map(([, v]) => v), theirs.map(([, v]) => v));
  }
  return compareSequences(a as Term[], b as Term[]);
}

function typeRank(t: Term): number {
  if (typeof t === 'number' || typeof t === 'bigint' || t instanceof ErlFloat) return 0;
  if (t instanceof Atom) return 1;
  if (t instanceof Tuple) return 2;
  if (t instanceof ErlMap) return 3;
  if (Array.isArray(t)) return 4;
  return 5;
}

// The entries in the order OTP 25 stores, prints and encodes them: sorted by key for maps
// of up to 32 keys; larger maps use a hash order we cannot reproduce, so they keep theirs.
export function otpMapOrder(m: ErlMap): Array<[Term, Term]> {
  return m.entries.length <= 32 ? sortedEntries(m) : m.entries;
}

function compareSequences(a: Term[], b: Term[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareTerms(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function sortedEntries(m: ErlMap): Array<[Term, Term]> {
  return [...m.entries].sort(([x], [y]) => compareTerms(x, y));
}

// A string that is equal for two terms exactly when termEquals says they are equal,
// so decoders can detect duplicate map keys in linear time.
export function termKey(t: Term): string {
  if (typeof t === 'number' || typeof t === 'bigint') return `i${BigInt(t)};`;
  if (t instanceof ErlFloat) return `f${t.value};`;
  if (t instanceof Atom) return `a${t.name.length}:${t.name}`;
  if (t instanceof Uint8Array) return `b${Buffer.from(t).toString('hex')};`;
  if (Array.isArray(t)) return `[${t.map(termKey).join('')}]`;
  if (t instanceof Tuple) return `{${t.elements.map(termKey).join('')}}`;
  return `#{${t.entries.map(([k, v]) => termKey(k) + termKey(v)).sort().join('')}}`;
}
