import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import semver from 'semver';
import {
  InvalidRequirementError,
  InvalidVersionError,
  compareVersions,
  formatVersion,
  isValidRequirement,
  isValidVersion,
  matches,
  newestMatching,
  parseRequirement,
  parseVersion,
  toSemverRange,
} from '../../src/repository/requirement.js';

// Cases from Elixir's lib/elixir/lib/version.ex docs and lib/elixir/test/elixir/version_test.exs
// (elixir-lang/elixir 63a7a054), plus the lexer corners of Version.Parser.
// [version, requirement, matches with allow_pre: true, matches with allow_pre: false]
const MATCHES: Array<[string, string, boolean, boolean]> = [
  // ==, bare versions, build metadata ignored
  ['2.3.0', '2.3.0', true, true],
  ['2.4.0', '2.3.0', false, false],
  ['2.3.0', '== 2.3.0', true, true],
  ['2.4.0', '== 2.3.0', false, false],
  ['1.2.3-alpha', '1.2.3-alpha', true, true],
  ['0.9.3', '== 0.9.3+dev', true, true],
  ['0.9.3+build.7', '0.9.3', true, true],
  ['1.0.0-rc.1', '== 1.0.0-rc.1', true, true],
  ['1.0.0-rc.1', '== 1.0.0', false, false],
  // != and its deprecated spelling !
  ['2.4.0', '!2.3.0', true, true],
  ['2.3.0', '!2.3.0', false, false],
  ['2.4.0', '!= 2.3.0', true, true],
  ['2.3.0', '!= 2.3.0', false, false],
  ['2.3.0+other', '!= 2.3.0', false, false],
  ['2.4.0-dev', '!= 2.3.0', true, true],
  // >
  ['2.4.0', '> 2.3.0', true, true],
  ['2.2.0', '> 2.3.0', false, false],
  ['2.3.0', '> 2.3.0', false, false],
  ['1.2.3', '> 1.2.3-alpha', true, true],
  ['1.2.3-alpha.1', '> 1.2.3-alpha', true, true],
  ['1.2.3-alpha.beta.sigma', '> 1.2.3-alpha.beta', true, true],
  ['0.10.2-dev', '> 0.10.2', false, false],
  ['1.5.0-rc.0', '> 1.5.0-rc0', false, false],
  ['1.5.0-rc0', '> 1.5.0-rc.0', true, true],
  ['2.4.0-dev', '> 2.3.0', true, false],
  // >=
  ['2.4.0', '>= 2.3.0', true, true],
  ['2.2.0', '>= 2.3.0', false, false],
  ['2.3.0', '>= 2.3.0', true, true],
  ['1.5.0-rc.0', '>= 1.5.0-rc0', false, false],
  ['1.5.0-rc0', '>= 1.5.0-rc.0', true, true],
  ['2.2.0-dev', '>= 2.1.0', true, false],
  ['2.2.6-dev', '>= 2.1.0-dev', true, true],
  ['1.1.0', '>= 1.0.0', true, true],
  ['1.1.0-beta', '>= 1.0.0', true, false],
  ['1.1.0-beta', '>= 1.0.0-beta', true, true],
  ['0.0.1-alpha', '>= 0.0.0', true, false],
  // <, <= (never affected by allow_pre)
  ['2.2.0', '< 2.3.0', true, true],
  ['2.4.0', '< 2.3.0', false, false],
  ['2.3.0', '< 2.3.0', false, false],
  ['0.10.2-dev', '< 0.10.2', true, true],
  ['1.0.0', '< 1.0.0-dev', false, false],
  ['1.2.3-dev', '< 0.1.2', false, false],
  ['1.2.3-alpha.10', '< 1.2.3-alpha.1', false, false],
  ['2.1.0-dev', '< 2.2.0', true, true],
  ['2.2.0', '<= 2.3.0', true, true],
  ['2.4.0', '<= 2.3.0', false, false],
  ['2.3.0', '<= 2.3.0', true, true],
  ['2.3.0-rc.1', '<= 2.3.0', true, true],
  // ~> with major.minor
  ['3.0.0', '~> 3.0', true, true],
  ['3.2.0', '~> 3.0', true, true],
  ['4.0.0', '~> 3.0', false, false],
  ['4.4.0', '~> 3.0', false, false],
  ['3.6.0', '~> 3.5', true, true],
  ['3.5.0', '~> 3.5', true, true],
  ['3.4.9', '~> 3.5', false, false],
  ['5.0.0', '~> 3.5', false, false],
  ['2.1.0', '~> 2.0', true, true],
  ['3.0.0', '~> 2.0', false, false],
  ['1.2.0', '~> 1.2', true, true],
  ['1.99.99', '~> 1.2', true, true],
  ['2.0.0-0', '~> 1.2', false, false],
  ['2.0.0-rc.1', '~> 1.2', false, false],
  ['1.3.0-rc.1', '~> 1.2', true, false],
  ['1.2.0-rc.1', '~> 1.2', false, false],
  ['1.11.0-dev', '~> 1.11-dev', true, true],
  ['1.11.0', '~> 1.11-dev', true, true],
  ['1.12.0', '~> 1.11-dev', true, true],
  ['1.10.0', '~> 1.11-dev', false, false],
  ['2.0.0', '~> 1.11-dev', false, false],
  ['2.2.0-dev', '~> 2.1-dev', true, true],
  ['0.1.0', '~> 0.1', true, true],
  ['0.9.0', '~> 0.1', true, true],
  ['1.0.0', '~> 0.1', false, false],
  // ~> with major.minor.patch
  ['3.0.2', '~> 3.0.0', true, true],
  ['3.0.0', '~> 3.0.0', true, true],
  ['3.1.0', '~> 3.0.0', false, false],
  ['3.4.0', '~> 3.0.0', false, false],
  ['3.5.2', '~> 3.5.0', true, true],
  ['3.5.4', '~> 3.5.0', true, true],
  ['3.6.0', '~> 3.5.0', false, false],
  ['3.6.3', '~> 3.5.0', false, false],
  ['2.0.5', '~> 2.0.0', true, true],
  ['2.1.0', '~> 2.0.0', false, false],
  ['1.2.3', '~> 1.2.3', true, true],
  ['1.2.9', '~> 1.2.3', true, true],
  ['1.2.2', '~> 1.2.3', false, false],
  ['1.3.0', '~> 1.2.3', false, false],
  ['1.3.0-0', '~> 1.2.3', false, false],
  ['0.9.3', '~> 0.9.3-dev', true, true],
  ['0.10.0', '~> 0.9.3-dev', false, false],
  ['0.3.0-dev', '~> 0.2.0', false, false],
  ['2.1.6-dev', '~> 2.1.2', true, false],
  ['2.1.6-dev', '~> 2.1.2-dev', true, true],
  ['1.0.1-beta', '~> 1.0.0-beta', true, true],
  ['1.5.0-rc.0', '~> 1.5.0-rc0', false, false],
  ['1.5.0-rc0', '~> 1.5.0-rc.0', true, true],
  // ~> never includes a pre-release of its upper bound
  ['2.2.0-dev', '~> 2.1.0', false, false],
  ['2.2.0-dev', '~> 2.1.0-dev', false, false],
  ['1.1.0', '~> 1.0', true, true],
  ['1.1.0-beta', '~> 1.0', true, false],
  // and / or, and binding tighter
  ['0.9.3', '> 0.9.0 and < 0.10.0', true, true],
  ['0.10.2', '> 0.9.0 and < 0.10.0', false, false],
  ['0.9.1', '0.9.1 or 0.9.3 or 0.9.5', true, true],
  ['0.9.3', '0.9.1 or 0.9.3 or 0.9.5', true, true],
  ['0.9.5', '0.9.1 or 0.9.3 or 0.9.5', true, true],
  ['0.9.6', '0.9.1 or 0.9.3 or 0.9.5', false, false],
  ['0.1.0', '< 0.2.0 and >= 0.1.0 or >= 0.7.0', true, true],
  ['0.1.5', '< 0.2.0 and >= 0.1.0 or >= 0.7.0', true, true],
  ['0.3.0', '< 0.2.0 and >= 0.1.0 or >= 0.7.0', false, false],
  ['0.6.0', '< 0.2.0 and >= 0.1.0 or >= 0.7.0', false, false],
  ['0.7.0', '< 0.2.0 and >= 0.1.0 or >= 0.7.0', true, true],
  ['0.7.5', '< 0.2.0 and >= 0.1.0 or >= 0.7.0', true, true],
  ['0.1.0', '>= 0.7.0 or < 0.2.0 and >= 0.1.0', true, true],
  ['0.1.5', '>= 0.7.0 or < 0.2.0 and >= 0.1.0', true, true],
  ['0.3.0', '>= 0.7.0 or < 0.2.0 and >= 0.1.0', false, false],
  ['0.7.5', '>= 0.7.0 or < 0.2.0 and >= 0.1.0', true, true],
  ['0.1.5', '< 0.2.0 and >= 0.1.0 or < 0.8.0 and >= 0.7.0', true, true],
  ['0.6.0', '< 0.2.0 and >= 0.1.0 or < 0.8.0 and >= 0.7.0', false, false],
  ['0.7.5', '< 0.2.0 and >= 0.1.0 or < 0.8.0 and >= 0.7.0', true, true],
  ['0.2.0', '== 0.2.0 or >= 0.3.0 and < 0.4.0 or == 0.7.0', true, true],
  ['0.2.5', '== 0.2.0 or >= 0.3.0 and < 0.4.0 or == 0.7.0', false, false],
  ['0.3.5', '== 0.2.0 or >= 0.3.0 and < 0.4.0 or == 0.7.0', true, true],
  ['0.4.0', '== 0.2.0 or >= 0.3.0 and < 0.4.0 or == 0.7.0', false, false],
  ['0.7.0', '== 0.2.0 or >= 0.3.0 and < 0.4.0 or == 0.7.0', true, true],
  ['1.5.0', '>= 1.0.0 and < 2.0.0', true, true],
  ['2.0.0', '>= 1.0.0 and < 2.0.0', false, false],
  ['1.5.0', '~> 1.0 and != 1.5.0', false, false],
  ['1.6.0', '~> 1.0 and != 1.5.0', true, true],
  ['2.0.0-rc.1', '~> 1.0 or ~> 2.0-rc', true, true],
  // the pre-release exception is per comparison: this one's version is not a pre-release
  ['2.0.0-rc.1', '>= 2.0.0-rc.0 and >= 1.0.0', true, false],
  // lexer: no spaces, many spaces, >> lexed as > then >
  ['2.4.0', '>2.3.0', true, true],
  ['2.4.0', '>=2.3.0', true, true],
  ['2.4.0', '    >     2.3.0', true, true],
  ['1.2.5', '~>1.2.3', true, true],
  ['1.2.5', '  ~> 1.2.3  ', true, true],
  ['0.5.0', '>= 0.1.0  or  < 0.0.1', true, true],
  // large numbers (14 digits is the limit)
  ['99999999999999.0.0', '>= 99999999999998.0.0', true, true],
  ['1.0.0-99999999999999', '> 1.0.0-99999999999998', true, true],
  ['1.0.0-100000000000000-alpha', '> 1.0.0-99999999999999', true, true],
];

