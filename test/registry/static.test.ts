import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startRegistry, type Registry } from '../../registry/server.js';
import { call } from './test-client.js';

// --static DIR: a repository directory (as `mix hex.registry build` lays it out) served
// read-only under /static/, as a plain web server would, and nothing outside DIR.

/** A GET with the path sent exactly as given (URL parsing would resolve `..` and `%2e%2e`). */
function rawGet(registry: Registry, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: registry.port, path, ca: registry.caCertPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static repository directory', () => {
  let registry: Registry;
  let work: string;
  const files: Record<string, Buffer> = {
    public_key: Buffer.from('-----BEGIN RSA PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----\n\n'),
    names: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]),
    versions: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 4, 5, 6]),
    'packages/foo': Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 7, 8]),
    'tarballs/foo-1.0.0.tar': Buffer.from('a tarball'),
  };
  const SECRET = 'a file outside the directory';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'hexts-static-'));
    const dir = join(work, 'public');
    for (const [path, data] of Object.entries(files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), data);
    }
    await mkdir(join(work, 'outside'));
    await writeFile(join(work, 'outside', 'secret'), SECRET);
    await symlink(join(work, 'outside', 'secret'), join(dir, 'leak'));
    await symlink(join(work, 'outside'), join(dir, 'packages', 'away'));
    await symlink(join(dir, 'names'), join(dir, 'names-link'));
    registry = await startRegistry({ staticDir: dir });
  });
  after(async () => {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('every file of the layout is served as is, as application/octet-stream', async () => {
    assert.equal(registry.staticUrl, `${registry.url}/static`);
    for (const [path, data] of Object.entries(files)) {
      const res = await call(registry, 'GET', `/static/${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], 'application/octet-stream', path);
      assert.deepEqual(res.body, data, path);
    }
    // A symlink that stays inside the directory is followed, as a web server does.
    assert.deepEqual((await call(registry, 'GET', '/static/names-link')).body, files.names);
    // HEAD: the headers only.
    const head = await call(registry, 'HEAD', '/static/tarballs/foo-1.0.0.tar');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(files['tarballs/foo-1.0.0.tar']!.length));
    assert.equal(head.body.length, 0);
  });

  test('an ETag, and 304 for If-None-Match with it', async () => {
    const first = await call(registry, 'GET', '/static/versions');
    const etag = first.headers.etag!;
    assert.match(etag, /^"[0-9a-f]{32}"$/);
    const again = await call(registry, 'GET', '/static/versions', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const other = await call(registry, 'GET', '/static/names', { headers: { 'if-none-match': etag } });
    assert.equal(other.status, 200);
  });

  test('missing files and directories are 404, writes are not served', async () => {
    assert.equal((await call(registry, 'GET', '/static/packages/bar')).status, 404);
    assert.equal((await call(registry, 'GET', '/static/packages')).status, 404);
    assert.equal((await call(registry, 'GET', '/static/')).status, 404);
    assert.equal((await call(registry, 'PUT', '/static/names', { body: Buffer.from('x') })).status, 404);
    assert.deepEqual((await call(registry, 'GET', '/static/names')).body, files.names);
  });

  test('nothing outside the directory: .., encoded dots and slashes, symlinks out', async () => {
    const attempts: Array<[string, number]> = [
      ['/static/../outside/secret', 400],
      ['/static/packages/../../outside/secret', 400],
      ['/static/%2e%2e/outside/secret', 400],
      ['/static/..%2Foutside%2Fsecret', 400],
      ['/static/packages%2F..%2F..%2Foutside%2Fsecret', 400],
      ['/static/..%5Coutside%5Csecret', 400],
      ['/static/names%00', 400],
      ['/static/./names', 400],
      ['/static/leak', 403],
      ['/static/packages/away/secret', 403],
    ];
    for (const [path, status] of attempts) {
      const res = await rawGet(registry, path);
      assert.equal(res.status, status, path);
      assert.ok(!res.body.includes(SECRET), path);
    }
    // Each request is in the log like any other.
    const logged = registry.requests().map((r) => r.path);
    for (const [path] of attempts) assert.ok(logged.includes(path), path);
  });
});

test('without staticDir nothing is served under /static/', async (t) => {
  const registry = await startRegistry();
  t.after(() => registry.stop());
  assert.equal(registry.staticUrl, null);
  assert.equal((await call(registry, 'GET', '/static/names')).status, 404);
});

test('a staticDir that does not exist is refused at start', async () => {
  await assert.rejects(startRegistry({ staticDir: join(tmpdir(), 'hexts-no-such-dir-for-static') }), /cannot serve .*: no such directory/);
});
