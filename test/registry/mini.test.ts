import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { encodeEtf } from '../../src/erlang/etf.js';
import { atom, binary, ErlMap, tuple, type Term } from '../../src/erlang/term.js';
import { openRegistryResource, type ExpectedResource, type RegistryResourceKind } from '../../src/repository/signing.js';
import { startRegistry, type Registry } from '../../registry/server.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call, type CallOptions } from './test-client.js';

// The mini_repo-style server under /mini (wojtekmach/mini_repo's API and repository layout):
// raw-token auth before anything else, POST /api/repos/REPO/publish with the raw tarball, ETF
// answers, and signed repository files of its own at /repos/REPO/.

const TINY = readFileSync(new URL('../fixtures/registry/tiny-1.0.0.tar', import.meta.url));
const TOKEN = 'mini-secret';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
const etf = (term: Term) => encodeEtf(term);
const error = (reason: Term) => etf(tuple(atom('error'), reason));

describe('mini_repo endpoint', () => {
  let registry: Registry;
  const api = (method: string, path: string, options: CallOptions = {}) =>
    call(registry, method, `/mini/api/repos/acme${path}`, { auth: TOKEN, ...options });
  const file = (path: string) => call(registry, 'GET', `/mini/repos/acme/${path}`);
  const open = async <K extends RegistryResourceKind>(path: string, expected: ExpectedResource<K>) =>
    openRegistryResource((await file(path)).body, registry.mini!.publicKeyPem('acme'), expected);
  const names = () => open('names', { repository: 'acme', kind: 'names' });
  const versions = () => open('versions', { repository: 'acme', kind: 'versions' });
  const packageFile = (name: string) => open(`packages/${name}`, { repository: 'acme', kind: 'package', name });

  before(async () => {
    registry = await startRegistry({ mini: { repositories: ['acme'], token: TOKEN } });
  });
  after(() => registry.stop());

  test('every API request needs the exact token, even on routes that do not exist', async () => {
    const refusals: Array<[string, string, string | undefined]> = [
      ['POST', '/mini/api/repos/acme/publish', undefined],
      ['POST', '/mini/api/repos/acme/publish', 'wrong'],
      ['POST', '/mini/api/repos/acme/publish', `Bearer ${TOKEN}`],
      ['POST', '/mini/api/repos/acme/publish', TOKEN.toUpperCase()],
      ['GET', '/mini/api/nothing/here', undefined],
    ];
    for (const [method, path, auth] of refusals) {
      const res = await call(registry, method, path, { auth, body: TINY });
      assert.equal(res.status, 401, `${method} ${path} ${auth}`);
      assert.equal(res.headers['content-type'], 'application/vnd.hex+erlang; charset=utf-8');
      assert.deepEqual(res.body, etf(binary('unauthorized')));
    }
    assert.deepEqual(registry.mini!.published('acme'), {});
  });

  test('publish: 200 with the url, then the release is in signed names, versions and packages/NAME', async () => {
    const res = await api('POST', '/publish', { body: TINY, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.hex+erlang; charset=utf-8');
    assert.deepEqual(res.body, etf(new ErlMap([[binary('url'), binary(`${registry.url}/mini`)]])));

    const key = await file('public_key');
    assert.equal(key.body.toString('utf8'), registry.mini!.publicKeyPem('acme'));
    assert.match(key.body.toString('utf8'), /^-----BEGIN RSA PUBLIC KEY-----\n/);
    assert.notEqual(registry.mini!.publicKeyPem('acme'), registry.repoPublicKeyPem);

    assert.deepEqual((await names()).packages, [{ name: 'tiny' }]);
    assert.deepEqual((await versions()).packages, [{ name: 'tiny', versions: ['1.0.0'], retired: [], withAdvisories: [] }]);
    const pkg = await packageFile('tiny');
    assert.equal(pkg.releases.length, 1);
    assert.deepEqual(pkg.releases[0]!.outerChecksum, sha256(TINY));
    assert.equal(pkg.releases[0]!.publishedAt, undefined);

    const tarball = await file('tarballs/tiny-1.0.0.tar');
    assert.equal(tarball.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(tarball.body, TINY);

    const published = await call(registry, 'GET', '/_test/mini/acme');
    assert.deepEqual(Object.keys(published.data.packages), ['tiny']);
    assert.equal(published.data.packages.tiny[0].outer_checksum, sha256(TINY).toString('hex'));
    assert.equal(published.data.public_key, registry.mini!.publicKeyPem('acme'));
  });

  test('dependencies are kept; releases sort by version, in the request log like any route', async () => {
    registry.clearRequests();
    const requirements = [{ name: 'tiny', requirement: '~> 1.0', repository: 'acme', app: 'tiny_app', optional: true }];
    for (const version of ['0.10.0', '0.9.0']) {
      const res = await api('POST', '/publish', { body: await makeTarball({ name: 'web', version, requirements }) });
      assert.equal(res.status, 200);
    }
    const logged = registry.requests();
    const pkg = await packageFile('web');
    assert.deepEqual(pkg.releases.map((r) => r.version), ['0.9.0', '0.10.0']);
    assert.deepEqual(pkg.releases[0]!.dependencies, [{ package: 'tiny', requirement: '~> 1.0', optional: true, app: 'tiny_app' }]);
    assert.deepEqual(
      logged.map((r) => [r.method, r.path, r.status]),
      [
        ['POST', '/mini/api/repos/acme/publish', 200],
        ['POST', '/mini/api/repos/acme/publish', 200],
      ],
    );
    assert.equal(logged[0]!.authorization, `sha256:${createHash('sha256').update(TOKEN).digest('hex')}`);
  });

  test('an invalid name or version, or a bad tarball: 400 with {error, Reason} in ETF, nothing published', async () => {
    const cases: Array<[Buffer, Buffer]> = [
      [await makeTarball({ name: 'Bad', version: '1.0.0' }), error(atom('invalid_name'))],
      [await makeTarball({ name: '9lives', version: '1.0.0' }), error(atom('invalid_name'))],
      [await makeTarball({ name: 'fine', version: '1.0' }), error(atom('invalid_version'))],
      [Buffer.from('not a tarball'), error(tuple(atom('tarball'), atom('eof')))],
      [TINY.subarray(0, 700), error(tuple(atom('tarball'), atom('eof')))],
    ];
    const before = JSON.stringify(registry.mini!.published('acme'));
    for (const [body, expected] of cases) {
      const res = await api('POST', '/publish', { body });
      assert.equal(res.status, 400);
      assert.equal(res.headers['content-type'], 'application/vnd.hex+erlang; charset=utf-8');
      assert.deepEqual(res.body, expected);
    }
    assert.equal(JSON.stringify(registry.mini!.published('acme')), before);
  });

  test('retire and unretire: 201, the retirement shows in versions and packages/NAME', async () => {
    const retire = await api('POST', '/packages/web/releases/0.9.0/retire', {
      format: 'erlang',
      body: { reason: 'security', message: 'CVE-1' },
    });
    assert.equal(retire.status, 201);
    assert.deepEqual((await versions()).packages.find((p) => p.name === 'web')!.retired, [0]);
    assert.deepEqual((await packageFile('web')).releases[0]!.retired, { reason: 'security', message: 'CVE-1' });

    assert.equal((await api('DELETE', '/packages/web/releases/0.9.0/retire')).status, 201);
    assert.deepEqual((await versions()).packages.find((p) => p.name === 'web')!.retired, []);
    assert.equal((await packageFile('web')).releases[0]!.retired, undefined);
  });

  test('deleting a release: 204, gone from the files and its tarball with it', async () => {
    assert.equal((await api('DELETE', '/packages/web/releases/0.9.0')).status, 204);
    assert.equal((await file('tarballs/web-0.9.0.tar')).status, 404);
    assert.deepEqual((await packageFile('web')).releases.map((r) => r.version), ['0.10.0']);

    assert.equal((await api('DELETE', '/packages/web/releases/0.10.0')).status, 204);
    assert.deepEqual((await names()).packages, [{ name: 'tiny' }]);
    assert.equal((await file('packages/web')).status, 404);
  });

  test('anything else is 404 "not found" without a content type; an unconfigured repository is a crash (500)', async () => {
    for (const [method, path] of [
      ['GET', '/mini/api/repos/acme/publish'],
      ['POST', '/mini/api/publish'],
      ['POST', '/mini/api/repos/acme/packages/tiny/releases'],
      ['GET', '/mini/api/users/me'],
    ] as const) {
      const res = await call(registry, method, path, { auth: TOKEN });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.headers['content-type'], undefined);
      assert.equal(res.body.toString('utf8'), 'not found');
    }
    for (const path of ['/mini/repos/acme/packages/nope', '/mini/repos/other/names', '/mini/somewhere']) {
      const res = await call(registry, 'GET', path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.toString('utf8'), 'not found');
    }
    assert.equal((await call(registry, 'POST', '/mini/api/repos/other/publish', { auth: TOKEN, body: TINY })).status, 500);
    // The repository files are read as Plug.Static reads them: no way out through encoded slashes.
    assert.equal((await call(registry, 'GET', '/mini/repos/acme/tarballs%2Ftiny-1.0.0.tar')).status, 400);
  });
});

test('without the mini option nothing answers under /mini/', async (t) => {
  const registry = await startRegistry();
  t.after(() => registry.stop());
  assert.equal(registry.mini, null);
  const res = await call(registry, 'POST', '/mini/api/repos/acme/publish', { auth: TOKEN, body: TINY });
  assert.equal(res.status, 404);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
});
