// `hexts info` and `hexts package search` against the local registry: mix's layout, --json,
// private packages with an organization key, and the signed-registry view for a key that may
// read the repository but not the API.
import { fixedAuthorization } from '../../src/api/client.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../../src/version.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { clientFor, cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';

let registry: Registry;
let today: string;
let env: Record<string, string | undefined>;
const cleanups: Array<() => void> = [];

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'pub', password: 'correct horse battery', email: 'pub@example.com' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  await registry.publish(await makeTarball({ name: 'decimal', version: '2.0.0' }), { publisher: 'pub' });
  await registry.publish(await makeTarball({ name: 'telemetry', version: '1.0.0' }), { publisher: 'pub' });
  for (const version of ['0.1.0', '0.2.0', '0.3.0', '0.4.0', '0.5.0', '0.6.0', '0.7.0', '0.8.0', '1.0.0-rc.1', '1.0.0']) {
    await registry.publish(await makeTarball({
      name: 'json_kit',
      version,
      description: 'Fast JSON\n  for Elixir,\n  with streaming.',
      licenses: ['MIT', 'Apache-2.0'],
      links: { GitHub: 'https://github.com/example/json_kit', Changelog: 'https://example.com/changes' },
      requirements: version === '1.0.0' ? [{ name: 'decimal', requirement: '~> 2.0', optional: true }, { name: 'telemetry', requirement: '~> 1.0', app: 'telemetry_app' }] : [],
    }), { publisher: 'pub' });
  }
  await registry.publish(await makeTarball({ name: 'json_extra', version: '0.1.0', description: 'x'.repeat(60) }), { publisher: 'pub' });
  await registry.publish(await makeTarball({ name: 'ledger', version: '2.1.0', description: 'Private ledger.', requirements: [{ name: 'json_kit', requirement: '~> 1.0' }] }), { publisher: 'pub', repository: 'acme' });
  const apiKey = registry.createKey({ user: 'pub' }, { name: 'admin', permissions: [{ domain: 'api', resource: null }] });
  await clientFor(registry, { auth: fixedAuthorization(apiKey, 'a test key') }).request({
    method: 'POST', path: '/packages/json_kit/releases/0.8.0/retire', body: { reason: 'deprecated', message: 'use 1.0' },
  });
  today = registry.now().toISOString().slice(0, 10);
  const h = scratchHome();
  cleanups.push(h.cleanup);
  env = cliEnv(registry, h.home);
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