test('matches follows Version.match? for both allow_pre settings', () => {
  for (const [version, requirement, allowPre, noPre] of MATCHES) {
    assert.equal(matches(version, requirement), allowPre, `${version} against ${requirement}`);
    assert.equal(matches(version, requirement, { allowPre: true }), allowPre, `${version} against ${requirement}, allowPre`);
    assert.equal(matches(version, requirement, { allowPre: false }), noPre, `${version} against ${requirement}, no pre`);
  }
});

test('the ~> table of the Version docs', () => {
  // ~> req, its translation
  const table: Array<[string, string]> = [
    ['~> 2.0.0', '>= 2.0.0 and < 2.1.0-0'],
    ['~> 2.1.2', '>= 2.1.2 and < 2.2.0-0'],
    ['~> 2.1.3-dev', '>= 2.1.3-dev and < 2.2.0-0'],
    ['~> 2.0', '>= 2.0.0 and < 3.0.0-0'],
    ['~> 2.1', '>= 2.1.0 and < 3.0.0-0'],
  ];
  const probes = ['1.9.9', '2.0.0-rc.1', '2.0.0', '2.0.9', '2.1.0-0', '2.1.0', '2.1.2', '2.1.3-dev', '2.1.3-dev.2', '2.1.3', '2.1.9', '2.2.0-0', '2.2.0', '2.9.0', '3.0.0-0', '3.0.0'];
  for (const [tilde, translation] of table) {
    for (const probe of probes) {
      assert.equal(matches(probe, tilde), matches(probe, translation), `${probe} against ${tilde}`);
    }
  }
});

