import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeMetadata } from '../../src/erlang/pretty.js';
import { OutsideModelError } from '../../src/elixir/errors.js';
import { resolveAssumptions } from '../../src/elixir/assumptions.js';
import { PackageError, preparePackage } from '../../src/package/project.js';
import { ASSUMED, mixExs, show, tempProject } from './project-helpers.js';

const SOURCES = { 'lib/a.ex': '', 'README.md': '', LICENSE: '' };
const PACKAGE = 'package: [licenses: ["MIT"], links: %{"GitHub" => "https://example.org"}]';

async function prepare(body: string, options: { organization?: string; env?: Record<string, string> } = {}, files: Record<string, string> = {}, extra = '') {
  const dir = tempProject({ ...SOURCES, ...files, 'mix.exs': mixExs(body, extra) });
  const assumptions = options.env ? resolveAssumptions(options.env, { elixirVersion: ASSUMED.elixirVersion, otpRelease: ASSUMED.otpRelease }) : ASSUMED;
  return preparePackage(dir, { env: options.env ?? {}, organization: options.organization, assumptions });
}

async function rejection(promise: Promise<unknown>): Promise<PackageError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof PackageError) return e;
    throw e;
  }
  assert.fail('expected a PackageError');
}

const metadataText = (p: { metadata: Parameters<typeof encodeMetadata>[0] }) => encodeMetadata(p.metadata).toString('utf8');

