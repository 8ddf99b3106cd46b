import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { binarify, encodeConsultFile, encodeMetadata, prettyPrint } from '../../src/erlang/pretty.js';
import { parseTerms } from '../../src/erlang/text.js';
import { decodeEtf, encodeEtf } from '../../src/erlang/etf.js';
import {
  ErlFloat, ErlMap, FALSE, NIL, TRUE, Tuple, UNDEFINED, atom, binary, tuple, type Term,
} from '../../src/erlang/term.js';
import { term } from './arbitrary.js';
import { assertTermEqual, fixtureFiles, oracleCases, readFixture, traceBodies } from './helpers.js';

const b = binary;
const map = (...entries: Array<[Term, Term]>) => new ErlMap(entries);
const chars = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);
const latin1Print = (t: Term) => encodeConsultFile([t]).toString('latin1').slice(0, -2);

// ---------------------------------------------------------------- real outputs

test('every metadata.config of the corpus re-prints byte for byte', () => {
  const files = fixtureFiles('metadata/');
  assert.equal(files.length, 11);
  for (const file of files) {
    const bytes = readFixture(file);
    const printed = parseTerms(bytes).map((t) => prettyPrint(t) + '.\n').join('');
    assert.equal(printed, bytes.toString('utf8'), file);
  }
});

test('every hex.config written by mix re-prints byte for byte', () => {
  const files = fixtureFiles('hex-config/');
  assert.ok(files.length >= 10);
  for (const file of files) {
    const bytes = readFixture(file);
    assert.ok(encodeConsultFile(parseTerms(bytes)).equals(bytes), file);
  }
});

test('matches io_lib_pretty:print(T, [{encoding, utf8}]) of OTP 25 on random terms', () => {
  assert.ok(oracleCases.length > 400);
  for (const c of oracleCases) {
    assert.equal(prettyPrint(decodeEtf(Buffer.from(c.etf, 'base64'))), c.utf8);
  }
});

test('matches io_lib:print(T) of OTP 25 (the hex.config printer) on random terms', () => {
  for (const c of oracleCases) {
    assert.equal(latin1Print(decodeEtf(Buffer.from(c.etf, 'base64'))), c.latin1);
  }
});

test('matches the ~tp prints of every API body in the traces (the mock sent unsorted maps)', () => {
  for (const body of traceBodies) {
    const t = decodeEtf(Buffer.from(body.base64, 'base64'));
    assert.equal(prettyPrint(t) + '\n', body.printed, body.source);
  }
});

// ---------------------------------------------------------------- encodeMetadata

const requirement = (app: string, optional: boolean, requirementText: string, repository = 'hexpm') =>
  map([atom('app'), b(app)], [atom('name'), b(app)], [atom('optional'), optional ? TRUE : FALSE],
    [atom('repository'), b(repository)], [atom('requirement'), b(requirementText)]);

test('encodeMetadata reproduces the tiny package', () => {
  const meta = encodeMetadata([
    ['app', b('tiny')],
    ['build_tools', [b('mix')]],
    ['description', b('A tiny public package.')],
    ['elixir', b('~> 1.14')],
    ['files', ['lib', 'lib/tiny.ex', 'mix.exs', 'README.md', 'LICENSE'].map(b)],
    ['licenses', [b('MIT')]],
    ['links', map([b('GitHub'), b('https://github.com/example/tiny')])],
    ['name', b('tiny')],
    ['requirements', []],
    ['version', b('1.0.0')],
  ]);
  assert.ok(meta.equals(readFixture('metadata/tiny-1.0.0.metadata.config')));
});