test('parseRequirement keeps the structure: or of ands', () => {
  const req = parseRequirement('< 0.2.0 and >= 0.1.0 or ~> 1.2-rc+build');
  assert.equal(req.source, '< 0.2.0 and >= 0.1.0 or ~> 1.2-rc+build');
  assert.deepEqual(req.anyOf, [
    [
      { operator: '<', version: { major: 0, minor: 2, patch: 0, pre: [], build: [] } },
      { operator: '>=', version: { major: 0, minor: 1, patch: 0, pre: [], build: [] } },
    ],
    [{ operator: '~>', version: { major: 1, minor: 2, patch: null, pre: ['rc'], build: ['build'] } }],
  ]);
  assert.deepEqual(parseRequirement('1.0.0').anyOf, [[{ operator: '==', version: { major: 1, minor: 0, patch: 0, pre: [], build: [] } }]]);
  assert.deepEqual(parseRequirement('! 1.0.0').anyOf[0]![0]!.operator, '!=');
});

const INVALID_REQUIREMENTS: Array<[string, RegExp]> = [
  ['', /it is empty/],
  ['   ', /it is empty/],
  ['foo', /"foo" is not a version/],
  ['2.3', /"2.3" is not a version \(expected MAJOR.MINOR.PATCH\)/],
  ['>= 1', /"1" is not a version/],
  ['~> 3', /"3" is not a version \(expected MAJOR.MINOR or MAJOR.MINOR.PATCH after ~>\)/],
  ['~> 3.', /is not a version/],
  ['1 . 2 . 3', /is not a version/],
  ['== >= 1.2.3', /"==" must be followed by a version/],
  ['== == 2.0.1', /"==" must be followed by a version/],
  ['>= >= 1.0.0', /">=" must be followed by a version/],
  ['1.2.3 >=', /">=" must be followed by a version/],
  ['>=', /">=" must be followed by a version/],
  ['1.2.3 and or 4.5.6', /is not a version/], // " and " eats the spaces, then "or" is a version
  ['1.2.3  and  or 4.5.6', /"or" must come between two comparisons/],
  ['1.0.0 2.0.0', /comparisons must be joined with "and" or "or"/],
  ['>= 1.0.0 < 2.0.0', /comparisons must be joined/],
  [' or 1.0.0', /"or" must come between two comparisons/],
  [' and 1.0.0', /"and" must come between two comparisons/],
  ['1.0.0 or ', /it ends with "or"/],
  ['1.0.0 and  ', /it ends with "and"/],
  ['1.0.0 or', /"or" is not a version/],
  ['100000000000000.0.0', /is not a version/],
  ['1.0.0-01', /is not a version/],
  ['1.0.0-', /is not a version/],
  ['1.0.0+', /is not a version/],
  ['01.0.0', /is not a version/],
  ['1.0.0.0', /is not a version/],
  ['=> 1.0.0', /is not a version/],
  ['= 1.0.0', /is not a version/],
  ['>=\t1.0.0', /is not a version/],
  ['~> 1.0 || ~> 2.0', /is not a version/],
  ['^1.0.0', /is not a version/],
  ['1.0.x', /is not a version/],
  ['v1.0.0', /is not a version/],
  ['~> 1.0-', /is not a version/],
  ['~> 1.0.0-rc..1', /is not a version/],
];

