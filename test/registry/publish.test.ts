import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { binary } from '../../src/erlang/term.js';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball, type TarballSpec } from '../../registry/tarballs.js';
import { call, USER_AGENT, type Response } from './test-client.js';

// api.md §5: publish checks in order, replace rules, release show/revert.

const TINY = readFileSync(new URL('../fixtures/registry/tiny-1.0.0.tar', import.meta.url));
const OCTET = { 'content-type': 'application/octet-stream' };

describe('publishing', () => {
  let registry: Registry;
  let alice: string;

  before(async () => {
    registry = await startRegistry();
    registry.createUser({ username: 'alice' });
    registry.createUser({ username: 'bob' });
    registry.createOrganization({ name: 'acme', admin: 'alice' });
    registry.createOrganization({ name: 'other', admin: 'alice' });
    alice = registry.createKey({ user: 'alice' }, { name: 'k' });
    await registry.publish(await makeTarball({ name: 'dep', version: '1.0.0' }), { publisher: 'alice' });
    await registry.publish(await makeTarball({ name: 'private_dep', version: '1.0.0' }), { publisher: 'alice', repository: 'acme' });
    await registry.publish(await makeTarball({ name: 'foreign', version: '1.0.0' }), { publisher: 'alice', repository: 'other' });
  });
  after(() => registry.stop());

  /** `auth` null: anonymous. */
  const upload = (path: string, body: Buffer, auth: string | null = alice, extra: { format?: 'json' | 'erlang'; expectContinue?: boolean } = {}) =>
    call(registry, 'POST', path, { auth: auth ?? undefined, body, headers: OCTET, ...extra });

  async function publishSpec(spec: TarballSpec, repository = 'hexpm', query = ''): Promise<Response> {
    const prefix = repository === 'hexpm' ? '/api' : `/api/repos/${repository}`;
    return upload(`${prefix}/packages/${spec.name}/releases${query}`, await makeTarball(spec));
  }

  test('a new release: 201, Location and the Release shape, in JSON and ETF', async () => {
    const res = await upload('/api/packages/tiny/releases?replace=false', TINY, alice, { format: 'erlang', expectContinue: true });
    assert.equal(res.status, 201);
    assert.equal(res.continued, true);
    assert.equal(res.headers.location, '/api/packages/tiny/releases/1.0.0');
    assert.equal(res.headers['content-type'], 'application/vnd.hex+erlang; charset=utf-8');
    const release = res.data;
    assert.equal(release.version, '1.0.0');
    assert.equal(release.checksum, 'd3204f4e04ad14f5ed763ea47e782e3afc4d3790a239556cdd9213bf7f541a6b');
    assert.equal(release.html_url, `${registry.url}/packages/tiny/1.0.0`);
    assert.equal(release.url, `${registry.url}/api/packages/tiny/releases/1.0.0`);
    assert.equal(release.package_url, `${registry.url}/api/packages/tiny`);
    assert.equal(release.has_docs, false);
    assert.equal(release.docs_html_url, null);
    assert.equal(release.retirement, null);
    assert.deepEqual(release.requirements, {});
    assert.deepEqual(release.meta, { app: 'tiny', build_tools: ['mix'], elixir: '~> 1.14' });
    assert.deepEqual(release.configs, { 'erlang.mk': 'dep_tiny = hex 1.0.0', 'mix.exs': '{:tiny, "~> 1.0"}', 'rebar.config': '{tiny, "1.0.0"}' });
    assert.equal(release.publisher.username, 'alice');
    assert.match(release.inserted_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const owners = await call(registry, 'GET', '/api/packages/tiny/owners');
    assert.deepEqual(owners.data.map((o: { username: string; level: string }) => [o.username, o.level]), [['alice', 'full']]);
  });

  test('/api/publish reads the name from the tarball', async () => {
    const res = await upload('/api/publish', await makeTarball({ name: 'via_publish', version: '0.1.0' }));
    assert.equal(res.status, 201);
    assert.equal(res.headers.location, '/api/packages/via_publish/releases/0.1.0');
    const other = await upload('/api/packages/wrong_name/releases', await makeTarball({ name: 'named', version: '0.1.0' }));
    assert.deepEqual([other.status, other.data.errors], [422, { name: 'metadata does not match package name' }]);
  });

  test('sizes: 100-continue lets the server refuse before the body is sent', async () => {
    registry.clearRequests();
    const big = await call(registry, 'POST', '/api/packages/big/releases', {
      auth: alice,
      headers: { ...OCTET, 'content-length': String(17 * 1024 * 1024), expect: '100-continue' },
    });
    assert.equal(big.status, 422);
    assert.deepEqual(big.data.errors, { tar: 'too big' });
    const [logged] = registry.requests();
    assert.equal(logged!.body_bytes, 0);
    assert.equal(logged!.headers.expect, '100-continue');

    const noLength = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/api/packages/big/releases', registry.url), {
        method: 'POST',
        ca: registry.caCertPem,
        agent: false,
        headers: { ...OCTET, 'user-agent': USER_AGENT, authorization: alice, expect: '100-continue', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    assert.equal(noLength, 411);

    const oversized = await upload('/api/packages/big/releases', Buffer.alloc(21 * 1024 * 1024));
    assert.deepEqual([oversized.status, oversized.data], [413, { status: 413, message: 'Payload too large' }]);
    const over16 = await upload('/api/packages/big/releases', Buffer.alloc(17 * 1024 * 1024));
    assert.deepEqual([over16.status, over16.data.errors], [422, { tar: 'package exceeds max compressed size 16.777216 MB' }]);
  });

  test('the tarball reader’s errors come as {"tar": …}', async () => {
    const garbage = await upload('/api/packages/garbage/releases', Buffer.from('not a tarball at all'));
    assert.equal(garbage.status, 422);
    assert.equal(typeof garbage.data.errors.tar, 'string');
    const truncated = await upload('/api/packages/tiny/releases', TINY.subarray(0, 2048));
    assert.equal(truncated.status, 422);
    assert.ok(truncated.data.errors.tar);
  });

  test('package name rules', async () => {
    const cases: Array<[string, string]> = [
      ['a', 'should be at least 2 character(s)'],
      ['Bad', 'has invalid format'],
      ['1abc', 'has invalid format'],
      ['mix', 'is reserved'],
      ['www', 'is reserved'],
      ['com1', 'is reserved'],
    ];
    for (const [name, message] of cases) {
      const res = await upload('/api/publish', await makeTarball({ name, version: '1.0.0', app: 'app' }));
      assert.equal(res.status, 422, name);
      assert.deepEqual(res.data.errors, { name: message }, name);
    }
  });

  test('hexpm requires a description and SPDX licenses; links must be URLs', async () => {
    const noDescription = await publishSpec({ name: 'nodesc', version: '1.0.0', description: null });
    assert.deepEqual(noDescription.data.errors, { meta: { description: "can't be blank" } });
    const noLicenses = await publishSpec({ name: 'nolic', version: '1.0.0', licenses: null });
    assert.deepEqual(noLicenses.data.errors, { meta: { licenses: "can't be blank" } });
    const badLicense = await publishSpec({ name: 'badlic', version: '1.0.0', licenses: ['MIT', 'Nope'] });
    assert.deepEqual(badLicense.data.errors, { meta: { licenses: 'invalid license "Nope"' } });
    const badLink = await publishSpec({ name: 'badlink', version: '1.0.0', links: { Docs: 'ftp://example.com' } });
    assert.deepEqual(badLink.data.errors, { meta: { links: 'invalid link "ftp://example.com"' } });
    const linksNotMap = await publishSpec({ name: 'badlinks', version: '1.0.0', raw: [['links', binary('https://x.y')]] });
    assert.deepEqual(linksNotMap.data.errors, { meta: { links: 'expected type map(string)' } });
    // No length limit on the description.
    assert.equal((await publishSpec({ name: 'longdesc', version: '1.0.0', description: 'x'.repeat(500) })).status, 201);
    // Private repositories do not require them.
    assert.equal((await publishSpec({ name: 'private_nodesc', version: '1.0.0', description: null, licenses: null }, 'acme')).status, 201);
  });

  test('version and release metadata checks', async () => {
    const build = await publishSpec({ name: 'vbuild', version: '1.0.0+build.1' });
    assert.deepEqual(build.data.errors, { version: 'build number not allowed' });
    const invalid = await publishSpec({ name: 'vinvalid', version: '1.0' });
    assert.deepEqual(invalid.data.errors, { version: 'is invalid SemVer' });
    const longPre = await publishSpec({ name: 'vpre', version: `1.0.0-${'a'.repeat(65)}` });
    assert.deepEqual(longPre.data.errors, { version: 'prerelease must be at most 64 characters' });
    const huge = await publishSpec({ name: 'vhuge', version: '100000000000000.0.0' });
    assert.deepEqual(huge.data.errors, { version: 'numeric components must be at most 99999999999999' });
    const noTools = await publishSpec({ name: 'notools', version: '1.0.0', buildTools: [] });
    assert.deepEqual(noTools.data.errors, { meta: { build_tools: "can't be blank" } });
    const noFiles = await publishSpec({ name: 'nofiles', version: '1.0.0', files: [] });
    assert.deepEqual(noFiles.data.errors, { meta: { files: "package can't be empty" } });
  });

  test('requirement checks, one message per dependency', async () => {
    const res = await publishSpec({
      name: 'needs',
      version: '1.0.0',
      requirements: [
        { name: 'missing', requirement: '~> 1.0' },
        { name: 'dep', requirement: '~> x' },
        { name: 'private_dep', requirement: '>= 0.0.0', repository: 'acme' },
      ],
    });
    assert.equal(res.status, 422);
    assert.deepEqual(res.data.errors, {
      requirements: {
        missing: 'package does not exist in repository "hexpm"',
        dep: 'invalid requirement: "~> x"',
        private_dep: 'dependencies can only belong to public repository "hexpm", got: "acme"',
      },
    });
    const notEqual = await publishSpec({ name: 'needs', version: '1.0.0', requirements: [{ name: 'dep', requirement: '!= 1.0.0' }] });
    assert.deepEqual(notEqual.data.errors, { requirements: { dep: 'invalid requirement: "!= 1.0.0", != is not allowed in requirements' } });
    const cross = await publishSpec(
      { name: 'crosser', version: '1.0.0', requirements: [{ name: 'foreign', requirement: '~> 1.0', repository: 'other' }] },
      'acme',
    );
    assert.deepEqual(cross.data.errors, {
      requirements: { foreign: 'dependencies can only belong to public repository "hexpm" or current repository "acme", got: "other"' },
    });
    const ok = await publishSpec(
      {
        name: 'fine',
        version: '1.0.0',
        requirements: [
          { name: 'dep', requirement: '~> 1.0', optional: true },
          { name: 'private_dep', requirement: '~> 1.0', repository: 'acme', app: 'private_app' },
        ],
      },
      'acme',
    );
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.data.requirements, {
      dep: { app: 'dep', optional: true, requirement: '~> 1.0' },
      private_dep: { app: 'private_app', optional: false, requirement: '~> 1.0' },
    });
  });

  test('replacing: the --replace flag and hexpm’s one hour / one day windows', async () => {
    const first = await publishSpec({ name: 'windowed', version: '1.0.0' });
    assert.equal(first.status, 201);
    const noFlag = await publishSpec({ name: 'windowed', version: '1.0.0' }, 'hexpm', '?replace=false');
    assert.deepEqual([noFlag.status, noFlag.data.errors], [422, { inserted_at: 'must include the --replace flag to update an existing release' }]);
    const replaced = await publishSpec({ name: 'windowed', version: '1.0.0', description: 'Changed.' }, 'hexpm', '?replace=true');
    assert.equal(replaced.status, 200);
    assert.equal(replaced.headers.location, undefined);
    registry.advanceClock(2 * 3600);
    assert.equal((await publishSpec({ name: 'windowed', version: '1.1.0' })).status, 201);
    // The package is less than a day old: the two-hour-old release may still change.
    assert.equal((await publishSpec({ name: 'windowed', version: '1.0.0' })).status, 200);
    registry.advanceClock(23 * 3600);
    const late = await publishSpec({ name: 'windowed', version: '1.1.0' });
    assert.deepEqual([late.status, late.data.errors], [422, { inserted_at: 'can only modify a release up to one hour after publication' }]);
    const lateDelete = await call(registry, 'DELETE', '/api/packages/windowed/releases/1.1.0', { auth: alice });
    assert.deepEqual([lateDelete.status, lateDelete.data.errors], [422, { inserted_at: 'can only delete a release up to one hour after publication' }]);
    // Private repositories have no window.
    assert.equal((await publishSpec({ name: 'private_nodesc', version: '1.0.0' }, 'acme')).status, 200);
  });

  test('who may publish', async () => {
    const bob = registry.createKey({ user: 'bob' }, { name: 'k' });
    const taken = await upload('/api/packages/tiny/releases', await makeTarball({ name: 'tiny', version: '2.0.0' }), bob);
    assert.deepEqual([taken.status, taken.data.message], [403, 'account not authorized for this action']);
    const anonymous = await upload('/api/packages/tiny/releases', TINY, null);
    assert.deepEqual([anonymous.status, anonymous.data.message], [401, 'missing authentication information']);
    const readOnly = registry.createKey({ user: 'alice' }, { name: 'ro', permissions: [{ domain: 'api', resource: 'read' }] });
    const scope = await upload('/api/packages/tiny/releases', TINY, readOnly);
    assert.deepEqual([scope.status, scope.data.message], [401, 'key not authorized for this action']);
    const packageKey = registry.createKey({ user: 'alice' }, { name: 'pkg', permissions: [{ domain: 'package', resource: 'tiny' }] });
    assert.equal((await upload('/api/packages/tiny/releases', await makeTarball({ name: 'tiny', version: '1.1.0' }), packageKey)).status, 201);
    const otherPackage = await upload('/api/packages/newone/releases', await makeTarball({ name: 'newone', version: '1.0.0' }), packageKey);
    assert.equal(otherPackage.status, 401);
    // /api/publish reads the tarball before authorizing.
    const unauthenticated = await upload('/api/publish', Buffer.from('junk'), null);
    assert.equal(unauthenticated.status, 422);

    // An organization key publishes to hexpm as the organization's account.
    const orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci' });
    const byOrg = await upload('/api/packages/org_made/releases', await makeTarball({ name: 'org_made', version: '1.0.0' }), orgKey);
    assert.equal(byOrg.status, 201);
    assert.equal(byOrg.data.publisher.username, 'acme');
  });

  test('private repositories: roles, hidden packages and billing', async () => {
    registry.addMember('acme', 'bob', 'read');
    const bob = registry.createKey({ user: 'bob' }, { name: 'acme-reader' });
    registry.createUser({ username: 'eve' });
    const eve = registry.createKey({ user: 'eve' }, { name: 'k' });
    const tarball = await makeTarball({ name: 'secret', version: '0.1.0' });
    const reader = await upload('/api/repos/acme/packages/secret/releases', tarball, bob);
    assert.deepEqual([reader.status, reader.data.message], [403, 'account not authorized for this action']);
    const outsider = await upload('/api/repos/acme/packages/secret/releases', tarball, eve);
    assert.equal(outsider.status, 404);
    const ok = await upload('/api/repos/acme/packages/secret/releases', tarball);
    assert.equal(ok.status, 201);
    assert.equal(ok.headers.location, '/api/packages/secret/releases/0.1.0');
    assert.equal(ok.data.html_url, `${registry.url}/packages/acme/secret/0.1.0`);
    assert.equal(ok.data.url, `${registry.url}/api/repos/acme/packages/secret/releases/0.1.0`);
    assert.equal(ok.data.configs['mix.exs'], '{:secret, "~> 0.1.0", organization: "acme"}');
    assert.equal((await call(registry, 'GET', '/api/repos/acme/packages/secret', { auth: eve })).status, 404);
    assert.equal((await call(registry, 'GET', '/api/repos/acme/packages/secret')).status, 404);
    assert.equal((await call(registry, 'GET', '/api/repos/acme/packages/secret', { auth: bob })).status, 200);
    assert.equal((await call(registry, 'GET', '/api/repos/nowhere/packages/secret', { auth: alice })).status, 404);
    registry.setBilling('acme', false);
    try {
      const unpaid = await upload('/api/repos/acme/packages/secret/releases', await makeTarball({ name: 'secret', version: '0.2.0' }));
      assert.deepEqual([unpaid.status, unpaid.data.message], [403, 'organization has no active billing subscription']);
    } finally {
      registry.setBilling('acme', true);
    }
  });

  test('GET a release', async () => {
    const res = await call(registry, 'GET', '/api/packages/dep/releases/1.0.0', { format: 'erlang' });
    assert.equal(res.status, 200);
    assert.equal(res.data.version, '1.0.0');
    assert.equal(res.data.downloads, 0);
    assert.deepEqual(res.data.security_advisories, []);
    assert.ok(res.headers.etag);
    assert.deepEqual((await call(registry, 'GET', '/api/packages/dep/releases/1.0.0?downloads=day')).data.downloads, []);
    const bad = await call(registry, 'GET', '/api/packages/dep/releases/notaversion');
    assert.deepEqual([bad.status, bad.data], [400, { status: 400, message: 'invalid version: notaversion' }]);
    assert.equal((await call(registry, 'GET', '/api/packages/dep/releases/9.9.9')).status, 404);
  });

  test('deleting releases: the last one takes the package; dependants block it', async () => {
    await publishSpec({ name: 'shortlived', version: '1.0.0' });
    await publishSpec({ name: 'shortlived', version: '1.1.0' });
    assert.equal((await call(registry, 'DELETE', '/api/packages/shortlived/releases/1.1.0', { auth: alice })).status, 204);
    assert.equal((await call(registry, 'GET', '/api/packages/shortlived')).data.latest_version, '1.0.0');
    assert.equal((await call(registry, 'DELETE', '/api/packages/shortlived/releases/1.0.0', { auth: alice })).status, 204);
    assert.equal((await call(registry, 'GET', '/api/packages/shortlived')).status, 404);
    assert.equal((await call(registry, 'GET', '/repo/packages/shortlived')).status, 404);

    await publishSpec({ name: 'base', version: '1.0.0' });
    await publishSpec({ name: 'user_of_base', version: '1.0.0', requirements: [{ name: 'base', requirement: '~> 1.0' }] });
    const blocked = await call(registry, 'DELETE', '/api/packages/base/releases/1.0.0', { auth: alice });
    assert.deepEqual([blocked.status, blocked.data.errors], [422, { name: 'you cannot delete this package because other packages depend on it' }]);
    assert.equal((await call(registry, 'GET', '/api/packages/base')).status, 200);
  });
});
