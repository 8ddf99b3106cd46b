import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ErlFloat, ErlMap, atom, binary, compareTerms, termEquals, termKey, tuple, type Term } from '../../src/erlang/term.js';
import { decodeEtf, encodeEtf } from '../../src/erlang/etf.js';
import { prettyPrint } from '../../src/erlang/pretty.js';
import { term } from './arbitrary.js';

const f = (x: number) => new ErlFloat(x);
const map = (...entries: Array<[Term, Term]>) => new ErlMap(entries);

test('compareTerms sorts map keys the way OTP 25 does', () => {
  // maps:keys/1 of a map with these keys, printed by erl 25.2.3.
  const expected =
    '[-1,2,10000000000000000000000,0.5,1.5,2.0,ab,abc,ok,{},{1},{1.0},{0,0},#{},#{a => 0},#{a => 1},' +
    '#{b => 0},[],[0,5],[1],[1,2],<<>>,<<0,9>>,<<1>>,<<"b">>]';
  const keys: Term[] = [
    2, f(1.5), -1, 10n ** 22n, atom('ok'), atom('abc'), atom('ab'), tuple(), tuple(1), tuple(0, 0), tuple(f(1)),
    map(), map([atom('a'), 1]), map([atom('a'), 0]), map([atom('b'), 0]), [], [1], [1, 2], [0, 5],
    new Uint8Array(0), Uint8Array.of(1), Uint8Array.of(0, 9), binary('b'), f(0.5), f(2),
  ];
  assert.equal(`[${[...keys].sort(compareTerms).map(prettyPrint).join(',')}]`, expected);
});

test('compareTerms: equal terms compare 0, and the order is antisymmetric', () => {
  fc.assert(fc.property(term, term, (a, b) => {
    assert.equal(compareTerms(a, decodeEtf(encodeEtf(a))), 0);
    assert.equal(Math.sign(compareTerms(a, b)) + Math.sign(compareTerms(b, a)), 0);
    if (termEquals(a, b)) assert.equal(compareTerms(a, b), 0);
  }), { seed: 3, numRuns: 2000 });
  assert.ok(compareTerms(atom('é'), atom('z')) > 0); // by UTF-8 bytes, like code points
  assert.equal(compareTerms(map([1, 2], [3, 4]), map([3, 4], [1, 2])), 0);
});

test('termKey is equal exactly when the terms are equal', () => {
  fc.assert(fc.property(term, term, (a, b) => {
    assert.equal(termKey(a), termKey(decodeEtf(encodeEtf(a))));
    assert.equal(termKey(a) === termKey(b), termEquals(a, b));
  }), { seed: 5, numRuns: 2000 });
  const distinct: Term[] = [1, f(1), atom('1'), binary('1'), [1], tuple(1), map([1, 1]), [[]], [tuple()], 'ab'.split('').map(atom)];
  assert.equal(new Set(distinct.map(termKey)).size, distinct.length);
  assert.equal(termKey(map([1, 2], [3, 4])), termKey(map([3, 4], [1, 2])));
  assert.equal(termKey(5), termKey(5n));
});
