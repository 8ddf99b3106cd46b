import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeMetadata } from '../../src/erlang/pretty.js';
import { atom, binary, type Term } from '../../src/erlang/term.js';
import { PackageError, metadataPairs, readDependencies, type Meta } from '../../src/package/metadata.js';
import { renderSummary } from '../../src/package/summary.js';
import { show, tempDir, valueOf } from './project-helpers.js';

const dir = tempDir();
const term = (expr: string): Term => valueOf(expr, { dir });

describe('dependencies', () => {
  test('only Hex dependencies that reach :prod become requirements', () => {
    const { requirements, excluded } = readDependencies(term(`[
      {:plain, "~> 1.0"},
      {:dev_only, "~> 1.0", only: :dev},
      {:test_dev, "~> 1.0", only: [:test, :dev]},
      {:prod_too, ">= 1.0.0 and < 2.0.0", only: [:dev, :prod], runtime: false},
      {:optional, "~> 0.1", optional: true},
      {:renamed, "~> 2.0", hex: :real_name},
      {:in_org, "~> 1.0", organization: "acme"},
      {:in_repo, "~> 1.0", repo: "hexpm:acme"},
      {:mirror, "~> 1.0", repo: "mirror"},
      {:no_req, only: :prod},
      {:local, path: "../local"},
      {:local_test, path: "../x", only: :test},
      {:umbrella, in_umbrella: true}
    ]`));
    assert.deepEqual(requirements.map((r) => `${r.name} ${show(r.requirement)} app=${r.app} optional=${show(r.optional)} repo=${r.repository}`), [
      'plain "~> 1.0" app=plain optional=:false repo=hexpm',
      'prod_too ">= 1.0.0 and < 2.0.0" app=prod_too optional=:false repo=hexpm',
      'optional "~> 0.1" app=optional optional=:true repo=hexpm',
      'real_name "~> 2.0" app=renamed optional=:false repo=hexpm',
      'in_org "~> 1.0" app=in_org optional=:false repo=acme',
      'in_repo "~> 1.0" app=in_repo optional=:false repo=acme',
      'mirror "~> 1.0" app=mirror optional=:false repo=mirror',
      'no_req :nil app=no_req optional=:false repo=hexpm',
    ]);
    assert.deepEqual(excluded, ['local', 'umbrella']);
  });

  test('options mix refuses, checked on the kept dependencies only', () => {
    const errorOf = (dep: string) => {
      try {
        readDependencies(term(`[${dep}]`));
      } catch (e) {
        assert.ok(e instanceof PackageError);
        return e.message;
      }
      return 'no error';
    };
    assert.equal(errorOf('{:jason, "~> 1.0", override: true}'), "Can't build package with overridden dependency jason, remove `override: true`");
    assert.equal(errorOf('{:jason, "~> 1.0", override: false}'), "Can't build package with overridden dependency jason, remove `override: true`");
    assert.equal(errorOf('{:nif, "~> 1.0", compile: "make"}'), "Can't build package when :compile is set for dependency nif, remove `compile: ...`");
    assert.equal(errorOf('{:r, "~> 1.0", manager: :rebar3}'), "Can't build package when :manager is set for dependency r, remove `manager: ...`");
    assert.equal(errorOf('{:r, "~> 1.0", app: false}'), "Can't build package when :app is set for dependency r, remove `app: ...`");
    assert.equal(errorOf('{:r, "~> 1.0", system_env: [{"A", "1"}]}'), "Can't build package when :system_env is set for dependency r, remove `system_env: ...`");
    assert.equal(errorOf('{:r, "~> 1.0", system_env: []}'), 'no error');
    assert.equal(errorOf('{:r, "~> 1.0", override: true, only: :test}'), 'no error');
    assert.equal(errorOf('{:r, path: "r", override: true}'), 'no error');
    assert.match(errorOf('{"r", "~> 1.0"}'), /Invalid dependency/);
  });
});