test('encodeMetadata reproduces fancy: byte-list description, /utf8 nested extra, two requirements', () => {
  const meta = encodeMetadata([
    ['app', atom('fancy')],
    ['build_tools', [atom('mix')]],
    ['description', b('Ünïcödé déscription — ✓ naïve café, 日本語, emoji 🚀')],
    ['elixir', b('~> 1.14')],
    ['extra', map([b('list'), [b('a'), b('b')]], [b('nested'), map([b('key'), b('välue')])])],
    ['files', ['lib', 'lib/fancy.ex', 'priv', 'priv/static', 'priv/static/app.css', 'priv/scripts',
      'priv/scripts/nested', 'priv/scripts/nested/run.sh', 'mix.exs', 'README.md', 'LICENSE', 'CHANGELOG.md'].map(b)],
    ['licenses', [b('MIT'), b('Apache-2.0')]],
    ['links', map([b('Changelog'), b('https://example.com/fancy/CHANGELOG.md')],
      [b('Homepage'), b('https://example.com/fancy')])],
    ['name', b('fancy_pkg')],
    ['requirements', [requirement('jason', true, '~> 1.4'), requirement('decimal', false, '>= 2.0.0 and < 3.0.0')]],
    ['version', b('0.2.0-rc.1')],
  ]);
  assert.equal(meta.toString('utf8'), readFixture('metadata/fancy_pkg-0.2.0-rc.1.metadata.config').toString('utf8'));
});

test('encodeMetadata reproduces unicode_description: wrapped byte lists at two depths', () => {
  const meta = encodeMetadata([
    ['app', b('haiku_kit')],
    ['build_tools', [b('mix')]],
    ['description', b('Sakura-season helpers — it’s 日本語-friendly: 桜 🌸, 花見 and お月見 utilities.')],
    ['elixir', b('~> 1.14')],
    ['extra', map([b('locale'), b('ja-JP')], [b('note'), b('Zoë’s fork — 改良版')])],
    ['files', ['lib', 'lib/haiku_kit', 'lib/haiku_kit/almanac.ex', 'lib/haiku_kit.ex', 'priv', 'priv/locales',
      'priv/locales/ja.json', 'priv/locales/zh.json', 'mix.exs', 'README.md', 'LICENSE'].map(b)],
    ['licenses', [b('MIT')]],
    ['links', map([b('Documentação'), b('https://example.org/haiku_kit/pt-BR')],
      [b('GitHub'), b('https://github.com/example-org/haiku_kit')])],
    ['name', b('haiku_kit')],
    ['requirements', [requirement('ex_cldr', true, '~> 2.37')]],
    ['version', b('0.3.0')],
  ]);
  assert.equal(meta.toString('utf8'), readFixture('metadata/unicode_description.metadata.config').toString('utf8'));
});

test('encodeMetadata escapes quotes, backslashes and newlines inside a /utf8 binary', () => {
  const description = 'Tokenizes "quoted" text, keeps back\\slashes (C:\\temp) intact,\nand handles café-style accents.';
  const line = encodeMetadata([['description', b(description)]]).toString('utf8');
  const expected = readFixture('metadata/escaped_description.metadata.config').toString('utf8')
    .split(/(?<=\.\n)/).find((l) => l.startsWith('{<<"description">>'));
  assert.equal(line, expected);
});

test('encodeMetadata keeps the given key order and writes one term per line', () => {
  const out = encodeMetadata([['name', b('z')], ['app', b('a')]]).toString('utf8');
  assert.equal(out, '{<<"name">>,<<"z">>}.\n{<<"app">>,<<"a">>}.\n');
  assert.equal(encodeMetadata([]).length, 0);
});

// ---------------------------------------------------------------- binarify

test('binarify turns atoms into binaries except true, false and undefined', () => {
  assertTermEqual(binarify(atom('mix')), b('mix'));
  assertTermEqual(binarify(NIL), b('nil'));
  for (const kept of [TRUE, FALSE, UNDEFINED]) assert.equal(binarify(kept), kept);
});

test('binarify turns maps into lists of pairs in entry order, recursively', () => {
  const input = map([atom('z'), map([atom('inner'), [atom('x'), 1]])], [b('a'), tuple(atom('k'), NIL)]);
  assertTermEqual(binarify(input), [
    tuple(b('z'), [tuple(b('inner'), [b('x'), 1])]),
    tuple(b('a'), tuple(b('k'), b('nil'))),
  ]);
});

test('binarify keeps numbers, floats and binaries, and refuses tuples that are not pairs', () => {
  const kept: Term[] = [42, 2n ** 70n, new ErlFloat(1.5), b('x')];
  for (const t of kept) assert.equal(binarify(t), t);
  assertTermEqual(binarify([]), []);
  assert.throws(() => binarify(tuple(1, 2, 3)), /2-tuples/);
  assert.throws(() => binarify([tuple()]), /0-tuple/);
});