describe('preparePackage', () => {
  test('name, version, app and the metadata keys mix keeps', async () => {
    const p = await prepare(`      app: :my_app,
      name: "Ignored Root Name",
      version: "0.2.0",
      elixir: "~> 1.15",
      description: "  Trimmed.\\n",
      source_url: "https://example.org",
      ${PACKAGE.replace('package: [', 'package: [name: "my_pkg", maintainers: ["Dropped"], extra: %{"k" => "v"}, secret_scan: [ignore: ["test/**"]], unknown_key: fn -> nil end, ')}`);
    assert.equal(p.name, 'my_pkg');
    assert.equal(p.version, '0.2.0');
    assert.equal(p.app, 'my_app');
    assert.equal(p.organization, undefined);
    assert.deepEqual(p.metadata.map(([k]) => k), [
      'app', 'build_tools', 'description', 'elixir', 'extra', 'files', 'licenses', 'links', 'name', 'requirements', 'secret_scan', 'version',
    ]);
    assert.match(metadataText(p), /\{<<"description">>,<<"Trimmed\.">>\}\./);
    assert.match(metadataText(p), /\{<<"secret_scan">>,\[\{<<"ignore">>,\[<<"test\/\*\*">>\]\}\]\}\./);
    assert.ok(!metadataText(p).includes('Dropped'));
  });

  test('the default file list and the build tools guessed from top-level files', async () => {
    const p = await prepare(`      app: :pkg, version: "1.0.0", description: "d", ${PACKAGE}`, {}, {
      'priv/x.txt': '', '.formatter.exs': '', 'CHANGELOG.md': '', 'Makefile': '', 'rebar.config': '', 'c_src/n.c': '', 'test/t.exs': '', 'NOTES': '',
    });
    assert.deepEqual(p.files, [
      'lib', 'lib/a.ex', 'priv', 'priv/x.txt', '.formatter.exs', 'mix.exs', 'README.md', 'LICENSE', 'CHANGELOG.md', 'c_src', 'c_src/n.c', 'Makefile',
    ]);
    // rebar.config is not in the package, so it does not count.
    assert.match(metadataText(p), /\{<<"build_tools">>,\[<<"mix">>,<<"make">>\]\}\./);
    const explicit = await prepare(`      app: :pkg, version: "1.0.0", description: "d", ${PACKAGE.replace('package: [', 'package: [files: ~w(lib rebar.config mix.exs Makefile), ')}`, {}, { 'rebar.config': '', Makefile: '' });
    assert.match(metadataText(explicit), /\{<<"build_tools">>,\[<<"mix">>,<<"rebar3">>,<<"make">>\]\}\./);
    const given = await prepare(`      app: :pkg, version: "1.0.0", description: "d", ${PACKAGE.replace('package: [', 'package: [build_tools: ["rebar3"], ')}`, {}, { Makefile: '' });
    assert.match(metadataText(given), /\{<<"build_tools">>,\[<<"rebar3">>\]\}\./);
  });

  test('the organization: from package, overridden by the option, never in the metadata', async () => {
    const body = `      app: :pkg, version: "1.0.0", description: "d", ${PACKAGE.replace('package: [', 'package: [organization: "acme", ')}`;
    const fromPackage = await prepare(body);
    assert.equal(fromPackage.organization, 'acme');
    assert.ok(fromPackage.summary.stdout.includes('  Organization: acme'));
    const fromOption = await prepare(body, { organization: 'other' });
    assert.equal(fromOption.organization, 'other');
    assert.ok(fromOption.summary.stdout.includes('  Organization: other'));
    assert.ok(!metadataText(fromOption).includes('acme') && !metadataText(fromOption).includes('other'));
  });

  test('Mix.env() is what mix hex.build sees: MIX_ENV, else :dev', async () => {
    const body = `      app: :pkg,
      version: System.get_env("PKG_VERSION", "0.0.0-dev"),
      description: if(Mix.env() == :prod, do: "prod", else: "dev"),
      deps: deps(),
      ${PACKAGE}`;
    const extra = '  defp deps do\n    if Mix.env() == :prod, do: [{:a, "~> 1.0"}], else: []\n  end';
    const dev = await prepare(body, { env: { PKG_VERSION: '4.5.6' } }, {}, extra);
    assert.equal(dev.version, '4.5.6');
    assert.match(metadataText(dev), /<<"dev">>/);
    assert.deepEqual(dev.requirements, []);
    assert.ok(dev.assumptions.includes('Mix.env() is :dev (MIX_ENV is not set)'));
    const prod = await prepare(body, { env: { MIX_ENV: 'prod' } }, {}, extra);
    assert.equal(prod.version, '0.0.0-dev');
    assert.match(metadataText(prod), /<<"prod">>/);
    assert.deepEqual(prod.requirements.map((r) => r.name), ['a']);
    assert.ok(prod.assumptions.includes('Mix.env() is :prod (from MIX_ENV)'));
  });

  test('a package key at the project root: a warning printed before the summary', async () => {
    const p = await prepare(`      app: :pkg, version: "1.0.0", description: "d", links: %{}, licenses: ["MIT"], ${PACKAGE}`);
    assert.deepEqual(p.configWarnings, ['Mix project configuration :links belongs under the :package key, did you misplace it?']);
    assert.deepEqual(p.validation.errors, []);
  });

  test('errors raised before the summary', async () => {
    const umbrella = await rejection(prepare('      apps_path: "apps", version: "1.0.0"'));
    assert.equal(umbrella.message, 'Hex does not support umbrella projects');
    const misspelled = await rejection(prepare(`      app: :pkg, version: "1.0.0", files: [], package: [organisation: "acme"]`));
    assert.equal(misspelled.message, 'Invalid Hex package config :organisation, use spelling :organization');
    assert.deepEqual(misspelled.warnings, ['Mix project configuration :files belongs under the :package key, did you misplace it?']);
    const overridden = await rejection(prepare('      app: :pkg, version: "1.0.0", deps: [{:jason, "~> 1.0", override: true}]'));
    assert.equal(overridden.message, "Can't build package with overridden dependency jason, remove `override: true`");
    const noVersion = await rejection(prepare('      app: :pkg'));
    assert.equal(noVersion.message, 'Stopping package build due to errors.\nMissing metadata fields: version');
    const badDescription = await rejection(prepare('      app: :pkg, version: "1.0.0", description: :atom'));
    assert.equal(badDescription.message, 'Invalid :description: expected a string');
  });

  test('the whole project/0 is evaluated, as mix does: what hexts cannot evaluate stops the build even in a key Hex never reads', async () => {
    const p = await prepare(`      app: :pkg, version: "1.0.0", description: "d",
      aliases: [test: fn _ -> :ok end], releases: [pkg: [steps: [&IO.inspect/1]]],
      ${PACKAGE.replace('package: [', 'package: [maintainers: Enum.map([1], & &1), ')}`);
    assert.equal(p.name, 'pkg');
    await assert.rejects(prepare(`      app: :pkg, version: "1.0.0", description: "d", docs: [source_ref: System.cmd("git", ["rev-parse", "HEAD"])], ${PACKAGE}`), (e: unknown) => {
      assert.ok(e instanceof OutsideModelError);
      assert.match(e.message, /^mix\.exs:6:\d+: hexts cannot evaluate System\.cmd\/2: it runs a program/);
      return true;
    });
  });

  test('a 200,000-character description, literal or built, is read in one pass and refused as too long', async () => {
    const literal = await prepare(`      app: :pkg, version: "1.0.0", description: "${'é'.repeat(200_000)}", ${PACKAGE}`);
    assert.deepEqual(literal.validation.errors, ['Package description is too long (exceeds 300 characters)']);
    const built = await prepare(`      app: :pkg, version: "1.0.0", description: String.duplicate("ab ", 70_000) |> String.trim(), ${PACKAGE}`);
    assert.deepEqual(built.validation.errors, ['Package description is too long (exceeds 300 characters)']);
  });

  test('exclude_patterns: a regex that would need backtracking is refused by name, not run', async () => {
    await assert.rejects(prepare(`      app: :pkg, version: "1.0.0", description: "d",
      ${PACKAGE.replace('package: [', 'package: [exclude_patterns: [~r/(a)\\1/], ')}`), (e: unknown) => {
      assert.ok(e instanceof PackageError);
      assert.equal(e.message, 'Invalid :exclude_patterns in package: ~r/(a)\\1/ uses a backreference, which hexts does not match (it could take unbounded time)');
      return true;
    });
  });

  test('exclude_patterns from mix.exs: regexes and substrings', async () => {
    const p = await prepare(`      app: :pkg, version: "1.0.0", description: "d",
      ${PACKAGE.replace('package: [', 'package: [files: ["lib", "priv"], exclude_patterns: [~r/\\.bak$/, "tmp"], ')}`, {}, {
      'priv/a.css': '', 'priv/a.css.bak': '', 'priv/tmp/x': '', 'lib/.DS_Store': '',
    });
    assert.deepEqual(p.files, ['lib', 'lib/a.ex', 'priv', 'priv/a.css']);
    assert.equal(show(p.metadata.find(([k]) => k === 'files')![1]), '["lib", "lib/a.ex", "priv", "priv/a.css"]');
  });
});
