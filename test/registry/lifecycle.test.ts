import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { startRegistry } from '../../registry/server.js';
import { makeCertificateAuthority, makeCertificates } from '../../registry/tls.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from './test-client.js';

// TLS, persistence across restarts, and the command-line entry point.

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'registry-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Connects with TLS 1.2 or 1.3 only, to `host`, trusting `ca`. */
function tlsGet(url: string, ca: string, options: { host?: string; version?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<{ status: number; protocol: string | null }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.host ?? target.hostname,
        port: target.port,
        path: target.pathname,
        ca,
        agent: false,
        minVersion: options.version,
        maxVersion: options.version,
        headers: { 'user-agent': 'tls-test' },
      },
      (res) => {
        const protocol = (res.socket as import('node:tls').TLSSocket).getProtocol();
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, protocol }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('TLS 1.2 and 1.3, for IP 127.0.0.1 and DNS localhost, trusting only the registry CA', async (t) => {
  const registry = await startRegistry();
  t.after(() => registry.stop());
  assert.deepEqual(await tlsGet(`${registry.url}/api`, registry.caCertPem, { version: 'TLSv1.2' }), { status: 200, protocol: 'TLSv1.2' });
  assert.deepEqual(await tlsGet(`${registry.url}/api`, registry.caCertPem, { version: 'TLSv1.3' }), { status: 200, protocol: 'TLSv1.3' });
  assert.equal((await tlsGet(`${registry.url}/api`, registry.caCertPem, { host: 'localhost' })).status, 200);
  assert.equal(await readFile(registry.caCertPath, 'utf8'), registry.caCertPem);
  const other = await makeCertificateAuthority();
  await assert.rejects(tlsGet(`${registry.url}/api`, other.certPem), /self.signed|unable to verify|certificate/i);
});

// mix (Hex 2.5, OTP 25) checks the URL's host against DNS names only, so `https://127.0.0.1:PORT`
// needs DNS:127.0.0.1 besides IP:127.0.0.1; DNS:localhost serves https://localhost URLs.
test('the served certificate names IP:127.0.0.1, DNS:localhost and DNS:127.0.0.1', async (t) => {
  const registry = await startRegistry();
  t.after(() => registry.stop());
  const socket = connect({ host: '127.0.0.1', port: registry.port, ca: registry.caCertPem });
  t.after(() => socket.destroy());
  await once(socket, 'secureConnect');
  const names = (socket.getPeerCertificate().subjectaltname ?? '').split(', ').sort();
  assert.deepEqual(names, ['DNS:127.0.0.1', 'DNS:localhost', 'IP Address:127.0.0.1']);
});

test('certificates for TLS failure tests: expired, wrong host name', async (t) => {
  const ca = await makeCertificateAuthority();
  const day = 24 * 3600 * 1000;
  const expired = await makeCertificates({ ca, notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) });
  const wrongHost = await makeCertificates({ ca, sans: [{ type: 'dns', value: 'example.invalid' }] });
  for (const [certificates, error] of [
    [expired, /expired/i],
    [wrongHost, /altnames|does not match|Hostname/i],
  ] as const) {
    const registry = await startRegistry({ certificates });
    t.after(() => registry.stop());
    assert.equal(registry.caCertPem, ca.certPem);
    await assert.rejects(tlsGet(`${registry.url}/api`, ca.certPem), error);
  }
});

test('state, keys and certificates survive a restart with a data directory', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startRegistry({ dataDir });
  let firstStopped = false;
  t.after(() => (firstStopped ? undefined : first.stop()));
  first.createUser({ username: 'alice' });
  first.createOrganization({ name: 'acme', admin: 'alice' });
  const key = first.createKey({ user: 'alice' }, { name: 'k' });
  const tarball = await makeTarball({ name: 'kept', version: '1.0.0' });
  await first.publish(tarball, { publisher: 'alice' });
  const token = first.createToken('alice').accessToken;
  const names = (await call(first, 'GET', '/repo/names')).body;
  const created = await call(first, 'POST', '/api/keys', { auth: key, body: { name: 'made-over-http' } });
  assert.equal(created.status, 201);
  const env = first.env();
  await first.stop();
  firstStopped = true;

  // Stopped before the data directory goes: stopping writes the state into it.
  const second = await startRegistry({ dataDir });
  t.after(() => second.stop());
  assert.equal(second.caCertPem, first.caCertPem);
  assert.equal(second.repoPublicKeyPem, first.repoPublicKeyPem);
  assert.equal(second.env().HEX_CACERTS_PATH, env.HEX_CACERTS_PATH);
  assert.equal((await call(second, 'GET', '/api/users/me', { auth: key })).data.username, 'alice');
  assert.equal((await call(second, 'GET', '/api/users/me', { auth: created.data.secret })).status, 200);
  assert.equal((await call(second, 'GET', '/api/users/me', { auth: `Bearer ${token}` })).status, 200);
  assert.deepEqual((await call(second, 'GET', '/repo/tarballs/kept-1.0.0.tar')).body, tarball);
  assert.deepEqual((await call(second, 'GET', '/repo/names')).body, names);
  assert.equal((await call(second, 'GET', '/api/orgs/acme', { auth: key })).status, 200);
  await second.stop();
});

const EXPORTED = ['HEXTS_OAUTH_CLIENT_ID', 'HEXTS_REPO_PUBLIC_KEY_PATH', 'HEX_API_URL', 'HEX_CACERTS_PATH', 'HEX_REPO_URL'];

test('the built registry (npm run registry) prints the environment, writes the env file and stops on SIGTERM', async (t) => {
  const dir = await tempDir(t);
  const envFile = join(dir, 'registry.env');
  // As `npm run registry -- --env-file …` runs it (after `npm run build`): plain node, no tsx;
  // the `--` keeps Node 20 from taking --env-file for its own option.
  const args = ['--', 'build/registry.cjs', '--port', '0', '--data-dir', join(dir, 'data'), '--env-file', envFile];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (EXPORTED.every((name) => stdout.includes(`export ${name}=`)) && stdout.endsWith('\n')) resolve();
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  const env = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => /^export ([A-Z_]+)='(.*)'$/.exec(line)!)
      .map((m) => [m[1]!, m[2]!]),
  );
  assert.deepEqual(Object.keys(env).sort(), EXPORTED);
  assert.match(env.HEX_API_URL!, /^https:\/\/127\.0\.0\.1:\d+\/api$/);
  assert.equal(env.HEX_REPO_URL, env.HEX_API_URL!.replace(/\/api$/, '/repo'));
  assert.equal(await readFile(envFile, 'utf8'), stdout);
  const ca = await readFile(env.HEX_CACERTS_PATH!, 'utf8');
  const target = { url: env.HEX_API_URL!.replace(/\/api$/, ''), caCertPem: ca };
  assert.equal((await call(target, 'GET', '/api')).status, 200);
  const key = await call(target, 'GET', '/repo/public_key');
  assert.equal(key.body.toString('utf8'), await readFile(env.HEXTS_REPO_PUBLIC_KEY_PATH!, 'utf8'));

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