// ---------------------------------------------------------------- leaves

test('binaries: <<>>, ASCII, /utf8 for Latin-1 text, byte lists for anything else', () => {
  const cases: Array<[Uint8Array, string]> = [
    [new Uint8Array(0), '<<>>'],
    [b('abc'), '<<"abc">>'],
    [b('say "hi"\\ \n\r\t\v\b\f\x1b'), '<<"say \\"hi\\"\\\\ \\n\\r\\t\\v\\b\\f\\e">>'],
    [b('café ÿ\u00a0'), '<<"café ÿ\u00a0"/utf8>>'],
    [b('It’s'), '<<73,116,226,128,153,115>>'], // U+2019 is not Latin-1
    [b('a\x7fb'), '<<97,127,98>>'], // DEL
    [b('\x00'), '<<0>>'],
    [b('\u0085'), '<<194,133>>'], // a C1 control
    [Uint8Array.of(0xe9), '<<"é">>'], // invalid UTF-8, printable as Latin-1
    [Uint8Array.of(0xc4, 0xa0, 0xff), '<<"Ä\u00a0ÿ">>'], // U+0120 first, but invalid as a whole
    [Uint8Array.of(0xe9, 0x01), '<<233,1>>'], // invalid UTF-8 with a control byte
  ];
  for (const [bytes, expected] of cases) assert.equal(prettyPrint(bytes), expected, expected);
});

test('latin1 printing (hex.config) writes UTF-8 text bytes as Latin-1 characters', () => {
  assert.equal(latin1Print(b('café')), '<<"cafÃ©">>');
  assert.equal(latin1Print(b('It’s')), '<<73,116,226,128,153,115>>');
  assert.ok(encodeConsultFile([b('café')]).equals(Buffer.from('<<"café">>.\n', 'utf8')));
});

test('integers and floats print the way io_lib:write does on OTP 25', () => {
  const ints: Array<[Term, string]> = [[0, '0'], [-7, '-7'], [2n ** 64n, '18446744073709551616'], [-(2n ** 64n), '-18446744073709551616']];
  for (const [t, s] of ints) assert.equal(prettyPrint(t), s);
  // Each expectation was printed by erl 25.2.3.
  const floats: Array<[number, string]> = [
    [0, '0.0'], [-0, '-0.0'], [0.1, '0.1'], [12.5, '12.5'], [100, '100.0'], [1000, '1.0e3'], [2560, '2560.0'],
    [2500, '2.5e3'], [123456, '123456.0'], [1e7, '1.0e7'], [12345678, '12345678.0'], [1e21, '1.0e21'],
    [0.001, '0.001'], [0.0001, '0.0001'], [0.00012, '1.2e-4'], [1e-5, '1.0e-5'], [5e-324, '5.0e-324'],
    [1.7976931348623157e308, '1.7976931348623157e308'], [1234567890123456, '1234567890123456.0'],
    [9007199254740991, '9007199254740991.0'], [9007199254740992, '9.007199254740992e15'],
    [9007199254740000, '9.00719925474e15'], [494986408426130800, '4.949864084261308e17'], [-1.5, '-1.5'],
  ];
  for (const [x, s] of floats) assert.equal(prettyPrint(new ErlFloat(x)), s, s);
  assert.throws(() => prettyPrint(1.5), /ErlFloat/);
  assert.throws(() => prettyPrint(new ErlFloat(NaN)), /finite/);
});

test('atoms are quoted only when needed; utf8 writes characters, latin1 escapes beyond U+00FF', () => {
  const cases: Array<[string, string, string]> = [
    ['ok', 'ok', 'ok'],
    ['auth_key', 'auth_key', 'auth_key'],
    ['x@Y1', 'x@Y1', 'x@Y1'],
    ['é', 'é', 'é'],
    ['$repos', "'$repos'", "'$repos'"],
    ['Hello', "'Hello'", "'Hello'"],
    ['_x', "'_x'", "'_x'"],
    ['a b', "'a b'", "'a b'"],
    ["it's", "'it\\'s'", "'it\\'s'"],
    ['new\nline', "'new\\nline'", "'new\\nline'"],
    ['\u0080', "'\\200'", "'\\200'"],
    ['case', "'case'", "'case'"],
    ['', "''", "''"],
    ['日本', "'日本'", "'\\x{65E5}\\x{672C}'"],
    // Not quoted by OTP 25, but keywords from OTP 27 on: quoting keeps the files readable.
    ['maybe', "'maybe'", "'maybe'"],
    ['else', "'else'", "'else'"],
  ];
  for (const [name, utf8, latin1] of cases) {
    assert.equal(prettyPrint(atom(name)), utf8, name);
    assert.equal(latin1Print(atom(name)), latin1, name);
  }
});

