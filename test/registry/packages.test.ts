import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from './test-client.js';

// api.md §4–§5: package show and search, retirement, docs and owners.

const DOCS = readFileSync(new URL('../fixtures/registry/docs.tar.gz', import.meta.url));

describe('packages', () => {
  let registry: Registry;
  let alice: string;
  let bob: string;

  before(async () => {
    registry = await startRegistry();
    for (const username of ['alice', 'bob', 'carol']) registry.createUser({ username });
    registry.createOrganization({ name: 'acme', admin: 'alice' });
    registry.addMember('acme', 'carol', 'write');
    alice = registry.createKey({ user: 'alice' }, { name: 'k' });
    bob = registry.createKey({ user: 'bob' }, { name: 'k' });
    const publish = async (name: string, version: string, extra: Parameters<typeof makeTarball>[0] = { name, version }, repository?: string) =>
      registry.publish(await makeTarball({ ...extra, name, version }), { publisher: 'alice', repository });
    await publish('json_parser', '1.0.0', { name: '', version: '', description: 'Fast JSON parsing for Elixir' });
    await publish('json_parser', '1.1.0-rc.0', { name: '', version: '', description: 'Fast JSON parsing for Elixir' });
    await publish('plug_json', '0.3.0', {
      name: '',
      version: '',
      description: 'A plug for decoding requests',
      requirements: [{ name: 'json_parser', requirement: '~> 1.0' }],
      buildTools: ['rebar3'],
    });
    await publish('ab', '1.0.0', { name: '', version: '', description: 'Two letters' });
    await publish('abc_tools', '2.0.0', { name: '', version: '', description: 'Tools' });
    await publish('internal', '0.1.0', { name: '', version: '' }, 'acme');
  });
  after(() => registry.stop());

  test('GET a package: the Package shape with owners', async () => {
    for (const format of ['json', 'erlang'] as const) {
      const res = await call(registry, 'GET', '/api/packages/json_parser', { format });
      assert.equal(res.status, 200);
      const pkg = res.data;
      assert.equal(pkg.repository, 'hexpm');
      assert.equal(pkg.name, 'json_parser');
      assert.equal(pkg.latest_version, '1.1.0-rc.0');
      assert.equal(pkg.latest_stable_version, '1.0.0');
      assert.equal(pkg.url, `${registry.url}/api/packages/json_parser`);
      assert.equal(pkg.html_url, `${registry.url}/packages/json_parser`);
      assert.equal(pkg.docs_html_url, null);
      assert.deepEqual(pkg.releases.map((r: { version: string }) => r.version), ['1.1.0-rc.0', '1.0.0']);
      assert.equal(pkg.releases[0].url, `${registry.url}/api/packages/json_parser/releases/1.1.0-rc.0`);
      assert.deepEqual(pkg.meta, {
        description: 'Fast JSON parsing for Elixir',
        licenses: ['MIT'],
        links: { GitHub: 'https://github.com/example/json_parser' },
        maintainers: [],
      });
      assert.equal(pkg.configs['mix.exs'], '{:json_parser, "~> 1.0"}');
      assert.deepEqual(pkg.retirements, {});
      assert.deepEqual(pkg.downloads, {});
      assert.deepEqual(pkg.owners, [{ username: 'alice', url: `${registry.url}/api/users/alice`, email: 'alice@example.com' }]);
      assert.equal(res.headers['cache-control'], 'public, max-age=60');
    }
    const etag = (await call(registry, 'GET', '/api/packages/json_parser')).headers.etag!;
    assert.equal((await call(registry, 'GET', '/api/packages/json_parser', { headers: { 'if-none-match': etag } })).status, 304);
    assert.equal((await call(registry, 'GET', '/api/packages/nothing')).status, 404);
    const viaRepos = await call(registry, 'GET', '/api/repos/hexpm/packages/json_parser');
    assert.equal(viaRepos.data.name, 'json_parser');
  });

  test('search, sort and pagination', async () => {
    const names = async (query: string, auth?: string) =>
      ((await call(registry, 'GET', `/api/packages${query}`, { auth })).data as Array<{ name: string }>).map((p) => p.name);
    assert.deepEqual(await names(''), ['ab', 'abc_tools', 'json_parser', 'plug_json']);
    assert.deepEqual(await names('?search=json'), ['json_parser', 'plug_json']);
    // Two letters: an exact name.
    assert.deepEqual(await names('?search=ab'), ['ab']);
    assert.deepEqual(await names('?search=parsing'), ['json_parser']);
    assert.deepEqual(await names('?search=name:json*'), ['json_parser']);
    assert.deepEqual(await names('?search=name:*json'), ['plug_json']);
    assert.deepEqual(await names('?search=depends:json_parser'), ['plug_json']);
    assert.deepEqual(await names('?search=depends:hexpm:json_parser'), ['plug_json']);
    assert.deepEqual(await names('?search=build_tool:rebar3'), ['plug_json']);
    assert.deepEqual(await names(`?search=${encodeURIComponent('description:"decoding requests"')}`), ['plug_json']);
    assert.deepEqual(await names('?sort=inserted_at'), ['abc_tools', 'ab', 'plug_json', 'json_parser']);
    assert.deepEqual(await names('?per_page=2&page=2'), ['json_parser', 'plug_json']);
    assert.deepEqual(await names('?per_page=2&page=3'), []);
    // Private packages only for members, and only with their repository.
    assert.ok(!(await names('')).includes('internal'));
    assert.ok((await names('', alice)).includes('internal'));
    const repoOnly = await call(registry, 'GET', '/api/repos/acme/packages', { auth: alice });
    assert.deepEqual(repoOnly.data.map((p: { name: string }) => p.name), ['internal']);
    assert.equal((await call(registry, 'GET', '/api/repos/acme/packages', { auth: bob })).status, 404);
    const listing = await call(registry, 'GET', '/api/packages?search=json_parser', { format: 'erlang' });
    assert.equal(listing.data[0].owners, undefined);
    assert.ok(listing.headers.etag);
  });

  test('retire and unretire a release', async () => {
    for (const format of ['json', 'erlang'] as const) {
      const res = await call(registry, 'POST', '/api/packages/json_parser/releases/1.0.0/retire', {
        auth: alice,
        format,
        body: { reason: 'security', message: 'CVE-2030-1' },
      });
      assert.equal(res.status, 204);
    }
    const release = await call(registry, 'GET', '/api/packages/json_parser/releases/1.0.0');
    assert.deepEqual(release.data.retirement, { reason: 'security', message: 'CVE-2030-1' });
    const pkg = await call(registry, 'GET', '/api/packages/json_parser');
    assert.deepEqual(pkg.data.retirements, { '1.0.0': { reason: 'security', message: 'CVE-2030-1' } });

    const invalid = await call(registry, 'POST', '/api/packages/json_parser/releases/1.0.0/retire', { auth: alice, body: { reason: 'boredom' } });
    assert.deepEqual([invalid.status, invalid.data.errors], [422, { retirement: { reason: 'is invalid' } }]);
    const short = await call(registry, 'POST', '/api/packages/json_parser/releases/1.0.0/retire', { auth: alice, body: { reason: 'other', message: 'no' } });
    assert.deepEqual(short.data.errors, { retirement: { message: 'should be at least 3 character(s)' } });
    const notOwner = await call(registry, 'POST', '/api/packages/json_parser/releases/1.0.0/retire', { auth: bob, body: { reason: 'other' } });
    assert.deepEqual([notOwner.status, notOwner.data.message], [403, 'account not authorized for this action']);
    assert.equal((await call(registry, 'POST', '/api/packages/json_parser/releases/1.0.0/retire', { body: { reason: 'other' } })).status, 403);

    assert.equal((await call(registry, 'DELETE', '/api/packages/json_parser/releases/1.0.0/retire', { auth: alice })).status, 204);
    assert.equal((await call(registry, 'GET', '/api/packages/json_parser/releases/1.0.0')).data.retirement, null);
  });

  test('retire every release; earlier retirements stay unless replace', async () => {
    await call(registry, 'POST', '/api/packages/json_parser/releases/1.0.0/retire', { auth: alice, body: { reason: 'invalid' } });
    const all = await call(registry, 'POST', '/api/packages/json_parser/retire', { auth: alice, body: { reason: 'deprecated', message: 'Use Jason' } });
    assert.equal(all.status, 204);
    let retirements = (await call(registry, 'GET', '/api/packages/json_parser')).data.retirements;
    assert.deepEqual(retirements, {
      '1.0.0': { reason: 'invalid', message: null },
      '1.1.0-rc.0': { reason: 'deprecated', message: 'Use Jason' },
    });
    await call(registry, 'POST', '/api/packages/json_parser/retire', { auth: alice, body: { reason: 'renamed', message: 'Now jsonx', replace: true } });
    retirements = (await call(registry, 'GET', '/api/packages/json_parser')).data.retirements;
    assert.equal(retirements['1.0.0'].reason, 'renamed');
    for (const version of ['1.0.0', '1.1.0-rc.0']) {
      await call(registry, 'DELETE', `/api/packages/json_parser/releases/${version}/retire`, { auth: alice });
    }
  });

  test('docs: upload, redirect, download, delete', async () => {
    const upload = await call(registry, 'POST', '/api/packages/plug_json/releases/0.3.0/docs', {
      auth: alice,
      body: DOCS,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(upload.status, 201);
    assert.equal(upload.body.length, 0);
    assert.equal(upload.headers.location, `${registry.url}/repo/docs/plug_json-0.3.0.tar.gz`);
    const release = await call(registry, 'GET', '/api/packages/plug_json/releases/0.3.0');
    assert.equal(release.data.has_docs, true);
    assert.equal(release.data.docs_html_url, `${registry.url}/docs/plug_json/0.3.0/`);
    assert.equal((await call(registry, 'GET', '/api/packages/plug_json')).data.docs_html_url, `${registry.url}/docs/plug_json/`);
    const redirect = await call(registry, 'GET', '/api/packages/plug_json/releases/0.3.0/docs');
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.location, upload.headers.location);
    const download = await call(registry, 'GET', '/repo/docs/plug_json-0.3.0.tar.gz');
    assert.equal(download.status, 200);
    assert.deepEqual(download.body, DOCS);

    const bomb = gzipSync(Buffer.alloc(129 * 1024 * 1024));
    const tooBig = await call(registry, 'POST', '/api/packages/plug_json/releases/0.3.0/docs', { auth: alice, body: bomb, headers: { 'content-type': 'application/octet-stream' } });
    assert.deepEqual([tooBig.status, tooBig.data.errors], [422, { tar: 'too big (uncompressed)' }]);
    const notOwner = await call(registry, 'POST', '/api/packages/plug_json/releases/0.3.0/docs', { auth: bob, body: DOCS, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(notOwner.status, 403);

    assert.equal((await call(registry, 'DELETE', '/api/packages/plug_json/releases/0.3.0/docs', { auth: alice })).status, 204);
    assert.equal((await call(registry, 'GET', '/api/packages/plug_json/releases/0.3.0/docs')).status, 404);
    assert.equal((await call(registry, 'GET', '/repo/docs/plug_json-0.3.0.tar.gz')).status, 404);

    const privateDocs = await call(registry, 'POST', '/api/repos/acme/packages/internal/releases/0.1.0/docs', {
      auth: alice,
      body: DOCS,
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(privateDocs.headers.location, `${registry.url}/repo/repos/acme/docs/internal-0.1.0.tar.gz`);
  });

  test('owners: list, add, transfer and remove, with the 422 texts', async () => {
    const add = await call(registry, 'PUT', '/api/packages/abc_tools/owners/bob', { auth: alice, body: { level: 'maintainer' } });
    assert.equal(add.status, 204);
    const list = await call(registry, 'GET', '/api/packages/abc_tools/owners', { format: 'erlang' });
    assert.deepEqual(list.data.map((o: { username: string; level: string }) => [o.username, o.level]), [['alice', 'full'], ['bob', 'maintainer']]);
    const one = await call(registry, 'GET', '/api/packages/abc_tools/owners/bob');
    assert.equal(one.data.level, 'maintainer');
    // A maintainer publishes but does not manage owners.
    assert.equal((await call(registry, 'PUT', '/api/packages/abc_tools/owners/carol', { auth: bob })).status, 403);
    const bobPublishes = await call(registry, 'POST', '/api/packages/abc_tools/releases', {
      auth: bob,
      body: await makeTarball({ name: 'abc_tools', version: '2.1.0' }),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(bobPublishes.status, 201);

    const cases: Array<[string, string, Record<string, unknown>, unknown]> = [
      ['PUT', '/api/packages/abc_tools/owners/alice', { level: 'maintainer' }, { username: 'cannot demote the last full owner of a package' }],
      ['PUT', '/api/packages/abc_tools/owners/acme', {}, { username: 'organization ownership can only be transferred, removing all existing owners' }],
      ['PUT', '/api/packages/abc_tools/owners/acme', { transfer: true, level: 'maintainer' }, { level: 'ownership level is required to be "full" for organization ownership' }],
      ['PUT', '/api/packages/abc_tools/owners/bob', { level: 'boss' }, { level: 'is invalid' }],
      ['DELETE', '/api/packages/abc_tools/owners/carol', {}, { username: 'user is not an owner of package' }],
      ['DELETE', '/api/packages/abc_tools/owners/alice', {}, { username: 'cannot remove the last full owner of package' }],
      ['PUT', '/api/repos/acme/packages/internal/owners/bob', {}, { username: 'cannot add owner to private package when the user is not a member of the organization' }],
    ];
    for (const [method, path, body, errors] of cases) {
      const res = await call(registry, method, path, { auth: alice, body });
      assert.equal(res.status, 422, `${method} ${path}`);
      assert.deepEqual(res.data.errors, errors, `${method} ${path}`);
    }
    assert.equal((await call(registry, 'PUT', '/api/packages/abc_tools/owners/nobody', { auth: alice })).status, 404);
    // The string "true" is not a transfer.
    const stringTransfer = await call(registry, 'PUT', '/api/packages/abc_tools/owners/acme', { auth: alice, body: 'transfer=true', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(stringTransfer.status, 422);

    assert.equal((await call(registry, 'DELETE', '/api/packages/abc_tools/owners/bob', { auth: alice })).status, 204);
    const transfer = await call(registry, 'PUT', '/api/packages/abc_tools/owners/acme', { auth: alice, body: { transfer: true } });
    assert.equal(transfer.status, 204);
    const after = await call(registry, 'GET', '/api/packages/abc_tools/owners');
    assert.deepEqual(after.data.map((o: { username: string }) => o.username), ['acme']);
    // acme's admin now owns it through the organization.
    const adminPublishes = await call(registry, 'POST', '/api/packages/abc_tools/releases', {
      auth: alice,
      body: await makeTarball({ name: 'abc_tools', version: '2.2.0' }),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(adminPublishes.status, 201);
    const lastOwner = await call(registry, 'DELETE', '/api/packages/abc_tools/owners/acme', { auth: alice });
    assert.deepEqual(lastOwner.data.errors, { username: 'cannot remove last owner of package' });
  });
});
