import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EtfError, decodeEtf, encodeEtf } from '../../src/erlang/etf.js';
import { termToJson } from '../../src/erlang/json.js';
import { prettyPrint } from '../../src/erlang/pretty.js';
import { ErlFloat, ErlMap, NIL, Tuple, atom, binary, tuple, type Term } from '../../src/erlang/term.js';
import { term } from './arbitrary.js';
import { assertTermEqual, oracleCases, traceBodies } from './helpers.js';

const hex = (t: Term) => encodeEtf(t).toString('hex');
const fromHex = (h: string) => decodeEtf(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function assertEtfError(bytes: Uint8Array | string, pattern: RegExp): void {
  const input = typeof bytes === 'string' ? Buffer.from(bytes.replace(/\s+/g, ''), 'hex') : bytes;
  assert.throws(() => decodeEtf(input), (e: unknown) => e instanceof EtfError && pattern.test(e.message));
}

test('decodes every hex+erlang body of the traces to what the mock saw', () => {
  assert.equal(traceBodies.length, 51);
  for (const body of traceBodies) {
    assert.deepEqual(termToJson(decodeEtf(Buffer.from(body.base64, 'base64'))), body.json, body.source);
  }
});

test('re-encodes every request body mix sent byte for byte', () => {
  const requests = traceBodies.filter((b) => b.direction === 'request');
  assert.equal(requests.length, 13);
  for (const body of requests) {
    const bytes = Buffer.from(body.base64, 'base64');
    assert.ok(encodeEtf(decodeEtf(bytes)).equals(bytes), body.source);
  }
});

test('response bodies (UTF-8 atoms from the mock) survive a round trip', () => {
  for (const body of traceBodies.filter((b) => b.direction === 'response')) {
    const t = decodeEtf(Buffer.from(body.base64, 'base64'));
    assertTermEqual(decodeEtf(encodeEtf(t)), t, body.source);
  }
});

test('encodes exactly like term_to_binary/1 of OTP 25 on random terms', () => {
  for (const c of oracleCases) {
    const bytes = Buffer.from(c.etf, 'base64');
    assert.ok(encodeEtf(decodeEtf(bytes)).equals(bytes), c.utf8);
  }
});

test('integer encodings', () => {
  assert.equal(hex(0), '836100');
  assert.equal(hex(255), '8361ff');
  assert.equal(hex(256), '836200000100');
  assert.equal(hex(-1), '8362ffffffff');
  assert.equal(hex(2 ** 31 - 1), '83627fffffff');
  assert.equal(hex(-(2 ** 31)), '836280000000');
  assert.equal(hex(2 ** 31), '836e040000000080');
  assert.equal(hex(-(2 ** 31) - 1), '836e040101000080');
  assert.equal(hex(2n ** 64n), '836e0900' + '00'.repeat(8) + '01');
  assert.equal(hex(2 ** 53), '836e0700000000000000' + '20');
  const large = encodeEtf(2n ** 2048n); // 257 magnitude bytes: LARGE_BIG
  assert.equal(large.subarray(0, 7).toString('hex'), '836f0000010100');
  assert.equal(decodeEtf(large), 2n ** 2048n);
  assert.throws(() => encodeEtf(0.5), /ErlFloat/);
});

test('atom, float, binary, list, tuple and map encodings', () => {
  assert.equal(hex(atom('ok')), '836400026f6b');
  assert.equal(hex(atom('é')), '83640001e9'); // Latin-1 atoms stay ATOM_EXT
  assert.equal(hex(atom('日')), '837703e697a5');
  const longUtf8 = atom('日'.repeat(86)); // 258 bytes of UTF-8
  assert.equal(encodeEtf(longUtf8).subarray(0, 4).toString('hex'), '83760102');
  assert.throws(() => encodeEtf(atom('a'.repeat(256))), /255/);
  assert.equal(hex(new ErlFloat(1.5)), '83463ff8000000000000');
  assert.throws(() => encodeEtf(new ErlFloat(Infinity)), EtfError);
  assert.equal(hex(binary('ab')), '836d000000026162');
  assert.equal(hex([]), '836a');
  assert.equal(hex([1, 2, 255]), '836b00030102ff');
  assert.equal(hex([1, 256]), '836c00000002610162000001006a');
  assert.equal(hex([atom('a')]), '836c00000001640001616a');
  assert.equal(encodeEtf(Array(65536).fill(1))[1], 108); // too long for STRING_EXT
  assert.equal(hex(tuple()), '836800');
  assert.equal(hex(tuple(1, atom('a'))), '8368026101640001' + '61');
  assert.equal(encodeEtf(new Tuple(Array(256).fill(0))).subarray(0, 6).toString('hex'), '836900000100');
  assert.equal(hex(new ErlMap([[binary('k'), NIL]])), '8374000000016d000000016b640003' + '6e696c');
});

test('maps are written in key order up to 32 keys, like term_to_binary; bigger ones in entry order', () => {
  const small = new ErlMap([[atom('b'), 1], [atom('a'), 2]]);
  // 74 MAP_EXT, 2 pairs: a => 2, then b => 1
  assert.equal(hex(small), '837400000002' + '640001' + '61' + '6102' + '640001' + '62' + '6101');
  assert.deepEqual((decodeEtf(encodeEtf(small)) as ErlMap).entries.map(([k]) => k), [atom('a'), atom('b')]);
  const keys = Array.from({ length: 33 }, (_, i) => 33 - i);
  const big = decodeEtf(encodeEtf(new ErlMap(keys.map((k): [Term, Term] => [k, 0])))) as ErlMap;
  assert.deepEqual(big.entries.map(([k]) => k), keys);
});

test('decodes the older and rarer encodings', () => {
  assert.equal(fromHex('8373026f6b'), atom('ok')); // SMALL_ATOM_EXT
  assert.equal(fromHex('83760003e697a5'), atom('日')); // ATOM_UTF8_EXT
  const old = Buffer.concat([Buffer.from([131, 99]), Buffer.from('1.50000000000000000000e+00'.padEnd(31, '\0'))]);
  assert.equal((decodeEtf(old) as ErlFloat).value, 1.5); // FLOAT_EXT
  assertTermEqual(fromHex('83690000000261016102'), tuple(1, 2)); // LARGE_TUPLE with few elements
  assertTermEqual(fromHex('836e0100ff'), 255); // a small SMALL_BIG
  assertTermEqual(fromHex('836e0000'), 0);
  assertTermEqual(fromHex('836f0000000201ff00'), -255); // LARGE_BIG, little-endian digits
  assertTermEqual(fromHex('836c0000000161016b00020203'), [1, 2, 3]); // a list whose tail is a list
});

test('rejects what the term model cannot hold, with EtfError', () => {
  assertEtfError('', /truncated/);
  assertEtfError('82 61 01', /131/);
  assertEtfError('83 50 00000001 789c', /compressed/);
  assertEtfError('83 58 64000161', /unsupported term tag 88/); // NEW_PID
  assertEtfError('83 4d 00000001 07 ff', /unsupported term tag 77/); // bit string
  assertEtfError('83 6c 00000001 6101 6102', /improper/);
  assertEtfError('83 61 01 00', /1 unexpected bytes after the term/);
  assertEtfError('83 46 7ff8000000000000', /NaN/);
  assertEtfError('83 46 7ff0000000000000', /infinite/);
  assertEtfError('83 63' + Buffer.from('nan'.padEnd(31, '\0')).toString('hex'), /FLOAT_EXT/);
  assertEtfError('83 74 00000002 6101 6a 6101 6a', /repeated key/);
  assertEtfError('83 77 02 c328', /not valid UTF-8/);
  assertEtfError('83 6e 01 02 01', /sign/);
  assertEtfError('83 64 0100' + '61'.repeat(256), /255/);
  assertEtfError('83 76 0400' + 'e697a5'.repeat(256) + '61'.repeat(256), /255/);
});

test('huge lengths fail at once without allocating', () => {
  // Refused by the announced length, checked against what is left right after the length field,
  // before any element is read or any room made: a decoder that allocated first would throw a
  // RangeError (or run out of memory), and one that read element by element would fail later,
  // at an offset past the length field and needing fewer bytes.
  for (const [h, need, offset, have] of [
    ['83 6c ffffffff', 0xffffffff, 6, 0], // LIST_EXT: every element takes a byte at least
    ['83 69 ffffffff', 0xffffffff, 6, 0], // LARGE_TUPLE_EXT
    ['83 74 ffffffff', 2 * 0xffffffff, 6, 0], // MAP_EXT: a key and a value for each
    ['83 6d ffffffff 00', 0xffffffff, 6, 1], // BINARY_EXT
    ['83 6b ffff 00', 0xffff, 4, 1], // STRING_EXT
    ['83 6f ffffffff 00', 0xffffffff, 7, 0], // LARGE_BIG_EXT, after its sign byte
    ['83 64 ffff', 0xffff, 4, 0], // ATOM_EXT
    ['83 76 ffff', 0xffff, 4, 0], // ATOM_UTF8_EXT
  ] as const) {
    assertEtfError(h, new RegExp(`^truncated term: need ${need} bytes at offset ${offset}, have ${have}$`));
  }
});

test('every truncation of a valid body is an EtfError', () => {
  const body = Buffer.from(traceBodies.find((b) => b.source === 'hex-2.5.1 #4 response')!.base64, 'base64');
  for (let n = 0; n < body.length; n++) assertEtfError(body.subarray(0, n), /truncated|131/);
});

test('deep nesting fails cleanly', () => {
  const nested = (depth: number) => Buffer.concat([Buffer.from([131]), Buffer.alloc(depth * 2, Buffer.from([104, 1])), Buffer.from([106])]);
  assertEtfError(nested(1000), /nested more than 512/);
  assertEtfError(nested(200_000), /nested more than 512/);
  let t = decodeEtf(nested(500));
  for (let i = 0; i < 500; i++) t = (t as Tuple).elements[0]!;
  assertTermEqual(t, []);
});

test('decode(encode(t)) is t, and encoding is stable', () => {
  fc.assert(fc.property(term, (t) => {
    const bytes = encodeEtf(t);
    const back = decodeEtf(bytes);
    assertTermEqual(back, t);
    assert.ok(encodeEtf(back).equals(bytes), prettyPrint(t));
  }), { seed: 131, numRuns: 3000 });
});

test('fuzz: random and mutated bytes decode or throw EtfError, and nothing else', () => {
  const onlyEtfErrors = (bytes: Uint8Array) => {
    try {
      decodeEtf(bytes);
    } catch (e) {
      if (!(e instanceof EtfError)) throw e;
    }
  };
  const tags = [70, 97, 98, 99, 100, 104, 105, 106, 107, 108, 109, 110, 111, 115, 116, 118, 119];
  const randomBody = fc.array(fc.oneof(fc.constantFrom(...tags), fc.integer({ min: 0, max: 255 })), { maxLength: 64 })
    .map((xs) => Uint8Array.from([131, ...xs]));
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), randomBody), onlyEtfErrors), { seed: 9, numRuns: 6000 });
  const mutated = fc.tuple(term, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat())
    .map(([t, edits, cut]) => {
      const bytes = Uint8Array.from(encodeEtf(t));
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      return bytes.subarray(0, bytes.length - (cut % 3));
    });
  fc.assert(fc.property(mutated, onlyEtfErrors), { seed: 10, numRuns: 4000 });
});
