// `hexts docs fetch|open` end to end against the local registry: docs tarballs published through
// the API, served at the repository's docs/ path, kept in $HEXTS_HOME/docs/REPO/NAME/VERSION;
// the release looked up in the signed registry first; hostile docs (paths and links out, a gzip
// bomb from a man in the middle) refused with nothing written; index.html opened offline with
// the desktop's opener, or its URL printed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { fixedAuthorization } from '../../src/api/client.js';
import { publish as publishDocsApi } from '../../src/api/docs.js';
import { createDocsTarball } from '../../src/package/docs-tarball.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { clientFor, cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { startRepoProxy, type RepoProxy } from '../helpers/repo-proxy.js';
import { buildTar, fileEntry } from '../package/tarball-helpers.js';
import { makeTarball } from '../../registry/tarballs.js';

let registry: Registry;
let proxy: RepoProxy;
let orgKey: string;
let apiKey: string;
const cleanups: Array<() => void> = [];

const indexOf = (name: string, version: string) => `<html><title>${name} v${version}</title></html>\n`;

async function release(name: string, version: string, repository?: string): Promise<void> {
  await registry.publish(await makeTarball({ name, version }), { publisher: 'pub', repository });
}

async function docs(name: string, version: string, tarball: Buffer, organization?: string): Promise<void> {
  await publishDocsApi(clientFor(registry, { auth: fixedAuthorization(apiKey, 'a test key') }), name, version, tarball, { organization });
}

const honestDocs = (name: string, version: string) =>
  createDocsTarball([
    { path: 'index.html', contents: Buffer.from(indexOf(name, version)) },
    { path: 'dist/app.js', contents: Buffer.from('console.log(1)\n') },
  ]);

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'pub', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  apiKey = registry.createKey({ user: 'pub' }, { name: 'admin', permissions: [{ domain: 'api', resource: null }] });
  for (const version of ['1.0.0', '1.1.0', '1.2.0-rc.1']) {
    await release('guide', version);
    await docs('guide', version, await honestDocs('guide', version));
  }
  await release('guide', '1.3.0'); // no docs published
  await release('handbook', '0.1.0', 'acme');
  await docs('handbook', '0.1.0', await honestDocs('handbook', '0.1.0'), 'acme');
  // Docs hex.pm would take too: only their contents are hostile.
  await release('escaper', '1.0.0');
  await docs('escaper', '1.0.0', gzipSync(buildTar([fileEntry('index.html', 'hi'), fileEntry('../escape.html', 'gotcha')])));
  await release('linker', '1.0.0');
  await docs('linker', '1.0.0', gzipSync(buildTar([fileEntry('index.html', 'hi'), { entry: { name: 'passwd', mode: 0o120777, size: 0, type: 'symlink', linkname: '../../../../../../../../etc/passwd' } }])));
  await release('noindex', '1.0.0');
  await docs('noindex', '1.0.0', gzipSync(buildTar([fileEntry('readme.txt', 'no index here')])));
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  proxy = await startRepoProxy(registry);
});
after(async () => {
  await proxy.stop();
  await registry.stop();
  cleanups.forEach((c) => c());
});

function world(extra: Record<string, string> = {}) {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return { dir: h.home, docsRoot: join(h.hextsHome, 'docs'), env: cliEnv(registry, h.home, extra) };
}

/** The requests of `run` that reached the registry, as METHOD PATH. */
async function requestsOf<T>(run: () => Promise<T>): Promise<{ result: T; requests: string[] }> {
  registry.clearRequests();
  const result = await run();
  return { result, requests: registry.requests().map((r) => `${r.method} ${r.path}`) };
}