test('invalid requirements throw InvalidRequirementError with the reason', () => {
  for (const [text, reason] of INVALID_REQUIREMENTS) {
    assert.throws(
      () => parseRequirement(text),
      (err: unknown) => err instanceof InvalidRequirementError && err.requirement === text && reason.test(err.message),
      JSON.stringify(text),
    );
    assert.equal(isValidRequirement(text), false, JSON.stringify(text));
    assert.throws(() => matches('1.0.0', text), InvalidRequirementError);
  }
  assert.match(new InvalidRequirementError('~> 3', 'x').message, /^invalid requirement "~> 3": x$/);
  assert.equal(new InvalidRequirementError('x'.repeat(500), 'r').message.length < 150, true);
});

test('parseVersion follows Version.parse', () => {
  assert.deepEqual(parseVersion('1.2.3'), { major: 1, minor: 2, patch: 3, pre: [], build: [] });
  assert.deepEqual(parseVersion('1.4.5+ignore'), { major: 1, minor: 4, patch: 5, pre: [], build: ['ignore'] });
  assert.deepEqual(parseVersion('0.0.1+sha.0702245'), { major: 0, minor: 0, patch: 1, pre: [], build: ['sha', '0702245'] });
  assert.deepEqual(parseVersion('1.4.5-6-g3318bd5'), { major: 1, minor: 4, patch: 5, pre: ['6-g3318bd5'], build: [] });
  assert.deepEqual(parseVersion('1.4.5-6.7.eight'), { major: 1, minor: 4, patch: 5, pre: [6, 7, 'eight'], build: [] });
  assert.deepEqual(parseVersion('99999999999999.0.0').major, 99999999999999);
  assert.deepEqual(parseVersion('1.4.5-6-g3318bd5+ignore').pre, ['6-g3318bd5']);
  assert.deepEqual(parseVersion('1.0.0-100000000000000-alpha').pre, ['100000000000000-alpha']);
  assert.deepEqual(parseVersion('1.0.0+100000000000000').build, ['100000000000000']);
  assert.deepEqual(parseVersion('1.0.0-0').pre, [0]);
  for (const bad of [
    'foobar', '2', '2.', '2.3', '2.3.', '2.3.0-', '2.3.0+', '2.3.0.', '2.3.0.4', '2.3.-rc.1', '2.3.+rc.1',
    '2.3.0-01', '2.3.00-1', '2.3.00', '2.03.0', '02.3.0', '0. 0.0', '0.1.0-&&pre', '100000000000000.0.0',
    '1.100000000000000.0', '1.0.100000000000000', '1.0.0-100000000000000', ' 1.0.0', '1.0.0 ', '', '-1.0.0',
  ]) {
    assert.throws(() => parseVersion(bad), (err: unknown) => err instanceof InvalidVersionError && err.version === bad, bad);
    assert.equal(isValidVersion(bad), false, bad);
  }
  assert.throws(() => matches('2.3', '2.3.0'), InvalidVersionError);
  assert.throws(() => matches('foo', '== 1.0.0'), InvalidVersionError);
});