describe('hexts info', () => {
  test('a package, laid out as mix hex.info does: description, snippet, eight releases, licenses, links', async () => {
    const result = await runCli(['info', 'json_kit'], { env });
    assert.equal(result.code, 0, result.stderr);
    const d = today;
    assert.equal(result.stdout, [
      'Fast JSON\n  for Elixir,\n  with streaming.',
      '',
      'Config: {:json_kit, "~> 1.0"}',
      '',
      'Recent releases:',
      `  1.0.0 (${d})`,
      `  1.0.0-rc.1 (${d})`,
      `  0.8.0 (${d}) (retired)`,
      `  0.7.0 (${d})`,
      `  0.6.0 (${d})`,
      `  0.5.0 (${d})`,
      `  0.4.0 (${d})`,
      `  0.3.0 (${d})`,
      '  ...',
      '',
      'Licenses: MIT, Apache-2.0',
      'Links:',
      '  Changelog: https://example.com/changes',
      '  GitHub: https://github.com/example/json_kit',
      '',
    ].join('\n'));
  });

  test('a release: retirement, snippet, date, dependencies, publisher', async () => {
    const release = await runCli(['info', 'json_kit', '1.0.0'], { env });
    assert.equal(release.code, 0, release.stderr);
    assert.equal(release.stdout, [
      'Config: {:json_kit, "~> 1.0"}',
      `Released: ${today}`,
      'Downloads: 0',
      'Dependencies:',
      '  decimal ~> 2.0 (optional)',
      '  telemetry ~> 1.0 (app: telemetry_app)',
      'Published by: pub (pub@example.com)',
      '',
    ].join('\n'));
    const retired = await runCli(['info', 'json_kit', '0.8.0'], { env: { ...env, FORCE_COLOR: '1' } });
    assert.equal(retired.code, 0, retired.stderr);
    assert.equal(retired.stdout.split('\n')[0], '\u001b[33m\u001b[1mThis version has been retired\u001b[22m: (deprecated) use 1.0\u001b[39m');
    assert.match(retired.stdout, /\nConfig: \{:json_kit, "~> 0\.8\.0"\}\n/);
  });

  test('--json prints the registry\'s data', async () => {
    const pkg = JSON.parse((await runCli(['--json', 'info', 'json_kit'], { env })).stdout);
    assert.equal(pkg.name, 'json_kit');
    assert.equal(pkg.latest_stable_version, '1.0.0');
    assert.deepEqual(pkg.retirements, { '0.8.0': { reason: 'deprecated', message: 'use 1.0' } });
    const release = JSON.parse((await runCli(['--json', 'info', 'json_kit', '1.0.0'], { env })).stdout);
    assert.deepEqual(release.requirements.telemetry, { app: 'telemetry_app', requirement: '~> 1.0', optional: false });
    assert.equal(release.publisher.username, 'pub');
  });

  test('unknown packages and releases exit 1 with mix\'s message; bad arguments exit 2 before any request', async () => {
    const missing = await runCli(['info', 'nosuch'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error: No package with name nosuch\nCheck the name; for a private package add --organization ORG\./);
    const noRelease = await runCli(['info', 'json_kit', '9.9.9'], { env });
    assert.equal(noRelease.code, 1);
    assert.match(noRelease.stderr, /error: No release with name json_kit 9\.9\.9/);
    registry.clearRequests();
    for (const argv of [['info', 'Bad-Name'], ['info', 'json_kit', '1.0'], ['info', 'json_kit', '--organization', 'A'], ['info', '--organization', 'acme']]) {
      assert.equal((await runCli(argv, { env })).code, 2, argv.join(' '));
    }
    assert.equal(registry.requests().length, 0);
  });

  test('an API URL without /api: "No package" says the URL probably lacks /api, and which to try', async () => {
    const result = await runCli(['info', 'json_kit'], { env: { ...env, HEX_API_URL: registry.url } });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, [
      'error: No package with name json_kit',
      `The API URL ${registry.url} does not end in /api: try ${registry.url}/api (HEX_API_URL, --api-url or \`hexts config api_url\`).`,
      '',
    ].join('\n'));
  });

  test('no package: hexts\'s and Node\'s versions, then the registry in use and where each setting comes from, offline', async () => {
    registry.clearRequests();
    const withProxy = { ...env, HTTPS_PROXY: 'http://user:proxy-secret@proxy.example:3128', NO_PROXY: '127.0.0.1' };
    const result = await runCli(['info'], { env: withProxy });
    assert.equal(result.code, 0, result.stderr);
    const configFile = join(env.HOME!, '.config', 'hexts', 'config.json');
    assert.equal(result.stdout, [
      `hexts: ${VERSION}`,
      `Node:  ${process.versions.node} (${process.platform} ${process.arch})`,
      '',
      `API URL:         ${registry.apiUrl} (using HEX_API_URL)`,
      `Repository URL:  ${registry.repoUrl} (using HEX_REPO_URL)`,
      'HTTPS proxy:     http://***@proxy.example:3128/ (using HTTPS_PROXY)',
      'No proxy for:    127.0.0.1 (using NO_PROXY)',
      `CA certificates: ${registry.caCertPath} (using HEX_CACERTS_PATH)`,
      `Config file:     ${configFile}`,
      '',
    ].join('\n'));

    const json = JSON.parse((await runCli(['--json', 'info'], { env: withProxy })).stdout);
    assert.deepEqual(json, {
      hexts: VERSION,
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
      api_url: { value: registry.apiUrl, source: { kind: 'env', name: 'HEX_API_URL' } },
      repo_url: { value: registry.repoUrl, source: { kind: 'env', name: 'HEX_REPO_URL' } },
      https_proxy: { value: 'http://***@proxy.example:3128/', source: { kind: 'env', name: 'HTTPS_PROXY' } },
      http_proxy: null,
      no_proxy: { value: '127.0.0.1', source: { kind: 'env', name: 'NO_PROXY' } },
      cacerts_path: { value: registry.caCertPath, source: { kind: 'env', name: 'HEX_CACERTS_PATH' } },
      config_file: configFile,
    });
    assert.equal(registry.requests().length, 0);
  });

  test('a private package with an organization key that may read the API: the snippet names the organization', async () => {
    const key = registry.createKey({ organization: 'acme' }, { name: 'reader', permissions: [{ domain: 'api', resource: 'read' }, { domain: 'repository', resource: 'acme' }] });
    const result = await runCli(['--verbose', 'info', 'ledger', '--organization', 'acme', '--key', key], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Private ledger\.\n\nConfig: \{:ledger, "~> 2\.1", organization: "acme"\}\n/);
    assert.match(result.stderr, /> GET .*\/api\/repos\/acme\/packages\/ledger/);
  });

  test('an organization key for the repository only: what the signed registry holds, with a warning', async () => {
    const key = registry.createKey({ organization: 'acme' }, { name: 'repo-only', permissions: [{ domain: 'repository', resource: 'acme' }] });
    const pkg = await runCli(['info', 'ledger', '--organization', 'acme', '--key', key], { env });
    assert.equal(pkg.code, 0, pkg.stderr);
    assert.match(pkg.stderr, /The credential here may not read the API, so this is what acme's signed registry holds/);
    assert.equal(pkg.stdout, `Config: {:ledger, "~> 2.1", organization: "acme"}\n\nRecent releases:\n  2.1.0 (${today})\n\n`);
    const release = await runCli(['info', 'ledger', '2.1.0', '--organization', 'acme', '--key', key], { env });
    assert.equal(release.stdout, `Config: {:ledger, "~> 2.1", organization: "acme"}\nReleased: ${today}\nDependencies:\n  json_kit ~> 1.0\n`);
    const json = JSON.parse((await runCli(['--json', 'info', 'ledger', '2.1.0', '--organization', 'acme', '--key', key], { env })).stdout);
    assert.equal(json.source, 'registry');
    assert.deepEqual(json.requirements, { json_kit: { app: 'json_kit', requirement: '~> 1.0', optional: false, repository: 'hexpm' } });
    assert.match(json.checksum, /^[0-9a-f]{64}$/);
  });
});

describe('hexts package search', () => {
  test('a table like mix hex.package search: description on one line, cut at 50 characters, newest stable version', async () => {
    const result = await runCli(['package', 'search', 'json'], { env });
    assert.equal(result.code, 0, result.stderr);
    const url = (name: string) => `${registry.url}/packages/${name}`;
    const rows = [
      ['Package', 'Description', 'Version', 'URL'],
      ['json_extra', 'x'.repeat(50) + '...', '0.1.0', url('json_extra')],
      ['json_kit', 'Fast JSON for Elixir, with streaming.', '1.0.0', url('json_kit')],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const expected = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]! + 2)).join('').trimEnd()).join('\n') + '\n';
    assert.deepEqual(result.stdout.split('\n').slice(1).sort(), expected.split('\n').slice(1).sort());
    assert.equal(result.stdout.split('\n')[0], expected.split('\n')[0]);
  });

  test('private packages get an Organization column; --json; nothing found', async () => {
    const member = registry.createKey({ user: 'pub' }, { name: 'member', permissions: [{ domain: 'api', resource: 'read' }] });
    const result = await runCli(['package', 'search', 'ledger', '--key', member], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, [
      'Organization  Package  Description      Version  URL',
      `acme          ledger   Private ledger.  2.1.0    ${registry.url}/packages/acme/ledger`,
      '',
    ].join('\n'));
    const json = JSON.parse((await runCli(['--json', 'package', 'search', 'ledger', '--organization', 'acme', '--key', member], { env })).stdout);
    assert.deepEqual(json, [{ repository: 'acme', name: 'ledger', description: 'Private ledger.', version: '2.1.0', url: `${registry.url}/packages/acme/ledger` }]);
    const repoOnly = registry.createKey({ organization: 'acme' }, { name: 'repo-search', permissions: [{ domain: 'repository', resource: 'acme' }] });
    const names = await runCli(['package', 'search', 'LEDG', '--organization', 'acme', '--key', repoOnly], { env });
    assert.equal(names.code, 0, names.stderr);
    assert.match(names.stderr, /The credential here may not read the API, so these are the names in acme's signed registry that contain "LEDG"\./);
    assert.equal(names.stdout, 'Organization  Package  Version  URL\nacme          ledger   2.1.0\n');
    const none = await runCli(['package', 'search', 'zzzzzz'], { env });
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /No packages found/);
  });
});