describe('docs fetch', () => {
  test('an exact version: its files under docs/hexpm/NAME/VERSION, the registry asked first; then "already fetched" without a request', async () => {
    const { docsRoot, env } = world();
    const { result, requests } = await requestsOf(() => runCli(['docs', 'fetch', 'guide', '1.1.0'], { env }));
    assert.equal(result.code, 0, result.stderr);
    const path = join(docsRoot, 'hexpm', 'guide', '1.1.0');
    assert.equal(result.stdout, `Docs fetched: ${path}\n`);
    assert.deepEqual(requests, ['GET /repo/packages/guide', 'GET /repo/docs/guide-1.1.0.tar.gz']);
    assert.deepEqual(readdirSync(path, { recursive: true }).sort(), ['dist', 'dist/app.js', 'index.html']);
    assert.equal(readFileSync(join(path, 'index.html'), 'utf8'), indexOf('guide', '1.1.0'));

    const again = await requestsOf(() => runCli(['--json', 'docs', 'fetch', 'guide', '1.1.0'], { env }));
    assert.equal(again.result.code, 0, again.result.stderr);
    assert.deepEqual(JSON.parse(again.result.stdout), { name: 'guide', version: '1.1.0', repository: 'hexpm', path, fetched: false });
    assert.deepEqual(again.requests, []);

    const pre = await runCli(['--json', 'docs', 'fetch', 'guide', '1.2.0-rc.1'], { env });
    assert.equal(pre.code, 0, pre.stderr);
    assert.equal(JSON.parse(pre.stdout).fetched, true);
  });

  test('a version the signed registry does not list: refused before any docs are asked for; a release without docs: said so', async () => {
    const { docsRoot, env } = world();
    const { result, requests } = await requestsOf(() => runCli(['docs', 'fetch', 'guide', '9.9.9'], { env }));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: guide has no version 9\.9\.9\n/);
    assert.deepEqual(requests, ['GET /repo/packages/guide']);

    const none = await runCli(['docs', 'fetch', 'guide'], { env });
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'error: no docs for guide 1.3.0 in the public repository (hexpm)\nThe release exists, but its docs were never published (mix hex.publish docs), or were reverted.\n');
    assert.equal(existsSync(join(docsRoot, 'hexpm', 'guide')), false);
  });

  test('an organization\'s docs: with its key, into docs/hexpm:ORG; without credentials, the error says what to do', async () => {
    const { docsRoot, env } = world();
    const result = await runCli(['docs', 'fetch', 'handbook', '--organization', 'acme', '--key', orgKey], { env });
    assert.equal(result.code, 0, result.stderr);
    const path = join(docsRoot, 'hexpm:acme', 'handbook', '0.1.0');
    assert.equal(result.stdout, `Docs fetched: ${path}\n`);
    assert.equal(readFileSync(join(path, 'index.html'), 'utf8'), indexOf('handbook', '0.1.0'));

    const viaRepo = await runCli(['docs', 'fetch', 'handbook', '--repo', 'hexpm:acme'], { env: world().env });
    assert.equal(viaRepo.code, 1);
    assert.match(viaRepo.stderr, /organization acme's repository needs credentials/);
  });

  test('hostile docs: a path or a symlink out of the directory is refused, nothing written anywhere', async () => {
    const { dir, docsRoot, env } = world();
    const escaping = await runCli(['docs', 'fetch', 'escaper'], { env });
    assert.equal(escaping.code, 1);
    assert.match(escaping.stderr, /^error: unsafe path in tarball: \.\.\/escape\.html\n/);
    const linking = await runCli(['docs', 'fetch', 'linker'], { env });
    assert.equal(linking.code, 1);
    assert.match(linking.stderr, /^error: unsafe symlink in tarball: passwd -> /);
    assert.equal(existsSync(docsRoot), false, 'no docs directory, no temporary one, not even the directories made to hold them');
    assert.equal(readdirSync(dir, { recursive: true }).some((p) => String(p).includes('escape')), false);
  });

  test('a gzip bomb from a man in the middle: stopped at 128 MiB unpacked, nothing written', async () => {
    const { docsRoot, env } = world({ HEX_REPO_URL: `${proxy.url}/repo` });
    proxy.reset();
    const bomb = gzipSync(buildTar([fileEntry('index.html', 'hi'), fileEntry('big.bin', Buffer.alloc(130 * 1024 * 1024))]));
    proxy.rewrite('/repo/docs/guide-1.0.0.tar.gz', () => bomb);
    const result = await runCli(['docs', 'fetch', 'guide', '1.0.0'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: package exceeds max uncompressed size 134\.217728 MB\n/);
    assert.equal(existsSync(docsRoot), false);
  });

  test('usage errors: a partial version, a key for public docs', async () => {
    const { env } = world();
    const partial = await runCli(['docs', 'fetch', 'guide', '1.0'], { env });
    assert.equal(partial.code, 2);
    assert.match(partial.stderr, /"1\.0" is not a version/);
    const key = await runCli(['docs', 'fetch', 'guide', '--key', orgKey], { env });
    assert.equal(key.code, 2);
    assert.match(key.stderr, /--key goes with --organization: public docs are fetched without a key/);
  });
});

describe('docs open', () => {
  /** A PATH whose xdg-open records the arguments it was given, one per line, then an end marker. */
  function fakeOpener(dir: string): { bin: string; opened: string } {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const opened = join(dir, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${opened}'\necho '--end--' >> '${opened}'\n`, { mode: 0o755 });
    return { bin, opened };
  }

  async function openedWith(opened: string): Promise<string> {
    // xdg-open runs detached: wait for its record.
    while (!existsSync(opened) || !readFileSync(opened, 'utf8').includes('--end--')) await sleep(20);
    return readFileSync(opened, 'utf8');
  }

  test('without a desktop: fetched first, then index.html\'s file:// URL printed', async () => {
    const { docsRoot, env } = world();
    const result = await runCli(['docs', 'open', 'guide', '1.0.0'], { env });
    assert.equal(result.code, 0, result.stderr);
    const path = join(docsRoot, 'hexpm', 'guide', '1.0.0');
    assert.equal(result.stderr, `Docs fetched: ${path}\n`);
    assert.equal(result.stdout, `${pathToFileURL(join(path, 'index.html')).href}\n`);
  });

  test('with a desktop: the file:// URL given to xdg-open as one argument; without VERSION the newest docs here open with no request', async () => {
    const { dir, docsRoot, env } = world();
    for (const version of ['1.0.0', '1.1.0', '1.2.0-rc.1']) assert.equal((await runCli(['docs', 'fetch', 'guide', version], { env })).code, 0);
    const { bin, opened } = fakeOpener(dir);
    const { result, requests } = await requestsOf(() => runCli(['docs', 'open', 'guide'], { env: { ...env, DISPLAY: ':0', PATH: `${bin}:${env.PATH}` } }));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(requests, []);
    const url = pathToFileURL(join(docsRoot, 'hexpm', 'guide', '1.1.0', 'index.html')).href;
    assert.equal(await openedWith(opened), `${url}\n--end--\n`);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `Opening ${url}\n`);
  });

  test('an organization\'s docs open from docs/hexpm:ORG; docs without index.html: the error names the file', async () => {
    const { docsRoot, env } = world();
    const result = await runCli(['docs', 'open', 'handbook', '--organization', 'acme', '--key', orgKey], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${pathToFileURL(join(docsRoot, 'hexpm:acme', 'handbook', '0.1.0', 'index.html')).href}\n`);

    const missing = await runCli(['docs', 'open', 'noindex'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`error: Documentation file not found: ${join(docsRoot, 'hexpm', 'noindex', '1.0.0', 'index.html')}\\n`));
  });
});
