// The reference corpus: for every project `mix hex.build` (Hex 2.5.1) was run on, hexts must
// produce the same file list, the same printed block, warnings and errors, and the same
// metadata.config bytes. Cases: test/fixtures/corpus/<case>/{project,expected}; the
// `ref_*` and `variant_*` cases come from refs/tiny, refs/fancy and refs/build-variants.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { encodeMetadata } from '../../src/erlang/pretty.js';
import { compareBytes } from '../../src/package/files.js';
import { PackageError, preparePackage, type PreparedPackage } from '../../src/package/project.js';
import { createPackageTarball } from '../../src/package/tarball.js';
import { ERRORS_HEADER } from '../../src/package/validate.js';
import { resolveAssumptions } from '../../src/elixir/assumptions.js';
import { CONSTRUCTS_DIR, CORPUS_DIR, builtCaseNames, caseNames, copyProject, loadBuiltCase, loadCase } from '../helpers/corpus.js';
import { ASSUMED, tempDir } from './project-helpers.js';

/** A directory listing in the order mix walked it, taken from its printed file list. */
function mixOrder(root: string, files: string[]) {
  return (dir: string) => {
    const rank = (name: string) => {
      const i = files.indexOf(relative(root, join(dir, name)));
      return i < 0 ? Infinity : i;
    };
    return readdirSync(dir).sort((a, b) => rank(a) - rank(b) || compareBytes(a, b));
  };
}

const yellow = (warning: string) => `\x1b[33m${warning}\x1b[0m\n`;
const lines = (ls: string[]) => ls.map((l) => `${l}\n`).join('');

/** stdout and stderr as mix would print them for this result, up to the tarball step. */
function render(p: PreparedPackage): { stdout: string; stderr: string; exitCode: number } {
  const { errors, warnings } = p.validation;
  return {
    stdout: p.configWarnings.map(yellow).join('') + lines(p.summary.stdout) + warnings.map(yellow).join(''),
    stderr: lines(p.summary.stderr) + (errors.length > 0 ? `** (Mix) ${[ERRORS_HEADER, ...errors].join('\n')}\n` : ''),
    exitCode: errors.length > 0 ? 1 : 0,
  };
}

// Only the lines about the written tarball are left out: hexts's tarball writer prints those.
const withoutTarballLines = (stdout: string) => stdout.replace(/^(Package checksum: .*|Saved to .*)\n/gm, '');

// refs/fancy was captured on ext4, whose readdir order is not sorted: priv/static came first.
const READDIR_ORDER_CASES = new Set(['ref_fancy']);

/** Builds a case as hexts and compares everything with mix's run, up to the tarball's bytes. */
async function checkCase(name: string, root: string): Promise<void> {
  const c = loadCase(name, root);
  const expected = c.build;
  const project = copyProject(c, tempDir());
  // The constructs set states the toolchain and MIX_ENV mix ran with; the corpus does not depend on them.
  const env: Record<string, string> = c.info.mix_env && c.info.mix_env !== 'dev' ? { MIX_ENV: c.info.mix_env } : {};
  const assumptions = c.info.elixir_version ? resolveAssumptions(env, { elixirVersion: c.info.elixir_version, otpRelease: c.info.otp_release }) : ASSUMED;

  let prepared: PreparedPackage;
  try {
    prepared = await preparePackage(project, {
      env,
      assumptions,
      listDir: READDIR_ORDER_CASES.has(name) ? mixOrder(project, c.files!) : undefined,
    });
  } catch (e) {
    if (!(e instanceof PackageError)) throw e;
    // Raised before the summary: mix prints only the warnings that came first.
    assert.equal(expected.exitCode, 1);
    assert.equal(`** (Mix) ${e.message}\n`, expected.stderr);
    assert.equal(e.warnings.map(yellow).join(''), expected.stdout);
    return;
  }

  const actual = render(prepared);
  assert.equal(actual.stdout, withoutTarballLines(expected.stdout), 'stdout');
  assert.equal(actual.stderr, expected.stderr, 'stderr');
  assert.equal(actual.exitCode, expected.exitCode, 'exit code');
  assert.deepEqual(prepared.files, c.files, 'file order');

  if (expected.exitCode === 0) {
    assert.ok(c.metadataConfig, 'a built case has its metadata.config');
    const metadataConfig = encodeMetadata(prepared.metadata);
    assert.ok(metadataConfig.equals(c.metadataConfig), `metadata.config:\n${metadataConfig}`);
    assert.equal(`${prepared.name}-${prepared.version}`, expected.stdout.match(/^Saved to (.*)\.tar$/m)![1]);
    // End to end with the tarball writer: the same bytes as mix's .tar.
    const tarball = await createPackageTarball({ metadataConfig, files: prepared.files.map((path) => ({ path })), root: project });
    assert.equal(tarball.outerChecksum, expected.stdout.match(/^Package checksum: (\w+)$/m)![1], 'tarball checksum');
    assert.ok(tarball.tarball!.equals(loadBuiltCase(name, root).tarball), 'the tarball, byte for byte');
  }
}

describe('mix hex.build reference corpus', () => {
  const cases = caseNames();
  test('all cases are present', () => {
    assert.equal(cases.filter((c) => !c.startsWith('ref_') && !c.startsWith('variant_')).length, 12);
    assert.deepEqual(cases.filter((c) => c.startsWith('ref_') || c.startsWith('variant_')), [
      'ref_fancy', 'ref_tiny', 'variant_invalid_license', 'variant_missing_file', 'variant_no_description',
      'variant_organisation_misspelled', 'variant_too_long_description',
    ]);
    assert.equal(builtCaseNames().length, 12, 'nine corpus builds, ref_tiny, ref_fancy, variant_invalid_license');
  });

  for (const name of cases) test(name, () => checkCase(name, CORPUS_DIR));

  test('ref_fancy in hexts\'s own order: the same files, directories sorted by bytes', async () => {
    const expected = loadCase('ref_fancy');
    const prepared = await preparePackage(copyProject(expected, tempDir()), { env: {}, assumptions: ASSUMED });
    assert.deepEqual([...prepared.files].sort(compareBytes), [...expected.files!].sort(compareBytes));
    assert.notDeepEqual(prepared.files, expected.files);
    assert.deepEqual(prepared.files.filter((f) => f.startsWith('priv/')), [
      'priv/scripts', 'priv/scripts/nested', 'priv/scripts/nested/run.sh', 'priv/static', 'priv/static/app.css',
    ]);
  });
});

describe('mix.exs constructs: one construct each, as mix hex.build (Elixir 1.14.0, OTP 25, MIX_ENV unset) built it', () => {
  const cases = caseNames(CONSTRUCTS_DIR);
  test('all 38 cases are present, and mix built each', () => {
    assert.equal(cases.length, 38);
    assert.equal(builtCaseNames(CONSTRUCTS_DIR).length, 38);
  });
  for (const name of cases) test(name, () => checkCase(name, CONSTRUCTS_DIR));
});