test('compareVersions follows Version.compare', () => {
  const cases: Array<[string, string, -1 | 0 | 1]> = [
    ['1.0.1', '1.0.0', 1],
    ['1.1.0', '1.0.1', 1],
    ['2.1.1', '1.2.2', 1],
    ['1.0.0', '1.0.0-dev', 1],
    ['1.2.3-dev', '0.1.2', 1],
    ['1.0.0-a.b', '1.0.0-a', 1],
    ['1.0.0-b', '1.0.0-a.b', 1],
    ['1.0.0-a', '1.0.0-0', 1],
    ['1.0.0-a.b', '1.0.0-a.a', 1],
    ['1.0.0-10', '1.0.0-2', 1],
    ['2.0.1-alpha1', '2.0.0', 1],
    ['1.0.0-beta', '1.0.0-rc1', -1],
    ['1.5.0-rc.0', '1.5.0-rc0', -1],
    ['1.0.0-B', '1.0.0-a', -1], // byte order: upper case first
    ['1.0.0', '1.0.0', 0],
    ['1.0.0-dev', '1.0.0-dev', 0],
    ['2.0.1+build0', '2.0.1', 0],
    ['2.0.1+a', '2.0.1+b', 0],
  ];
  for (const [a, b, expected] of cases) {
    assert.equal(compareVersions(a, b), expected, `${a} vs ${b}`);
    assert.equal(compareVersions(b, a), -expected || 0, `${b} vs ${a}`);
  }
  assert.throws(() => compareVersions('1.0', '1.0.0'), InvalidVersionError);
  const sorted = ['1.0.0', '1.0.0-rc.1', '0.9.0', '1.0.0-rc.10', '1.0.0-rc.2', '1.0.0-beta', '10.0.0', '2.0.0'].sort(compareVersions);
  assert.deepEqual(sorted, ['0.9.0', '1.0.0-beta', '1.0.0-rc.1', '1.0.0-rc.2', '1.0.0-rc.10', '1.0.0', '2.0.0', '10.0.0']);
  assert.equal(formatVersion(parseVersion('1.0.0-rc.0+b.1')), '1.0.0-rc.0+b.1');
  assert.equal(formatVersion(parseRequirement('~> 1.2-dev').anyOf[0]![0]!.version), '1.2-dev');
});

