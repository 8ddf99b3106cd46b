// `hexts audit` (mix hex.audit) against the local registry, on a project of our own whose lock
// holds public packages and an organization's, with retired releases and security advisories
// in their signed records. The text layout is Hex 2.5.1's (checked against mix hex.audit on the
// same registry); --format sarif is validated against the OASIS SARIF 2.1.0 schema.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';

const SARIF_SCHEMA = JSON.parse(readFileSync(new URL('../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;

let registry: Registry;
let env: Record<string, string | undefined>;
let work: string;
let project: string;

const mixExs = (hex = '') => `defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, version: "0.1.0", deps: deps()${hex}]
  end

  defp deps do
    [{:plug, "~> 1.4"}, {:decimal, "~> 2.0"}, {:ledger, "~> 0.1", organization: "acme"}, {:jason, "~> 1.0"}]
  end
end
`;

const LOCK = `%{
  "decimal": {:hex, :decimal, "2.0.0", "aa", [:mix], [], "hexpm", "bb"},
  "jason": {:hex, :jason, "1.4.0", "aa", [:mix], [{:decimal, "~> 2.0", [hex: :decimal, repo: "hexpm", optional: true]}], "hexpm", "bb"},
  "ledger": {:hex, :ledger, "0.1.0", "aa", [:mix], [], "hexpm:acme", "bb"},
  "plug": {:hex, :plug, "1.4.0", "aa", [:mix], [], "hexpm", "bb"},
  "telemetry": {:git, "https://github.com/beam-telemetry/telemetry.git", "abc", []},
}
`;

function writeProject(name: string, mix: string, lock = LOCK): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'mix.exs'), mix);
  writeFileSync(join(dir, 'mix.lock'), lock);
  return dir;
}

const audit = (args: string[], extra: { cwd?: string; env?: Record<string, string | undefined> } = {}) =>
  runCli(args, { env: { ...env, ...extra.env }, cwd: extra.cwd ?? project });

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'hexts-audit-'));
  registry = await testRegistry();
  registry.createUser({ username: 'pub', password: 'correct horse battery', email: 'pub@example.com' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  const publish = async (name: string, versions: string[], repository?: string) => {
    for (const version of versions) await registry.publish(await makeTarball({ name, version }), { publisher: 'pub', repository });
  };
  await publish('plug', ['1.4.0', '1.5.0']);
  await publish('decimal', ['2.0.0', '2.1.0']);
  await publish('jason', ['1.4.0']);
  await publish('ledger', ['0.1.0', '0.2.0'], 'acme');
  registry.retire({ name: 'plug', version: '1.4.0', retirement: { reason: 'security', message: 'CVE-2026-1, use 1.5.0' } });
  registry.retire({ repository: 'acme', name: 'ledger', version: '0.1.0', retirement: { reason: 'deprecated' } });
  // Two databases' entries for one vulnerability: shown once, the EEF one first, the rest as aliases.
  registry.addAdvisory({ name: 'plug', id: 'GHSA-xxxx-yyyy-zzzz', summary: 'Header injection in Plug.Conn', versions: ['1.4.0'], cvssRating: 'high', cvssScore: 7.5, aliases: ['CVE-2026-1'] });
  registry.addAdvisory({ name: 'plug', id: 'EEF-CVE-2026-1', summary: 'Header injection', versions: ['1.4.0'], aliases: ['CVE-2026-1', 'GHSA-xxxx-yyyy-zzzz'] });
  registry.addAdvisory({ name: 'decimal', id: 'GHSA-dddd-eeee-ffff', summary: 'DoS in Decimal.new', versions: ['2.0.0'], cvssRating: 'critical', cvssScore: 9.1 });
  registry.addAdvisory({ repository: 'acme', name: 'ledger', id: 'GHSA-llll-mmmm-nnnn', summary: 'Rounding error', versions: ['0.1.0'], cvssRating: 'low' });
  const home = scratchHome();
  env = cliEnv(registry, home.home, {
    HEX_API_KEY: registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] }),
  });
  project = writeProject('shop', mixExs());
});
after(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("retired releases and advisories, as mix hex.audit prints them; exit 1", async () => {
  const result = await audit(['audit']);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, [
    'Retired:',
    '  ledger 0.1.0 - (deprecated)',
    '  plug 1.4.0 - (security) CVE-2026-1, use 1.5.0',
    '',
    'Advisories:',
    '  decimal 2.0.0 - GHSA-dddd-eeee-ffff (CRITICAL)',
    '    DoS in Decimal.new',
    '    https://osv.dev/vulnerability/GHSA-dddd-eeee-ffff',
    '',
    '  ledger 0.1.0 - GHSA-llll-mmmm-nnnn (LOW)',
    '    Rounding error',
    '    https://osv.dev/vulnerability/GHSA-llll-mmmm-nnnn',
    '',
    '  plug 1.4.0 - EEF-CVE-2026-1',
    '    aka: CVE-2026-1, GHSA-xxxx-yyyy-zzzz',
    '    Header injection',
    '    https://osv.dev/vulnerability/EEF-CVE-2026-1',
    '',
    '',
  ].join('\n'));
  assert.equal(result.stderr, 'error: Found retired packages and packages with security advisories\nTo only report, without failing, add --no-fail.\n');
  assert.equal((await audit(['audit', '--no-fail'])).code, 0);
});

