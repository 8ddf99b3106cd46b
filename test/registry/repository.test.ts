import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { openRegistryResource } from '../../src/repository/signing.js';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from './test-client.js';

// api.md §7 and tarball.md §11: the signed registry files, tarballs and private access.

const TINY = readFileSync(new URL('../fixtures/registry/tiny-1.0.0.tar', import.meta.url));
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

describe('repository', () => {
  let registry: Registry;
  let member: string;
  let privateTarball: Buffer;

  before(async () => {
    registry = await startRegistry();
    registry.createUser({ username: 'alice' });
    registry.createUser({ username: 'bob' });
    registry.createOrganization({ name: 'acme', admin: 'alice' });
    await registry.publish(TINY, { publisher: 'alice' });
    await registry.publish(await makeTarball({ name: 'tiny', version: '1.1.0' }), { publisher: 'alice' });
    privateTarball = await makeTarball({
      name: 'secret',
      version: '0.1.0',
      requirements: [
        { name: 'tiny', requirement: '~> 1.0', repository: 'hexpm' },
        { name: 'helper', requirement: '~> 0.1', repository: 'acme', app: 'helper_app', optional: true },
      ],
    });
    await registry.publish(await makeTarball({ name: 'helper', version: '0.1.0', app: 'helper_app' }), { publisher: 'alice', repository: 'acme' });
    await registry.publish(privateTarball, { publisher: 'alice', repository: 'acme' });
    member = registry.createKey({ user: 'alice' }, { name: 'repo', permissions: [{ domain: 'repository', resource: 'acme' }] });
  });
  after(() => registry.stop());

  test('names, versions and packages/<name> are signed with the key at /repo/public_key', async () => {
    const key = await call(registry, 'GET', '/repo/public_key');
    assert.equal(key.body.toString('utf8'), registry.repoPublicKeyPem);

    const names = await call(registry, 'GET', '/repo/names');
    assert.equal(names.status, 200);
    assert.equal(names.headers['cache-control'], 'public, max-age=3600');
    assert.deepEqual([...names.body.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    const decodedNames = openRegistryResource(names.body, registry.repoPublicKeyPem, { repository: 'hexpm', kind: 'names' });
    assert.deepEqual(decodedNames.packages.map((p) => p.name), ['tiny']);

    const versions = openRegistryResource((await call(registry, 'GET', '/repo/versions')).body, registry.repoPublicKeyPem, {
      repository: 'hexpm',
      kind: 'versions',
    });
    assert.deepEqual(versions.packages[0]!.versions, ['1.0.0', '1.1.0']);
    assert.deepEqual(versions.packages[0]!.retired, []);

    const pkg = openRegistryResource((await call(registry, 'GET', '/repo/packages/tiny')).body, registry.repoPublicKeyPem, {
      repository: 'hexpm',
      kind: 'package',
      name: 'tiny',
    });
    assert.deepEqual(pkg.releases.map((r) => r.version), ['1.0.0', '1.1.0']);
    assert.deepEqual(pkg.releases[0]!.outerChecksum, sha256(TINY));
    assert.equal((await call(registry, 'GET', '/repo/packages/nothing')).status, 404);
  });

  test('retiring changes the registry files', async () => {
    const alice = registry.createKey({ user: 'alice' }, { name: 'k' });
    await call(registry, 'POST', '/api/packages/tiny/releases/1.0.0/retire', { auth: alice, body: { reason: 'security', message: 'Broken' } });
    const versions = openRegistryResource((await call(registry, 'GET', '/repo/versions')).body, registry.repoPublicKeyPem, {
      repository: 'hexpm',
      kind: 'versions',
    });
    assert.deepEqual(versions.packages[0]!.retired, [0]);
    const pkg = openRegistryResource((await call(registry, 'GET', '/repo/packages/tiny')).body, registry.repoPublicKeyPem, {
      repository: 'hexpm',
      kind: 'package',
      name: 'tiny',
    });
    assert.deepEqual(pkg.releases[0]!.retired, { reason: 'security', message: 'Broken' });
    await call(registry, 'DELETE', '/api/packages/tiny/releases/1.0.0/retire', { auth: alice });
  });

  test('security advisories (POST /_test/advisories) are in the signed files, as hexpm builds them', async () => {
    const added = await call(registry, 'POST', '/_test/advisories', {
      body: { name: 'tiny', id: 'GHSA-aaaa-bbbb-cccc', summary: 'Atom exhaustion', versions: ['1.0.0'], cvss_rating: 'high', cvss_score: 7.5, aliases: ['CVE-2026-1234'] },
    });
    assert.equal(added.status, 204, added.body.toString());
    registry.addAdvisory({ name: 'tiny', id: 'EEF-CVE-2026-1234', summary: 'Atom exhaustion', versions: ['1.0.0', '1.1.0'], aliases: ['CVE-2026-1234', 'GHSA-aaaa-bbbb-cccc'] });
    const refused = await call(registry, 'POST', '/_test/advisories', { body: { name: 'tiny', id: 'X-1', summary: 's', versions: ['9.9.9'] } });
    assert.deepEqual([refused.status, JSON.parse(refused.body.toString())], [400, { error: 'no release tiny 9.9.9' }]);

    const versions = openRegistryResource((await call(registry, 'GET', '/repo/versions')).body, registry.repoPublicKeyPem, { repository: 'hexpm', kind: 'versions' });
    assert.deepEqual(versions.packages[0]!.withAdvisories, [0, 1]);
    const pkg = openRegistryResource((await call(registry, 'GET', '/repo/packages/tiny')).body, registry.repoPublicKeyPem, { repository: 'hexpm', kind: 'package', name: 'tiny' });
    // Ordered by id; the links are OSV's; severity and score only where given.
    assert.deepEqual(pkg.advisories, [
      { id: 'EEF-CVE-2026-1234', summary: 'Atom exhaustion', htmlUrl: 'https://osv.dev/vulnerability/EEF-CVE-2026-1234', apiUrl: 'https://api.osv.dev/v1/vulns/EEF-CVE-2026-1234', aliases: ['CVE-2026-1234', 'GHSA-aaaa-bbbb-cccc'] },
      { id: 'GHSA-aaaa-bbbb-cccc', summary: 'Atom exhaustion', htmlUrl: 'https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc', apiUrl: 'https://api.osv.dev/v1/vulns/GHSA-aaaa-bbbb-cccc', severity: 'high', cvssScore: 7.5, aliases: ['CVE-2026-1234'] },
    ]);
    assert.deepEqual(pkg.releases.map((r) => [r.version, r.advisoryIndexes]), [['1.0.0', [0, 1]], ['1.1.0', [0]]]);

    // POST /_test/retirements retires without an owner's key; reason null unretires.
    assert.equal((await call(registry, 'POST', '/_test/retirements', { body: { name: 'tiny', version: '1.1.0', reason: 'deprecated', message: 'use huge' } })).status, 204);
    const retired = openRegistryResource((await call(registry, 'GET', '/repo/packages/tiny')).body, registry.repoPublicKeyPem, { repository: 'hexpm', kind: 'package', name: 'tiny' });
    assert.deepEqual(retired.releases[1]!.retired, { reason: 'deprecated', message: 'use huge' });
    assert.equal((await call(registry, 'POST', '/_test/retirements', { body: { name: 'tiny', version: '1.1.0', reason: null } })).status, 204);
  });

  test('tarballs: the uploaded bytes, cacheable, with ETag and 304', async () => {
    const res = await call(registry, 'GET', '/repo/tarballs/tiny-1.0.0.tar');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, TINY);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.headers['cache-control'], 'public, max-age=604800');
    const etag = res.headers.etag!;
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    const again = await call(registry, 'GET', '/repo/tarballs/tiny-1.0.0.tar', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal((await call(registry, 'GET', '/repo/tarballs/tiny-9.9.9.tar')).status, 404);
  });

  test('private repository: raw keys and Bearer tokens with repository:<org>', async () => {
    const path = '/repo/repos/acme/packages/secret';
    assert.equal((await call(registry, 'GET', path)).status, 401);
    assert.equal((await call(registry, 'GET', path, { auth: 'not-a-key' })).status, 401);
    assert.equal((await call(registry, 'GET', path, { auth: 'Bearer not.a.jwt' })).status, 401);

    const res = await call(registry, 'GET', path, { auth: member });
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'private, max-age=3600');
    const pkg = openRegistryResource(res.body, registry.repoPublicKeyPem, { repository: 'acme', kind: 'package', name: 'secret' });
    assert.deepEqual(pkg.releases[0]!.dependencies, [
      { package: 'helper', requirement: '~> 0.1', optional: true, app: 'helper_app' },
      { package: 'tiny', requirement: '~> 1.0', repository: 'hexpm' },
    ]);

    const tarball = await call(registry, 'GET', '/repo/repos/acme/tarballs/secret-0.1.0.tar', { auth: member });
    assert.deepEqual(tarball.body, privateTarball);
    assert.equal(tarball.headers['cache-control'], 'private, max-age=86400');
    const names = openRegistryResource((await call(registry, 'GET', '/repo/repos/acme/names', { auth: member })).body, registry.repoPublicKeyPem, {
      repository: 'acme',
      kind: 'names',
    });
    assert.deepEqual(names.packages.map((p) => p.name), ['helper', 'secret']);

    const token = registry.createToken('alice', ['api:read', 'repositories']).accessToken;
    assert.equal((await call(registry, 'GET', path, { auth: `Bearer ${token}` })).status, 200);
    const apiOnly = registry.createToken('alice', ['api:read']).accessToken;
    assert.equal((await call(registry, 'GET', path, { auth: `Bearer ${apiOnly}` })).status, 403);
    const apiKey = registry.createKey({ user: 'alice' }, { name: 'api-only' });
    assert.equal((await call(registry, 'GET', path, { auth: apiKey })).status, 403);
    const bob = registry.createKey({ user: 'bob' }, { name: 'all', permissions: [{ domain: 'repositories' }] });
    assert.equal((await call(registry, 'GET', path, { auth: bob })).status, 403);
    const orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
    assert.equal((await call(registry, 'GET', path, { auth: orgKey })).status, 200);
    assert.equal((await call(registry, 'GET', '/repo/repos/acme/packages/nothing', { auth: member })).status, 404);

    registry.setBilling('acme', false);
    try {
      assert.equal((await call(registry, 'GET', path, { auth: member })).status, 403);
    } finally {
      registry.setBilling('acme', true);
    }
  });
});
