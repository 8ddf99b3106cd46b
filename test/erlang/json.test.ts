import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonToTerm, termToJson } from '../../src/erlang/json.js';
import { decodeEtf, encodeEtf } from '../../src/erlang/etf.js';
import { ErlFloat, ErlMap, FALSE, NIL, TRUE, atom, binary, tuple } from '../../src/erlang/term.js';
import { assertTermEqual, traceBodies } from './helpers.js';

test('termToJson follows Phoenix: binaries are strings, nil is null, atoms are strings', () => {
  const t = new ErlMap([
    [binary('name'), binary('vm')],
    [binary('revoked_at'), NIL],
    [binary('authing_key'), FALSE],
    [binary('ok'), TRUE],
    [atom('role'), atom('admin')],
    [binary('count'), 3],
    [binary('big'), 2n ** 64n],
    [binary('small_big'), 5n],
    [binary('ratio'), new ErlFloat(0.5)],
    [binary('list'), [binary('a'), tuple(1, binary('b'))]],
    [7, new ErlMap([])],
  ]);
  assert.deepEqual(termToJson(t), {
    name: 'vm', revoked_at: null, authing_key: false, ok: true, role: 'admin', count: 3,
    big: 2n ** 64n, small_big: 5, ratio: 0.5, list: ['a', [1, 'b']], 7: {},
  });
});

test('termToJson refuses what JSON cannot say', () => {
  assert.throws(() => termToJson(Uint8Array.of(0xff)), /not valid UTF-8/);
  assert.throws(() => termToJson(new ErlMap([[Uint8Array.of(0xc3), 1]])), /not valid UTF-8/);
  assert.throws(() => termToJson(new ErlMap([[tuple(), 1]])), /map keys/);
});

test('a "__proto__" key stays an ordinary key both ways', () => {
  const json = termToJson(new ErlMap([[binary('__proto__'), binary('x')]])) as Record<string, unknown>;
  assert.deepEqual(Object.keys(json), ['__proto__']);
  assert.equal(Object.getPrototypeOf(json), Object.prototype);
  assertTermEqual(jsonToTerm(JSON.parse('{"__proto__": 1}')), new ErlMap([[binary('__proto__'), 1]]));
});

test('jsonToTerm: strings to binaries, null to nil, integers and floats apart, keys in order', () => {
  const t = jsonToTerm({ b: 'x', a: null, t: true, f: false, i: -4, x: 2.5, big: 2 ** 60, n: 2n ** 70n, arr: [1, 'y', []], o: {} });
  assert.ok(t instanceof ErlMap);
  assertTermEqual(t.entries.map(([k]) => k), ['b', 'a', 't', 'f', 'i', 'x', 'big', 'n', 'arr', 'o'].map(binary));
  assertTermEqual(t, new ErlMap([
    [binary('b'), binary('x')], [binary('a'), NIL], [binary('t'), TRUE], [binary('f'), FALSE], [binary('i'), -4],
    [binary('x'), new ErlFloat(2.5)], [binary('big'), 2n ** 60n], [binary('n'), 2n ** 70n],
    [binary('arr'), [1, binary('y'), []]], [binary('o'), new ErlMap([])],
  ]));
  assert.throws(() => jsonToTerm(undefined), /not a JSON value/);
  assert.throws(() => jsonToTerm(new Date()), /not a JSON value/);
  assert.throws(() => jsonToTerm(Infinity), /JSON has no/);
});

test('the JSON view of each request reproduces the ETF body mix sent', () => {
  // Request bodies hold only maps, lists and binaries; the JSON view has its own key order.
  for (const body of traceBodies.filter((b) => b.direction === 'request')) {
    const bytes = Buffer.from(body.base64, 'base64');
    assert.ok(encodeEtf(jsonToTerm(body.json)).equals(bytes), body.source);
  }
});

test('JSON survives a trip through terms and ETF', () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => {
    const parsed = JSON.parse(JSON.stringify(value)) as unknown; // -0 becomes 0, as in JSON text
    // Integers beyond 2^53 come back as bigint.
    const expected = JSON.parse(JSON.stringify(value), (_key, v: unknown) =>
      typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) ? BigInt(v) : v) as unknown;
    assert.deepEqual(termToJson(decodeEtf(encodeEtf(jsonToTerm(parsed)))), expected);
  }), { seed: 4, numRuns: 3000 });
});