describe('metadata.config entries', () => {
  test('keys sorted, requirement fields sorted, atoms left for binarify', () => {
    const meta: Meta = new Map<string, Term>([
      ['version', binary('1.0.0')],
      ['app', atom('pkg')],
      ['name', binary('pkg')],
      ['files', [binary('lib')]],
      ['build_tools', [binary('mix')]],
    ]);
    const { requirements } = readDependencies(term('[{:dep, "~> 1.0", optional: true, repo: "hexpm:acme"}]'));
    const pairs = metadataPairs(meta, requirements);
    assert.deepEqual(pairs.map(([k]) => k), ['app', 'build_tools', 'files', 'name', 'requirements', 'version']);
    assert.equal(
      encodeMetadata(pairs).toString('utf8'),
      [
        '{<<"app">>,<<"pkg">>}.',
        '{<<"build_tools">>,[<<"mix">>]}.',
        '{<<"files">>,[<<"lib">>]}.',
        '{<<"name">>,<<"pkg">>}.',
        '{<<"requirements">>,',
        ' [[{<<"app">>,<<"dep">>},',
        '   {<<"name">>,<<"dep">>},',
        '   {<<"optional">>,true},',
        '   {<<"repository">>,<<"acme">>},',
        '   {<<"requirement">>,<<"~> 1.0">>}]]}.',
        '{<<"version">>,<<"1.0.0">>}.',
        '',
      ].join('\n'),
    );
  });

  test('an OTP 26 build\'s key order, given: the keys it names in that order, any others after them sorted', () => {
    const meta: Meta = new Map<string, Term>([
      ['version', binary('1.0.0')],
      ['app', atom('pkg')],
      ['name', binary('pkg')],
      ['files', [binary('lib')]],
      ['licenses', [binary('MIT')]],
    ]);
    const { requirements } = readDependencies(term('[{:dep, "~> 1.0"}]'));
    // The order tarball.md §5 saw in a real OTP 26 build (without build_tools' neighbours here).
    const pairs = metadataPairs(meta, requirements, {
      keys: ['links', 'name', 'version', 'description', 'elixir', 'files', 'app', 'requirements'],
      requirementKeys: ['name', 'app', 'optional', 'requirement', 'repository'],
    });
    assert.deepEqual(pairs.map(([k]) => k), ['name', 'version', 'files', 'app', 'requirements', 'licenses']);
    assert.match(
      encodeMetadata(pairs).toString('utf8'),
      /\{<<"requirements">>,\n \[\[\{<<"name">>,<<"dep">>\},\n {3}\{<<"app">>,<<"dep">>\},\n {3}\{<<"optional">>,false\},\n {3}\{<<"requirement">>,<<"~> 1.0">>\},\n {3}\{<<"repository">>,<<"hexpm">>\}\]\]\}\.\n/,
    );
  });

  test('a regex cannot go into the metadata', () => {
    const meta: Meta = new Map([['extra', term('%{"pattern" => ~r/x/}')]]);
    assert.throws(() => metadataPairs(meta, []), /Invalid :extra in package metadata: it contains a regex/);
  });
});

describe('the printed summary', () => {
  const meta = (entries: Array<[string, string]>): Meta => new Map(entries.map(([k, expr]) => [k, term(expr)]));

  test('maps start on the next line, nested ones are not indented further, empty ones leave four spaces', () => {
    const summary = renderSummary('pkg', '1.0.0', meta([
      ['app', ':pkg'],
      ['files', '["lib", "mix.exs"]'],
      ['links', '%{}'],
      ['extra', '%{"b" => [x: 1, a: "y"], "a" => %{"k" => "v"}, "c" => []}'],
      ['licenses', '[]'],
      ['build_tools', '["mix", "make"]'],
      ['secret_scan', '[ignore: ["test/fixtures/**"]]'],
    ]), [], 'acme');
    assert.deepEqual(summary.stdout, [
      'Building pkg 1.0.0',
      '  Organization: acme',
      '  App: pkg',
      '  Files:',
      '    lib',
      '    mix.exs',
      '  Build tools: mix, make',
      '  Licenses: ',
      '  Links: ',
      '    ',
      '  Extra: ',
      '    a: ',
      '    k: v',
      '    b: ',
      '    a: y',
      '    x: 1',
      '    c: ',
      '  Secret scan: ',
      '    ignore: test/fixtures/**',
    ]);
    assert.deepEqual(summary.stderr, []);
  });

  test('dependencies always show their app, then a non-hexpm repository, then optional', () => {
    const { requirements } = readDependencies(term('[{:a, "~> 1.0"}, {:b, ">= 0.0.0", hex: :bee, optional: true, organization: "acme"}, {:c, only: :prod}]'));
    const summary = renderSummary('pkg', '1.0.0', meta([['files', '["lib"]']]), requirements);
    assert.deepEqual(summary.stdout.slice(0, 5), [
      'Building pkg 1.0.0',
      '  Dependencies:',
      '    a ~> 1.0 (app: a)',
      '    bee >= 0.0.0 (app: b) (repo: acme) (optional)',
      '    c  (app: c)',
    ]);
  });

  test('nil and false values are not printed; a missing file list goes to stderr', () => {
    const summary = renderSummary('pkg', '1.0.0', meta([['description', 'nil'], ['elixir', 'false'], ['files', '[]']]), []);
    assert.deepEqual(summary.stdout, ['Building pkg 1.0.0']);
    assert.deepEqual(summary.stderr, ['No files']);
  });
});