test('newestMatching picks the highest match, skips pre-releases unless asked, and honours exclude', () => {
  const versions = ['0.9.0', '1.0.0', '1.1.0', '1.2.0-rc.0', '1.1.5', '2.0.0-rc.1', 'garbage', '2.0.0'];
  assert.equal(newestMatching(versions, '~> 1.0'), '1.1.5');
  assert.equal(newestMatching(versions, '~> 1.0', { allowPre: true }), '1.2.0-rc.0');
  assert.equal(newestMatching(versions, '~> 1.2-rc'), '1.2.0-rc.0');
  assert.equal(newestMatching(versions, '>= 0.0.0'), '2.0.0');
  assert.equal(newestMatching(versions, '< 2.0.0'), '2.0.0-rc.1'); // < is not restricted by allowPre
  assert.equal(newestMatching(versions, '~> 1.0', { exclude: ['1.1.5', '1.1.0'] }), '1.0.0');
  assert.equal(newestMatching(versions, '~> 3.0'), undefined);
  assert.equal(newestMatching([], '>= 0.0.0'), undefined);
  assert.equal(newestMatching(['1.0.0+a', '1.0.0+b'], '1.0.0'), '1.0.0+a');
  assert.equal(newestMatching(new Set(['1.0.0', '1.0.1']), parseRequirement('~> 1.0.0')), '1.0.1');
  assert.throws(() => newestMatching(versions, '~> 1'), InvalidRequirementError);
});

test('toSemverRange translations', () => {
  assert.equal(toSemverRange('~> 1.2'), '>=1.2.0 <2.0.0-0');
  assert.equal(toSemverRange('~> 1.2.3'), '>=1.2.3 <1.3.0-0');
  assert.equal(toSemverRange('~> 2.1.3-dev'), '>=2.1.3-dev <2.2.0-0');
  assert.equal(toSemverRange('>= 1.0.0 and < 2.0.0 or == 3.0.0+build'), '>=1.0.0 <2.0.0 || =3.0.0');
  assert.equal(toSemverRange('1.0.0'), '=1.0.0');
  assert.equal(toSemverRange('!= 1.0.0'), '<1.0.0 || >1.0.0');
  assert.equal(toSemverRange('~> 1.0 and != 1.5.0 and != 1.2.0 and != 1.5.0+b'), '>=1.0.0 <2.0.0-0 <1.2.0 || >=1.0.0 <2.0.0-0 >1.2.0 <1.5.0 || >=1.0.0 <2.0.0-0 >1.5.0');
  for (const range of ['~> 1.2', '~> 1.0 and != 1.5.0', '> 1.0.0-rc.1 or <= 0.1.0']) {
    assert.ok(semver.validRange(toSemverRange(range)), range);
  }
});

// --- generated checks ---

