import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TermSyntaxError, parseTerms } from '../../src/erlang/text.js';
import { decodeEtf } from '../../src/erlang/etf.js';
import { ErlFloat, ErlMap, FALSE, TRUE, atom, binary, tuple, type Term } from '../../src/erlang/term.js';
import { assertTermEqual, oracleCases } from './helpers.js';

const one = (text: string): Term => {
  const terms = parseTerms(text);
  assert.equal(terms.length, 1, text);
  return terms[0]!;
};
const chars = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);

function assertSyntaxError(text: string, where: string, pattern: RegExp): void {
  assert.throws(() => parseTerms(text), (e: unknown) => {
    assert.ok(e instanceof TermSyntaxError, `${text}: ${String(e)}`);
    assert.ok(e.message.startsWith(where + ': '), `${text}: ${e.message}`);
    assert.match(e.message, pattern);
    assert.equal(`${e.line}:${e.column}`, where);
    return true;
  });
}

test('reads the text Erlang printed for random terms back to the same terms', () => {
  for (const c of oracleCases) {
    const expected = decodeEtf(Buffer.from(c.etf, 'base64'));
    assertTermEqual(one(c.utf8 + '.'), expected, c.utf8);
    assertTermEqual(one(c.latin1 + '.'), expected, c.latin1);
  }
});

test('atoms: bare, quoted, and true/false as atoms', () => {
  assert.equal(one('ok.'), atom('ok'));
  assert.equal(one('x@Y_1.'), atom('x@Y_1'));
  assert.equal(one("'$repos'."), atom('$repos'));
  assert.equal(one("'it\\'s'."), atom("it's"));
  assert.equal(one("''."), atom(''));
  assert.equal(one('true.'), TRUE);
  assert.equal(one('false.'), FALSE);
  assert.equal(one('école.'), atom('école'));
  assert.equal(one("'日本'."), atom('日本'));
});

test('integers: decimal, signed, based, with separators, big, and characters', () => {
  const cases: Array<[string, Term]> = [
    ['0', 0], ['42', 42], ['-42', -42], ['+7', 7], ['- 5', -5], ['1_000_000', 1000000],
    ['16#FF', 255], ['16#ff', 255], ['2#1010', 10], ['36#Z', 35], ['-16#10', -16],
    ['123456789012345678901234567890', 123456789012345678901234567890n],
    ['-9007199254740993', -9007199254740993n], ['9007199254740991', 9007199254740991],
    ['$a', 97], ['$\\n', 10], ['$ ', 32], ['$\\x{1F600}', 0x1f600], ['$é', 233], ['$\\\\', 92],
  ];
  for (const [text, value] of cases) assertTermEqual(one(text + '.'), value, text);
});

test('floats', () => {
  const cases: Array<[string, number]> = [
    ['1.5', 1.5], ['-0.0', -0], ['1.0e3', 1000], ['1.0E-5', 1e-5], ['2.5e+2', 250], ['1.7976931348623157e308', Number.MAX_VALUE],
  ];
  for (const [text, value] of cases) {
    const t = one(text + '.');
    assert.ok(t instanceof ErlFloat, text);
    assert.ok(Object.is(t.value, value), text);
  }
});

test('strings are charlists; adjacent strings join', () => {
  assertTermEqual(one('"abc".'), chars('abc'));
  assertTermEqual(one('"".'), []);
  assertTermEqual(one('"ab" "cd"\n "e".'), chars('abcde'));
  assertTermEqual(one('"日本".'), chars('日本'));
  assertTermEqual(one('"line\nbreak".'), chars('line\nbreak'));
});

test('escape sequences', () => {
  const cases: Array<[string, string]> = [
    ['\\n\\r\\t\\v\\b\\f\\e\\s\\d', '\n\r\t\v\b\f\x1b \x7f'],
    ['\\"\\\\\\\'', '"\\\''],
    ['\\101\\0\\12\\1234', 'A\0\nS4'], // octal, one to three digits
    ['\\x41\\x{1F600}\\x{e9}', 'A\u{1F600}é'],
    ['\\^a\\^Z\\^[', '\x01\x1a\x1b'],
    ['\\q\\%', 'q%'],
  ];
  for (const [escaped, value] of cases) assertTermEqual(one(`"${escaped}".`), chars(value), escaped);
});

