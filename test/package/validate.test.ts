import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isValidLicense } from '../../src/package/licenses.js';
import { preparePackage } from '../../src/package/project.js';
import { mixExs, tempProject } from './project-helpers.js';

const SOURCES = { 'lib/a.ex': '', 'README.md': '', LICENSE: '' };

async function check(body: string, files: Record<string, string> = {}, extra = '') {
  const dir = tempProject({ ...SOURCES, ...files, 'mix.exs': mixExs(body, extra) });
  const p = await preparePackage(dir, { env: {} });
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

  test('beyond mix: dependencies from other repositories, as hex.pm words it', async () => {
    const deps = '[{:x, "~> 1.0", organization: "acme"}, {:y, "~> 1.0", repo: "hexpm:other"}, {:z, "~> 1.0"}]';
    const pub = await check(PUBLIC.replace('description:', `deps: ${deps},\n      description:`));
    assert.deepEqual(pub.errors, [
      'x: dependencies can only belong to public repository "hexpm", got: "acme"',
      'y: dependencies can only belong to public repository "hexpm", got: "other"',
    ]);
    const org = await check(PUBLIC.replace('description:', `deps: ${deps},\n      description:`).replace('package: [', 'package: [organization: "acme", '));
    assert.deepEqual(org.errors, ['y: dependencies can only belong to public repository "hexpm" or current repository "acme", got: "other"']);
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
    const p = await preparePackage(dir, { env: {} });
    assert.equal(p.validation.warnings.length, 1);
    assert.deepEqual(p.validation.errors, ['Creating tarball failed: unsafe symlink in tarball: lib/host -> /etc/hostname']);
  });
});
