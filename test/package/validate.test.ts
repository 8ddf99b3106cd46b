import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isValidLicense } from '../../src/package/licenses.js';
import { preparePackage } from '../../src/package/project.js';
import { ASSUMED, mixExs, tempProject } from './project-helpers.js';

const SOURCES = { 'lib/a.ex': '', 'README.md': '', LICENSE: '' };

async function check(body: string, files: Record<string, string> = {}, extra = '') {
  const dir = tempProject({ ...SOURCES, ...files, 'mix.exs': mixExs(body, extra) });
  const p = await preparePackage(dir, { env: {}, assumptions: ASSUMED });
  return { ...p.validation, summary: p.summary, dir };
}

const PUBLIC = `      app: :pkg,
      version: "1.0.0",
      description: "A package.",
      package: [licenses: ["MIT"], links: %{"GitHub" => "https://example.org"}]`;

describe('validation', () => {
  test('a complete public package passes', async () => {
    assert.deepEqual(await check(PUBLIC).then(({ errors, warnings }) => ({ errors, warnings })), { errors: [], warnings: [] });
  });

  test('public packages need description, licenses and links', async () => {
    const { errors, warnings } = await check('      app: :pkg,\n      version: "1.0.0"');
    assert.deepEqual(errors, ['Missing metadata fields: description, licenses, links']);
    assert.deepEqual(warnings, []);
  });

  test('private packages only get a warning for them, and no license check', async () => {
    const { errors, warnings } = await check('      app: :pkg,\n      version: "1.0.0",\n      package: [organization: "acme", licenses: ["Nope"]]');
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, ['Missing metadata fields: description, links']);
  });

  test('an organization named hexpm is public', async () => {
    const { errors } = await check('      app: :pkg,\n      version: "1.0.0",\n      package: [organization: "hexpm"]');
    assert.deepEqual(errors, ['Missing metadata fields: description, licenses, links']);
  });

  test('license warnings: none given, unknown ids', async () => {
    const none = await check(PUBLIC.replace('licenses: ["MIT"]', 'licenses: []'));
    assert.deepEqual(none.warnings, ['\nYou have not included any licenses\n']);
    const mixed = await check(PUBLIC.replace('["MIT"]', '["MIT", "Foo", "mit", "GPL-2.0", "GPL-2.0+", "LicenseRef-My.Own-1", "LicenseRef-", :MIT]'));
    assert.deepEqual(mixed.warnings, [
      'The following licenses are not recognized by SPDX:\n * Foo\n * mit\n * LicenseRef-\n * MIT\n\nValid license identifiers are available from https://spdx.org/licenses',
    ]);
  });

  test('isValidLicense: current and deprecated SPDX ids, LicenseRef-idstring, case-sensitive', () => {
    for (const id of ['MIT', 'Apache-2.0', 'EUPL-1.2', 'AGPL-3.0', 'GPL-3.0+', 'LicenseRef-A.b-9']) assert.ok(isValidLicense(id), id);
    for (const id of ['apache-2.0', 'MIT ', 'LicenseRef-', 'LicenseRef-a_b', 'Proprietary']) assert.ok(!isValidLicense(id), id);
  });

  test('description length counts graphemes, after trimming', async () => {
    const long = await check(PUBLIC.replace('"A package."', `String.duplicate("x", 301)`));
    assert.deepEqual(long.errors, ['Package description is too long (exceeds 300 characters)']);
    const exactly = await check(PUBLIC.replace('"A package."', `"  " <> String.duplicate("x", 300) <> "\\n"`));
    assert.deepEqual(exactly.errors, []);
    // 300 graphemes of "e" + combining acute: 600 code points.
    const combining = await check(PUBLIC.replace('"A package."', `String.duplicate("e\\u0301", 300)`));
    assert.deepEqual(combining.errors, []);
    const emoji = await check(PUBLIC.replace('"A package."', `String.duplicate("👍🏽", 301)`));
    assert.deepEqual(emoji.errors, ['Package description is too long (exceeds 300 characters)']);
  });

  test('files: missing entries and the reserved hex_metadata.config', async () => {
    const { errors } = await check(
      PUBLIC.replace('package: [', 'package: [files: ["lib", "nope.txt", "docs/*.md", "hex_metadata.config"], '),
      { 'hex_metadata.config': '' },
    );
    assert.deepEqual(errors, ['Missing files: nope.txt, docs/*.md', 'Do not include this file: hex_metadata.config']);
  });

  test('non-Hex dependencies that reach :prod are errors; the others are ignored', async () => {
    const { errors } = await check(PUBLIC.replace('description:', 'deps: deps(),\n      description:'), {},
      '  defp deps, do: [{:a, path: "../a"}, {:b, git: "https://x", tag: "v1"}, {:c, path: "c", only: :test}, {:d, github: "x/d", hex: :d}]');
    assert.deepEqual(errors, ['Dependencies excluded from the package (only Hex packages can be dependencies): a, b']);
  });

  test('errors come in mix\'s order and stop the license check', async () => {
    const { errors, warnings } = await check(
      '      app: :pkg,\n      version: "1.0.0",\n      description: String.duplicate("x", 400),\n      deps: [{:a, path: "a"}],\n      package: [files: ["nope"], licenses: ["Bad"]]',
    );
    assert.deepEqual(errors, [
      'Missing metadata fields: links',
      'Package description is too long (exceeds 300 characters)',
      'Missing files: nope',
      'Dependencies excluded from the package (only Hex packages can be dependencies): a',
    ]);
    assert.deepEqual(warnings, []);
  });

  test('beyond mix: dependencies from other repositories, as hex.pm words them; mix builds, publish refuses', async () => {
    const deps = '[{:x, "~> 1.0", organization: "acme"}, {:y, "~> 1.0", repo: "hexpm:other"}, {:z, "~> 1.0"}]';
    const pub = await check(PUBLIC.replace('description:', `deps: ${deps},\n      description:`));
    assert.deepEqual(pub.errors, []);
    assert.deepEqual(pub.warnings, []);
    assert.deepEqual(pub.publishRefusals, [
      {
        warning: 'Dependency x is from repository "acme": hex.pm will refuse to publish this package (dependencies can only belong to public repository "hexpm", got: "acme")',
        error: 'x: dependencies can only belong to public repository "hexpm", got: "acme"',
      },
      {
        warning: 'Dependency y is from repository "other": hex.pm will refuse to publish this package (dependencies can only belong to public repository "hexpm", got: "other")',
        error: 'y: dependencies can only belong to public repository "hexpm", got: "other"',
      },
    ]);
    const org = await check(PUBLIC.replace('description:', `deps: ${deps},\n      description:`).replace('package: [', 'package: [organization: "acme", '));
    assert.deepEqual(org.errors, []);
    assert.deepEqual(org.publishRefusals.map((r) => r.error), ['y: dependencies can only belong to public repository "hexpm" or current repository "acme", got: "other"']);
  });

  test('beyond mix: a version hex.pm refuses, in its words', async () => {
    const refusals: Array<[string, string | undefined]> = [
      ['1.0.0', undefined],
      ['0.2.0-rc.1', undefined],
      ['1.0.0-' + 'a'.repeat(64), undefined],
      ['banana', 'is invalid SemVer'],
      ['1.0', 'is invalid SemVer'],
      ['01.0.0', 'is invalid SemVer'],
      ['1.0.0-01', 'is invalid SemVer'],
      ['1.0.0-', 'is invalid SemVer'],
      ['1.0.100000000000000', 'is invalid SemVer'], // 15 digits: Elixir 1.20.1+ (hex.pm's) stops at 14
      ['1.0.0+build.7', 'build number not allowed'],
      ['1.0.0-rc.1+build', 'build number not allowed'],
      ['1.0.0-' + 'a'.repeat(65), 'prerelease must be at most 64 characters'],
      ['1.0.0-' + 'a'.repeat(30) + '.' + 'b'.repeat(34), 'prerelease must be at most 64 characters'],
    ];
    for (const [version, problem] of refusals) {
      const { errors } = await check(PUBLIC.replace('"1.0.0"', JSON.stringify(version)));
      assert.deepEqual(errors, problem ? [`hex.pm refuses version ${JSON.stringify(version)}: ${problem}`] : [], version);
    }
  });

  test('beyond mix: a package name hex.pm refuses, in its words; capitals only warn', async () => {
    const names: Array<[string, string | undefined]> = [
      ['ab', undefined],
      ['a_1', undefined],
      ['a', 'should be at least 2 character(s)'],
      ['\u00e9', 'should be at least 2 character(s)'],
      ['e\u0301', 'should be at least 2 character(s)'], // one character of two code points
      ['   ', "can't be blank"],
      ['', "can't be blank"],
      ['1abc', 'has invalid format'],
      ['_ab', 'has invalid format'],
      ['my-pkg', 'has invalid format'],
      ['caf\u00e9', 'has invalid format'],
      ['Abc', 'has invalid format'],
    ];
    for (const [name, problem] of names) {
      const { errors, warnings } = await check(PUBLIC.replace('package: [', `package: [name: ${JSON.stringify(name)}, `));
      assert.deepEqual(errors, problem ? [`hex.pm refuses package name ${JSON.stringify(name)}: ${problem}`] : [], JSON.stringify(name));
      assert.deepEqual(warnings, [], JSON.stringify(name));
    }
    // Packages made before hex.pm refused capitals keep their names: a new one is refused.
    const legacy = await check(PUBLIC.replace('package: [', 'package: [name: "myPkg", '));
    assert.deepEqual(legacy.errors, []);
    assert.deepEqual(legacy.warnings, ['hex.pm refuses package name "myPkg": has invalid format for a new package (only packages created before May 2024 may have capital letters)']);
  });

  test('beyond mix: hex.pm\'s refusals come after mix\'s errors and do not hide its warnings', async () => {
    const bad = await check(PUBLIC.replace('"1.0.0"', '"1.0"').replace('["MIT"]', '["Odd"]').replace('package: [', 'package: [name: "Xy", '));
    assert.deepEqual(bad.errors, ['hex.pm refuses package name "Xy": has invalid format', 'hex.pm refuses version "1.0": is invalid SemVer']);
    assert.equal(bad.warnings.length, 1);
    assert.match(bad.warnings[0]!, /^The following licenses are not recognized by SPDX/);
    const both = await check(PUBLIC.replace('"1.0.0"', '"1.0"').replace('package: [', 'package: [files: ["nope"], '));
    assert.deepEqual(both.errors, ['Missing files: nope', 'hex.pm refuses version "1.0": is invalid SemVer']);
  });

  test('an empty file list: "No files" on stderr, then the tarball error', async () => {
    const { errors, summary } = await check(PUBLIC.replace('package: [', 'package: [files: [], '));
    assert.deepEqual(summary.stderr, ['No files']);
    assert.ok(!summary.stdout.some((l) => l.startsWith('  Files:')));
    assert.deepEqual(errors, ['Creating tarball failed: File list was empty.']);
  });

  test('unsafe files fail the build after the license warnings', async () => {
    const dir = tempProject({ ...SOURCES, 'mix.exs': mixExs(PUBLIC.replace('["MIT"]', '["Odd"]')) });
    symlinkSync('/etc/hostname', join(dir, 'lib', 'host'));
    const p = await preparePackage(dir, { env: {}, assumptions: ASSUMED });
    assert.equal(p.validation.warnings.length, 1);
    assert.deepEqual(p.validation.errors, ['Creating tarball failed: unsafe symlink in tarball: lib/host -> /etc/hostname']);
  });
});
