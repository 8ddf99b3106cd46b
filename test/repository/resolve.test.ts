// Which release `NAME`, `NAME@VERSION` and `NAME@REQUIREMENT` pick, with Hex's semantics:
// Elixir's Version.match? with allow_pre: false, retired releases passed over.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError, UsageError } from '../../src/errors.js';
import type { Package, Release } from '../../src/repository/protobuf.js';
import { parsePackageSpec, resolveRelease } from '../../src/repository/resolve.js';

function pkg(versions: string[], retired: Record<string, string> = {}): Package {
  const releases: Release[] = versions.map((version) => ({
    version,
    innerChecksum: Buffer.alloc(32),
    dependencies: [],
    advisoryIndexes: [],
    ...(retired[version] ? { retired: { reason: 'deprecated' as const, message: retired[version] } } : {}),
  }));
  return { name: 'lib', repository: 'hexpm', releases, advisories: [] };
}

const pick = (p: Package, spec: string) => resolveRelease(p, parsePackageSpec(spec)).version;

test('requirement resolution table', () => {
  const plain = pkg(['0.9.0', '1.0.0', '1.1.0', '1.2.0', '1.2.3', '1.2.9', '1.3.0-rc.0', '1.3.0', '2.0.0-beta.1', '2.0.0-rc.1', '2.0.0', '2.1.0', '3.0.0-rc.1']);
  const table: Array<[string, string]> = [
    ['lib', '2.1.0'], // newest stable; 3.0.0-rc.1 is a pre-release
    ['lib@~> 1.2', '1.3.0'], // >= 1.2.0 and < 2.0.0-0
    ['lib@~> 1.2.0', '1.2.9'], // >= 1.2.0 and < 1.3.0-0: 1.3.0-rc.0 is out
    ['lib@~> 1.2.3', '1.2.9'],
    ['lib@~> 1.0', '1.3.0'],
    ['lib@~> 2.0', '2.1.0'],
    ['lib@>= 1.0.0 and < 2.0.0', '1.3.0'],
    ['lib@>= 1.0.0 and < 1.2.0 or >= 2.0.0 and < 2.1.0', '2.0.0'],
    ['lib@< 1.0.0 or == 1.1.0', '1.1.0'],
    ['lib@== 1.2.3', '1.2.3'],
    ['lib@1.2.3', '1.2.3'], // an exact version
    ['lib@!= 2.1.0', '3.0.0-rc.1'], // Elixir guards only ~>, > and >= against pre-releases
    ['lib@!= 2.1.0 and < 3.0.0-0', '2.0.0'],
    ['lib@> 2.0.0', '2.1.0'], // 3.0.0-rc.1 only when the requirement names a pre-release
    ['lib@~> 2.0.0-rc.0', '2.0.0'], // names a pre-release: pre-releases may match, and 2.0.0 is newer
    ['lib@>= 2.0.0-beta.0 and < 2.0.0', '2.0.0-rc.1'],
    ['lib@~> 3.0.0-rc.0', '3.0.0-rc.1'],
    ['lib@3.0.0-rc.1', '3.0.0-rc.1'],
    ['lib@>= 0.0.0', '2.1.0'],
  ];
  for (const [spec, expected] of table) assert.equal(pick(plain, spec), expected, spec);
});

test('retired releases are passed over unless asked for exactly', () => {
  const p = pkg(['1.0.0', '1.1.0', '1.2.0', '2.0.0'], { '2.0.0': 'broken', '1.2.0': 'oops' });
  assert.equal(pick(p, 'lib'), '1.1.0');
  assert.equal(pick(p, 'lib@~> 1.0'), '1.1.0');
  assert.equal(pick(p, 'lib@2.0.0'), '2.0.0');
  assert.throws(() => pick(p, 'lib@~> 2.0'), (err: unknown) =>
    err instanceof CliError && err.message === 'every version of lib matching "~> 2.0" is retired (the newest, 2.0.0, (deprecated) broken)' && err.hint === 'To fetch it anyway, ask for it exactly: lib@2.0.0');
  const allRetired = pkg(['1.0.0'], { '1.0.0': 'gone' });
  assert.throws(() => pick(allRetired, 'lib'), /every stable version of lib is retired \(the newest, 1\.0\.0, \(deprecated\) gone\)/);
});

test('nothing suitable: says why, and what would work', () => {
  const pre = pkg(['1.0.0-rc.1', '1.0.0-rc.2']);
  assert.throws(() => pick(pre, 'lib'), (err: unknown) =>
    err instanceof CliError && err.message === 'no stable version of lib is available' && err.hint === 'Pre-releases are taken only when asked for: lib@1.0.0-rc.2');
  assert.throws(() => pick(pre, 'lib@~> 2.0'), (err: unknown) =>
    err instanceof CliError && /no version of lib matching "~> 2\.0" is available/.test(err.message) && err.hint === 'In the repository hexpm, versions: 1.0.0-rc.2, 1.0.0-rc.1.');
  assert.throws(() => pick(pre, 'lib@1.0.0'), /lib has no version 1\.0\.0/);
});

test('package specs: names and requirements are checked before any request', () => {
  assert.deepEqual(parsePackageSpec('plug'), { text: 'plug', name: 'plug', kind: 'newest' });
  assert.deepEqual(parsePackageSpec('plug@1.14.0'), { text: 'plug@1.14.0', name: 'plug', kind: 'version', version: '1.14.0' });
  const spec = parsePackageSpec('plug@ ~> 1.14 ');
  assert.equal(spec.kind, 'requirement');
  assert.equal(spec.kind === 'requirement' && spec.requirement.source, '~> 1.14');
  for (const bad of ['Plug', '1plug', 'plug@', 'plug@~>', 'plug@1.0', '../plug', 'a/b', 'plug@1.0.0 or', '']) {
    assert.throws(() => parsePackageSpec(bad), UsageError, bad);
  }
});