const number = fc.oneof(fc.constantFrom(0, 1, 2, 3, 10), fc.integer({ min: 0, max: 99_999_999_999_999 }));
const preIdentifier = fc.oneof(fc.constantFrom('0', '1', '2', '10', 'rc', 'alpha', 'beta', 'dev', 'RC', 'a-b', '0a'), fc.stringMatching(/^[0-9A-Za-z-]{1,6}$/).filter((id) => !/^0[0-9]+$/.test(id)));
const versionArb = fc
  .tuple(fc.constantFrom(0, 1, 2, 3), fc.constantFrom(0, 1, 2, 3), fc.constantFrom(0, 1, 2, 3), fc.array(preIdentifier, { maxLength: 3 }), fc.boolean())
  .map(([major, minor, patch, pre, build]) => `${major}.${minor}.${patch}${pre.length ? '-' + pre.join('.') : ''}${build ? '+b.1' : ''}`);
const comparisonArb = fc.oneof(
  fc.tuple(fc.constantFrom('==', '!=', '>', '>=', '<', '<=', '~>', ''), versionArb).map(([op, v]) => `${op} ${v}`.trim()),
  fc
    .tuple(fc.constantFrom(0, 1, 2, 3), fc.constantFrom(0, 1, 2, 3), fc.array(preIdentifier, { maxLength: 2 }))
    .map(([major, minor, pre]) => `~> ${major}.${minor}${pre.length ? '-' + pre.join('.') : ''}`),
);
const requirementArb = fc
  .tuple(comparisonArb, fc.array(fc.tuple(fc.constantFrom(' and ', ' or '), comparisonArb), { maxLength: 3 }))
  .map(([first, rest]) => first + rest.map(([joiner, comparison]) => joiner + comparison).join(''));

test('with includePrerelease, the semver range accepts exactly what matches accepts', () => {
  fc.assert(
    fc.property(versionArb, requirementArb, (version, requirement) => {
      const range = toSemverRange(requirement);
      assert.equal(semver.satisfies(version, range, { includePrerelease: true }), matches(version, requirement), `${version} against ${requirement} (${range})`);
    }),
    { seed: 1234, numRuns: 5000 },
  );
});

test('generated requirements parse, and versions compare like semver', () => {
  fc.assert(
    fc.property(requirementArb, (requirement) => {
      assert.ok(isValidRequirement(requirement), requirement);
    }),
    { seed: 99, numRuns: 2000 },
  );
  fc.assert(
    fc.property(versionArb, versionArb, (a, b) => {
      assert.equal(compareVersions(a, b), semver.compare(a, b), `${a} vs ${b}`);
    }),
    { seed: 77, numRuns: 5000 },
  );
  // large numeric identifiers still compare numerically
  fc.assert(
    fc.property(number, number, (a, b) => {
      assert.equal(compareVersions(`1.0.0-${a}`, `1.0.0-${b}`), Math.sign(a - b) || 0);
      assert.equal(compareVersions(`${a}.0.0`, `${b}.0.0`), Math.sign(a - b) || 0);
    }),
    { seed: 5, numRuns: 1000 },
  );
});

test('10,000 random strings: a requirement or an InvalidRequirementError, never a crash', () => {
  // Random text, and text built from the requirement alphabet so the parser's corners get hit.
  const pieces = fc.constantFrom('>=', '<=', '~>', '>', '<', '==', '!=', '!', '=', ' ', ' and ', ' or ', 'and', 'or', '1', '0', '01', '.', '-', '+', 'rc', '1.0', '1.0.0', '\t', 'é', '\u0000');
  const input = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')));
  fc.assert(
    fc.property(input, (text) => {
      let requirement;
      try {
        requirement = parseRequirement(text);
      } catch (err) {
        if (!(err instanceof InvalidRequirementError)) throw err;
        return;
      }
      assert.ok(requirement.anyOf.length > 0 && requirement.anyOf.every((all) => all.length > 0));
      assert.equal(typeof matches('1.0.0', requirement), 'boolean');
      assert.equal(typeof toSemverRange(requirement), 'string');
    }),
    { seed: 20260822, numRuns: 10_000 },
  );
});