test('lists, tails, tuples and maps', () => {
  assertTermEqual(one('[].'), []);
  assertTermEqual(one('[1, [2], {}].'), [1, [2], tuple()]);
  assertTermEqual(one('[1, 2 | [3, 4]].'), [1, 2, 3, 4]);
  assertTermEqual(one('[1 | "ab"].'), [1, 97, 98]);
  assertTermEqual(one('{a, {b}, "c"}.'), tuple(atom('a'), tuple(atom('b')), [99]));
  const m = one('#{k => 1, <<"b">> => [x], {t} => #{}}.');
  assert.ok(m instanceof ErlMap);
  assertTermEqual(m, new ErlMap([[atom('k'), 1], [binary('b'), [atom('x')]], [tuple(atom('t')), new ErlMap([])]]));
  assertTermEqual(m.entries.map(([k]) => k), [atom('k'), binary('b'), tuple(atom('t'))]); // text order
  assertTermEqual(one('# { }.'), new ErlMap([]));
});

test('a repeated map key keeps its first place and takes the last value', () => {
  const m = one('#{a => 1, b => 2, a => 3}.') as ErlMap;
  assert.deepEqual(m.entries, [[atom('a'), 3], [atom('b'), 2]]);
});

test('binaries: strings, /utf8, bytes, characters, mixtures, and values modulo 256', () => {
  const cases: Array<[string, number[]]> = [
    ['<<>>', []],
    ['<<"abc">>', [97, 98, 99]],
    ['<<"é">>', [0xe9]],
    ['<<"é"/utf8>>', [0xc3, 0xa9]],
    ['<<"€"/utf8>>', [0xe2, 0x82, 0xac]],
    ['<<"€">>', [0xac]],
    ['<<1,2,255>>', [1, 2, 255]],
    ['<<256, -1, 16#1FF>>', [0, 255, 255]],
    ['<<$a, "b" "c", 233/utf8, "d"/utf8>>', [97, 98, 99, 0xc3, 0xa9, 100]],
    ['<< "a\\n" >>', [97, 10]],
  ];
  for (const [text, bytes] of cases) assertTermEqual(one(text + '.'), Uint8Array.from(bytes), text);
});

test('forms, comments and white space', () => {
  assert.deepEqual(parseTerms(''), []);
  assert.deepEqual(parseTerms('  % only a comment\n\t\r\n'), []);
  const terms = parseTerms('%% header\r\n{a, 1}. % trailing\r\n[b].\n"c".%end');
  assert.equal(terms.length, 3);
  assertTermEqual(terms[0]!, tuple(atom('a'), 1));
  assertTermEqual(terms[1]!, [atom('b')]);
  assertTermEqual(terms[2]!, [99]);
  assertTermEqual(one('{a,\u00a0b}.'), tuple(atom('a'), atom('b'))); // Latin-1 NBSP is white space
});

test('byte input is read as UTF-8 when valid, otherwise as Latin-1', () => {
  assertTermEqual(parseTerms(Buffer.from('{<<"é"/utf8>>, "é"}.\n', 'utf8'))[0]!,
    tuple(Uint8Array.of(0xc3, 0xa9), [0xe9]));
  assertTermEqual(parseTerms(Buffer.from('{<<"é">>, "é"}.\n', 'latin1'))[0]!,
    tuple(Uint8Array.of(0xe9), [0xe9]));
  assertTermEqual(parseTerms(new Uint8Array(Buffer.from('ok.', 'utf8')))[0]!, atom('ok'));
});

