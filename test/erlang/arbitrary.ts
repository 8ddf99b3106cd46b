// fast-check generators for Erlang terms, shaped to reach the corners of io_lib_pretty's
// layout (long strings, byte-list binaries, tagged tuples with long tags, nested maps).
import fc from 'fast-check';
import { ErlFloat, ErlMap, Tuple, atom, binary, termKey, type Term } from '../../src/erlang/term.js';

const normalize = (n: bigint): number | bigint => (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);

// Atom characters come from ranges whose grapheme clusters Unicode 14 (OTP 25) and
// Node's newer ICU agree on; io_lib_pretty measures atoms in grapheme clusters.
const atomChar = fc.oneof(
  fc.integer({ min: 0, max: 0x7ff }),
  fc.integer({ min: 0x4e00, max: 0x4eff }),
  fc.integer({ min: 0x1f600, max: 0x1f64f }),
).map((c) => String.fromCodePoint(c));

export const atomName = fc.oneof(
  fc.constantFrom('ok', 'true', 'false', 'nil', 'undefined', '$repos', '$oauth_token', 'auth_key', 'Hello',
    'a b', 'case', 'é', 'ünï', "it's", 'back\\slash', '', 'new\nline', '\u0080x', 'x@y', '_x', 'A', 'ÿ÷', '日本',
    'e\u0301'),
  fc.stringMatching(/^[a-z][a-z0-9_]{0,60}$/),
  fc.string({ unit: atomChar, maxLength: 12 }),
);

const integer = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map(normalize),
  fc.constantFrom(255, 256, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, Number.MAX_SAFE_INTEGER),
);

const float = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0.1, 1e21, 1e-5, 1e-4, 100, 1000, 123456, 1.5e10, -0, 0, 5e-324),
).map((x) => new ErlFloat(x));

const textBinary = (unit: fc.Arbitrary<string>, maxLength: number) =>
  fc.string({ unit, maxLength }).map((s) => binary(s));

export const binaryTerm = fc.oneof(
  fc.string({ maxLength: 120 }).map((s) => binary(s)),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => binary(s)),
  textBinary(fc.constantFrom('a', 'é', '’', '\n', '"', '\\', 'ÿ', '\u00a0', '\u007f', 'z'), 90),
  fc.uint8Array({ maxLength: 90 }),
  fc.uint8Array({ maxLength: 6 }).map((b) => Uint8Array.from([...b, 0xe9])), // invalid UTF-8, Latin-1 printable
);

const charlist = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
).map((s) => Array.from(s, (c) => c.codePointAt(0)!));

const leaf: fc.Arbitrary<Term> = fc.oneof(
  integer, float, atomName.map(atom), binaryTerm, charlist,
  fc.constantFrom<Term>([], new Tuple([]), new ErlMap([]), new Uint8Array(0)),
);

export const { term } = fc.letrec<{ term: Term; list: Term; tuple: Term; tagged: Term; map: Term }>((tie) => ({
  term: fc.oneof({ depthSize: 'small', maxDepth: 5 }, leaf, tie('list'), tie('tuple'), tie('tagged'), tie('map')),
  list: fc.array(tie('term'), { maxLength: 12 }),
  tuple: fc.array(tie('term'), { maxLength: 6 }).map((xs) => new Tuple(xs)),
  tagged: fc.tuple(atomName, fc.array(tie('term'), { minLength: 1, maxLength: 5 }))
    .map(([tag, xs]) => new Tuple([atom(tag), ...xs])),
  map: fc.uniqueArray(fc.tuple(tie('term'), tie('term')), { maxLength: 8, selector: ([k]) => termKey(k) })
    .map((entries) => new ErlMap(entries)),
}));

// Tagged tuples nested deep enough that io_lib_pretty falls back from indenting after
// the tag to an indentation of 4, and then of 1.
export const { nestedTagged } = fc.letrec<{ nestedTagged: Term; inner: Term }>((tie) => ({
  nestedTagged: fc.tuple(fc.stringMatching(/^[a-z]{1,24}$/), fc.array(tie('inner'), { minLength: 1, maxLength: 4 }))
    .map(([tag, xs]) => new Tuple([atom(tag), ...xs])),
  inner: fc.oneof({ depthSize: 'medium', maxDepth: 9 },
    leaf, tie('nestedTagged'),
    fc.array(tie('nestedTagged'), { minLength: 1, maxLength: 3 }),
    fc.tuple(binaryTerm, tie('nestedTagged')).map(([k, v]) => new ErlMap([[k, v]]))),
}));