test('charlists print as strings when every character is printable Latin-1', () => {
  assert.equal(prettyPrint(chars('abc "q"\n')), '"abc \\"q\\"\\n"');
  assert.equal(prettyPrint(chars('ÿé')), '"ÿé"');
  assert.equal(prettyPrint([0x100]), '[256]');
  assert.equal(prettyPrint([97, atom('a')]), '[97,a]');
  assert.equal(prettyPrint([]), '[]');
});

test('maps print sorted by key up to 32 keys, like OTP 25; bigger ones in entry order', () => {
  const small = map([b('b'), 1], [atom('z'), 2], [new ErlFloat(1.5), 0], [2, 3]);
  assert.equal(prettyPrint(small), '#{2 => 3,1.5 => 0,z => 2,<<"b">> => 1}');
  const keys = Array.from({ length: 33 }, (_, i) => 33 - i);
  const big = new ErlMap(keys.map((k): [Term, Term] => [k, 0]));
  assert.equal(prettyPrint(big).replace(/\s+/g, ''), `#{${keys.map((k) => `${k}=>0`).join(',')}}`);
});

test('containers print flat when short', () => {
  assert.equal(prettyPrint(tuple()), '{}');
  assert.equal(prettyPrint(new ErlMap([])), '#{}');
  assert.equal(prettyPrint(tuple(1, atom('a'), [b('x')])), '{1,a,[<<"x">>]}');
  assert.equal(prettyPrint(map([atom('k'), 1], [b('j'), map()])), '#{k => 1,<<"j">> => #{}}');
  assert.throws(() => prettyPrint(undefined as unknown as Term), /not an Erlang term/);
});

// ---------------------------------------------------------------- layout (expectations printed by erl 25.2.3)

test('a term stays on one line up to 78 characters', () => {
  const flat = prettyPrint(tuple(b('k'), b('x'.repeat(62))));
  assert.equal(flat, `{<<"k">>,<<"${'x'.repeat(62)}">>}`);
  assert.equal(flat.length, 78);
  assert.equal(prettyPrint(tuple(b('k'), b('x'.repeat(63)))), `{<<"k">>,\n <<"${'x'.repeat(63)}">>}`);
});

test('the last element leaves room for the closing brackets', () => {
  const a = 'a'.repeat(38);
  assert.equal(prettyPrint([b(a), b('b'.repeat(39)), b('c')]),
    `[<<"${a}">>,\n <<"${'b'.repeat(39)}">>,<<"c">>]`);
  assert.equal(prettyPrint([[[b(a), b('b'.repeat(35))]]]),
    `[[[<<"${a}">>,\n   <<"${'b'.repeat(35)}">>]]]`);
});

test('tagged tuples indent after the tag, or by 4 when the tag is long', () => {
  assert.equal(prettyPrint(tuple(atom('ok'), [tuple(atom('a_tag'), Array.from({ length: 30 }, (_, i) => i + 1)),
    tuple(atom('b'), b('text text text text text text'))])),
  '{ok,[{a_tag,[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,\n' +
  '             25,26,27,28,29,30]},\n' +
  '     {b,<<"text text text text text text">>}]}');
  assert.equal(prettyPrint(tuple(atom('a_rather_long_tag_name_of_forty_five_characters_x'), [b('one'), b('two')],
    tuple(atom('nested_tag'), b('some value here'), [1, 2, 3]), b('end'))),
  '{a_rather_long_tag_name_of_forty_five_characters_x,\n' +
  '    [<<"one">>,<<"two">>],\n' +
  '    {nested_tag,<<"some value here">>,[1,2,3]},\n' +
  '    <<"end">>}');
});