test('syntax errors name the position and what was expected', () => {
  assertSyntaxError('{a, b', '1:6', /expected ',' or '}' but found end of input/);
  assertSyntaxError('{a b}.', '1:4', /expected ',' or '}' but found atom 'b'/);
  assertSyntaxError('ok', '1:3', /expected '\.' after the term but found end of input/);
  assertSyntaxError('ok.\n{a}.b.', '2:4', /'\.' not followed by white space/);
  assertSyntaxError('[a | b].', '1:4', /improper lists/);
  assertSyntaxError('[a b].', '1:4', /expected ',', '\|' or ']'/);
  assertSyntaxError('{X}.', '1:2', /variables are not allowed in terms \(found X\)/);
  assertSyntaxError('{_}.', '1:2', /variables/);
  assertSyntaxError('"abc', '1:1', /unterminated string/);
  assertSyntaxError("\n  'abc", '2:3', /unterminated quoted atom/);
  assertSyntaxError('"\\', '1:2', /unterminated escape/);
  assertSyntaxError('"ab\\x4".', '1:4', /two hex digits/);
  assertSyntaxError('"\\x{}".', '1:2', /hex digits and '}'/);
  assertSyntaxError('"\\x{110000}".', '1:2', /beyond U\+10FFFF/);
  assertSyntaxError('"\\x{123456789}".', '1:2', /too large/);
  assertSyntaxError("'\\^", '1:2', /unterminated escape/);
  assertSyntaxError('$', '1:2', /unterminated character/);
  assertSyntaxError('37#1.', '1:1', /invalid base 37/);
  assertSyntaxError('16#G.', '1:4', /expected a base 16 digit/);
  assertSyntaxError('#[].', '1:2', /expected '\{' after '#'/);
  assertSyntaxError('#{a}.', '1:4', /expected '=>'/);
  assertSyntaxError('<<a>>.', '1:3', /a string or an integer in the binary/);
  assertSyntaxError('<<1.5>>.', '1:3', /a string or an integer/);
  assertSyntaxError('<<-1.5>>.', '1:3', /expected an integer but found '-'/);
  assertSyntaxError('<<1:8>>.', '1:4', /segment sizes are not supported/);
  assertSyntaxError('<<1/binary>>.', '1:5', /'utf8' \(the only supported segment type\)/);
  assertSyntaxError('<<-1/utf8>>.', '1:3', /-1 is not a character that UTF-8 can encode/);
  assertSyntaxError('<<16#D800/utf8>>.', '1:3', /55296 is not a character/);
  assertSyntaxError('- a.', '1:3', /a number after the sign/);
  assertSyntaxError('}.', '1:1', /expected a term but found '\}'/);
  assertSyntaxError('1.0e400.', '1:1', /float out of range/);
  assertSyntaxError(`'${'a'.repeat(256)}'.`, '1:1', /atom too long/);
  assertSyntaxError(`${'a'.repeat(256)}.`, '1:257', /atom too long/);
  assertSyntaxError(`${'9'.repeat(20000)}.`, '1:10002', /longer than 10000 digits/);
});

test('deep nesting fails cleanly instead of overflowing the stack', () => {
  const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n) + '.';
  for (const [open, close] of [['[', ']'], ['{', '}'], ['#{a => ', '}'], ['[1|', ']']]) {
    assert.throws(() => parseTerms(deep(1000, open!, close!)), (e: unknown) =>
      e instanceof TermSyntaxError && /nested more than 512 levels/.test(e.message));
    assert.throws(() => parseTerms(deep(100_000, open!, close!)), TermSyntaxError);
  }
  let t = one(deep(500, '[', ']'));
  for (let i = 0; i < 499; i++) t = (t as Term[])[0]!;
  assertTermEqual(t, []);
});

test('fuzz: arbitrary text either parses or throws TermSyntaxError', () => {
  const onlySyntaxErrors = (text: string) => {
    try {
      parseTerms(text);
    } catch (e) {
      if (!(e instanceof TermSyntaxError)) throw e;
    }
  };
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), onlySyntaxErrors), { seed: 7, numRuns: 5000 });
  const token = fc.constantFrom('{', '}', '[', ']', '#{', '#', '<<', '>>', '=>', ',', '|', '.', '. ', '.\n', '"a\\"', "'b'",
    '1', '-', '+', '$x', '$', '16#', '16#F', '1.5e', '1.5e3', '%c\n', ' ', '/utf8', '/', ':8', 'atom', 'Var', '\\x{', '"\\');
  fc.assert(fc.property(fc.array(token, { maxLength: 40 }).map((ts) => ts.join('')), onlySyntaxErrors), { seed: 8, numRuns: 5000 });
});

// How fast: bench/parse.mjs prints the figure for this megabyte (speed is measured there, not here).
test('a megabyte of text parses, every item of a 20,000-item list', () => {
  const item = '{<<"lib/some/file.ex">>,[<<"a">>,<<"b">>],#{k => "string"}}';
  const text = `[${Array(20000).fill(item).join(',\n')}].`;
  const [list] = parseTerms(text);
  assert.equal((list as Term[]).length, 20000);
  const expected = one(`${item}.`);
  for (const parsed of list as Term[]) assertTermEqual(parsed, expected);
});