test("colours as mix's: reasons in yellow, severities by rating, links underlined; none with NO_COLOR", async () => {
  const coloured = await audit(['audit', '--no-fail'], { env: { FORCE_COLOR: '1' } });
  const lines = coloured.stdout.split('\n');
  assert.equal(lines[0], '\u001b[1mRetired:\u001b[22m');
  assert.equal(lines[2], '  plug 1.4.0 - \u001b[33m(security) CVE-2026-1, use 1.5.0\u001b[39m');
  assert.equal(lines[5], '  decimal 2.0.0 - GHSA-dddd-eeee-ffff \u001b[1m\u001b[31m(CRITICAL)\u001b[39m\u001b[22m');
  assert.equal(lines[7], '    \u001b[4mhttps://osv.dev/vulnerability/GHSA-dddd-eeee-ffff\u001b[24m');
  assert.equal(lines[9], '  ledger 0.1.0 - GHSA-llll-mmmm-nnnn \u001b[33m(LOW)\u001b[39m');
  assert.doesNotMatch((await audit(['audit', '--no-fail'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout, /\u001b/);
});

test('a lock with nothing to report passes', async () => {
  const clean = writeProject('clean', mixExs(), '%{\n  "jason": {:hex, :jason, "1.4.0", "aa", [:mix], [], "hexpm", "bb"},\n}\n');
  const result = await audit(['audit'], { cwd: clean });
  assert.deepEqual([result.code, result.stdout, result.stderr], [0, 'No retired or security advisory packages found\n', '']);
});

test("ignores from mix.exs's hex: settings (and HEX_IGNORE_*), listed apart and not failing; unused ones warned about", async () => {
  const ignoring = writeProject('ignoring', mixExs(', hex: [ignore_advisories: ["cve-2026-1", "GHSA-dddd-eeee-ffff", "GHSA-llll-mmmm-nnnn", "CVE-1999-0"], ignore_retirements: [:plug, ledger: "0.1.0", jason: "1.0.0"]]'));
  const result = await audit(['audit'], { cwd: ignoring });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Ignored retired:\n {2}ledger 0\.1\.0 - \(deprecated\)\n {2}plug 1\.4\.0 - \(security\) CVE-2026-1, use 1\.5\.0\n\nIgnored advisories:\n {2}decimal 2\.0\.0 - GHSA-dddd-eeee-ffff \(CRITICAL\)\n/);
  // An alias (any case) ignores the whole group.
  assert.match(result.stdout, /\n {2}plug 1\.4\.0 - EEF-CVE-2026-1\n/);
  assert.equal(result.stderr, [
    'ignore_advisories entry "CVE-1999-0" (set in mix.exs) does not match any advisory for the locked dependencies and can be removed',
    'ignore_retirements entry jason 1.0.0 (set in mix.exs) does not match any retired locked dependency and can be removed',
    '',
  ].join('\n'));

  // The environment wins over mix.exs.
  const fromEnv = await audit(['audit', '--json'], { cwd: ignoring, env: { HEX_IGNORE_ADVISORIES: 'EEF-CVE-2026-1', HEX_IGNORE_RETIREMENTS: 'plug@1.4.0' } });
  assert.equal(fromEnv.code, 1);
  const findings = JSON.parse(fromEnv.stdout) as Record<string, Array<{ package: string; id?: string }>>;
  assert.deepEqual(findings.retired!.map((f) => f.package), ['ledger']);
  assert.deepEqual(findings.ignored_retired!.map((f) => f.package), ['plug']);
  assert.deepEqual(findings.advisories!.map((f) => f.id), ['GHSA-dddd-eeee-ffff', 'GHSA-llll-mmmm-nnnn']);
  assert.deepEqual(findings.ignored_advisories!.map((f) => f.id), ['EEF-CVE-2026-1']);

  // A setting of the wrong shape is reported, and mix's default (nothing ignored) applies.
  const invalid = writeProject('invalid', mixExs(', hex: [ignore_advisories: "CVE-2026-1"]'));
  const bad = await audit(['audit'], { cwd: invalid });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: Invalid Hex config, falling back to default\. Source: mix\.exs config ignore_advisories: "CVE-2026-1"$/m);
});

test('--json (or --format json): the findings as data', async () => {
  const result = await audit(['audit', '--format', 'json']);
  assert.equal(result.code, 1);
  const findings = JSON.parse(result.stdout) as Record<string, unknown[]>;
  assert.deepEqual(findings.retired![0], { package: 'ledger', version: '0.1.0', repository: 'hexpm:acme', app: 'ledger', reason: 'deprecated', message: null });
  assert.deepEqual(findings.advisories!.find((a) => (a as { package: string }).package === 'plug'), {
    package: 'plug', version: '1.4.0', repository: 'hexpm', app: 'plug', id: 'EEF-CVE-2026-1', severity: null, cvss_score: null, summary: 'Header injection',
    url: 'https://osv.dev/vulnerability/EEF-CVE-2026-1',
    aliases: [{ id: 'CVE-2026-1', url: null }, { id: 'GHSA-xxxx-yyyy-zzzz', url: 'https://osv.dev/vulnerability/GHSA-xxxx-yyyy-zzzz' }],
  });
  // The registry's float32 score is shown as given (9.1, not 9.100000381469727).
  assert.equal((findings.advisories![0] as { cvss_score: number }).cvss_score, 9.1);
  assert.deepEqual(JSON.parse((await audit(['--json', 'audit'])).stdout), findings);
  const both = await audit(['--json', 'audit', '--format', 'sarif']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--json cannot be used with --format sarif/);
});

test('--format sarif: a SARIF 2.1.0 log valid against the OASIS schema, each result at its line of mix.lock', async () => {
  const ignoring = writeProject('sarif-ignoring', mixExs(', hex: [ignore_retirements: [:ledger]]'));
  const result = await audit(['audit', '--format', 'sarif'], { cwd: ignoring });
  assert.equal(result.code, 1);
  const log = JSON.parse(result.stdout) as SarifLog;

  const require = createRequire(import.meta.url);
  const Ajv = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
  const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(SARIF_SCHEMA);
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
  // The schema catches a broken log (so the check above can fail).
  assert.equal(validate({ ...log, version: '2.0.0' }), false);

  const run = log.runs[0]!;
  assert.equal(run.tool.driver.name, 'hexts audit');
  const summary = run.results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.artifactLocation.uri, r.locations[0]!.physicalLocation.region.startLine, r.suppressions ? 'suppressed' : 'open']);
  assert.deepEqual(summary, [
    ['hex-retired-release', 'error', 'mix.lock', 5, 'open'],
    ['GHSA-dddd-eeee-ffff', 'error', 'mix.lock', 2, 'open'],
    ['GHSA-llll-mmmm-nnnn', 'note', 'mix.lock', 4, 'open'],
    ['EEF-CVE-2026-1', 'warning', 'mix.lock', 5, 'open'],
    ['hex-retired-release', 'warning', 'mix.lock', 4, 'suppressed'],
  ]);
  const rule = run.tool.driver.rules.find((r) => r.id === 'GHSA-dddd-eeee-ffff')!;
  assert.deepEqual([rule.helpUri, rule.properties['security-severity']], ['https://osv.dev/vulnerability/GHSA-dddd-eeee-ffff', '9.1']);
  assert.equal(run.results[3]!.message.text, 'plug 1.4.0 is affected by EEF-CVE-2026-1 (aka CVE-2026-1, GHSA-xxxx-yyyy-zzzz): Header injection');
  assert.equal((await audit(['audit', '--format', 'sarif', '--no-fail'], { cwd: ignoring })).code, 0);
});

test('an organization package without credentials says what to do', async () => {
  const result = await audit(['audit'], { env: { HEX_API_KEY: undefined } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /organization acme's repository needs credentials, and none were found/);
});

interface SarifLog {
  runs: Array<{
    tool: { driver: { name: string; rules: Array<{ id: string; helpUri?: string; properties: Record<string, unknown> }> } };
    results: Array<{
      ruleId: string;
      level: string;
      message: { text: string };
      suppressions?: unknown[];
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
    }>;
  }>;
}