test('map values that do not fit go on the next line, indented by 4', () => {
  assert.equal(prettyPrint(map([atom('short'), 1],
    [b('a_key'), b('a value that is long enough to need its own line somewhere')], [b('list'), [1, 2, 3]])),
  '#{short => 1,\n' +
  '  <<"a_key">> =>\n' +
  '      <<"a value that is long enough to need its own line somewhere">>,\n' +
  '  <<"list">> => [1,2,3]}');
});

test('byte lists wrap to the line, with at least 8 columns deep inside', () => {
  let nested: Term = tuple(b('key'), Uint8Array.from([...Array.from({ length: 20 }, (_, i) => i + 1), 200, 201, 202, 203]));
  for (let i = 0; i < 34; i++) nested = [nested];
  const pad = ' '.repeat(37);
  assert.equal(prettyPrint(nested),
    `${'['.repeat(34)}{<<"key">>,\n${' '.repeat(35)}<<1,2,3,4,\n` +
    ['5,6,7,8,', '9,10,11,', '12,13,', '14,15,', '16,17,', '18,19,', '20,200,', '201,202,']
      .map((l) => pad + l + '\n').join('') +
    `${pad}203>>}${']'.repeat(34)}`);
});

test('long strings are never broken', () => {
  const long = 'word '.repeat(40).trim();
  assert.equal(prettyPrint(chars(long)), `"${long}"`);
  assert.equal(prettyPrint([chars(long), 1]), `["${long}",\n 1]`);
});

// ---------------------------------------------------------------- properties

test('printed terms read back as the same term (utf8)', () => {
  fc.assert(fc.property(term, (t) => {
    const [back, ...rest] = parseTerms(prettyPrint(t) + '.\n');
    assert.equal(rest.length, 0);
    assertTermEqual(back!, t);
  }), { seed: 2025, numRuns: 3000 });
});

test('consult files read back as the same terms (latin1 text)', () => {
  fc.assert(fc.property(fc.array(term, { maxLength: 3 }), (terms) => {
    const back = parseTerms(encodeConsultFile(terms).toString('latin1'));
    assert.equal(back.length, terms.length);
    terms.forEach((t, i) => assertTermEqual(back[i]!, t));
  }), { seed: 2026, numRuns: 3000 });
});

test('printing depends only on the term: a decoded copy prints identically', () => {
  fc.assert(fc.property(term, (t) => {
    const copy = decodeEtf(encodeEtf(t));
    assert.equal(prettyPrint(copy), prettyPrint(t));
    assert.ok(encodeConsultFile([copy]).equals(encodeConsultFile([t])));
  }), { seed: 2027, numRuns: 3000 });
});

// Short leaves in shallow lists, tuples and maps: every line then fits in 80 columns.
const shortLeaf: fc.Arbitrary<Term> = fc.oneof(
  fc.integer({ min: -999, max: 9999 }),
  fc.stringMatching(/^[a-z][a-z_]{0,8}$/).map(atom),
  fc.string({ maxLength: 8 }).map((s) => b(s)),
  fc.uint8Array({ maxLength: 3 }),
);
const { shallow } = fc.letrec<{ shallow: Term }>((tie) => ({
  shallow: fc.oneof({ maxDepth: 3 }, shortLeaf,
    fc.array(tie('shallow'), { maxLength: 10 }),
    fc.array(tie('shallow'), { maxLength: 5 }).map((xs) => new Tuple(xs)),
    fc.array(fc.tuple(shortLeaf, tie('shallow')), { maxLength: 5 }).map((es) => new ErlMap(es))),
}));

test('terms of short leaves never print lines wider than 80 columns', () => {
  fc.assert(fc.property(shallow, (t) => {
    const out = prettyPrint(t);
    for (const line of out.split('\n')) assert.ok(Array.from(line).length <= 80, `${line.length}: ${out}`);
    if (!out.includes('\n')) return;
    // Broken only where the one-line form would not fit.
    assert.ok(out.replace(/,\n */g, ',').replace(/ =>\n */g, ' => ').length >= 79, out);
  }), { seed: 2028, numRuns: 3000 });
});
