// TLS refusals for every command that connects: a registry whose certificate comes from an
// unknown CA, has expired, or names another host. Each command exits 1 with a message naming
// the problem (and HEX_CACERTS_PATH as the fix only where trusting a CA is the fix), writes
// nothing, and no request reaches the registry's handlers (its request log stays empty).
// A registry with a good certificate from the same CA is the control. Then HEX_CACERTS_PATH
// itself: missing, a directory, no certificate, a damaged certificate.
//
// | Registry certificate            | HEX_CACERTS_PATH      | Expected (whoami, package fetch, publish --yes, organization auth --key) |
// |---------------------------------|-----------------------|----------------------------------------------------------------------|
// | signed by our CA                | our CA                | exit 0 (control)                                                     |
// | from an unknown CA              | unset                 | exit 1 "not trusted", hint names HEX_CACERTS_PATH; no request        |
// | from an unknown CA              | another CA            | the same                                                             |
// | expired (our CA)                | our CA                | exit 1 "not valid now (CERT_HAS_EXPIRED)", renew hint; no request     |
// | only DNS:example.com (our CA)   | our CA                | exit 1 "does not name that host", hint; no request                  |
// | good                            | a missing file        | exit 1 "cannot read the CA certificates in PATH", hint; no request   |
// | good                            | a directory           | exit 1 "cannot read … (EISDIR)", hint; no request                    |
// | good                            | a file without a cert | exit 1 "holds no PEM certificate", hint; no request                  |
// | good                            | a damaged certificate | exit 1 "certificate 1 of 1 … cannot be read", hint; no request       |
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';
import { makeCertificateAuthority, makeCertificates, type CertificateAuthority } from '../../registry/tls.js';
import { tree } from './state.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const cleanups: Array<() => void> = [];
let ca: CertificateAuthority;
let files: string;
let caPath: string;
let otherCaPath: string;

before(async () => {
  ca = await makeCertificateAuthority();
  files = mkdtempSync(join(tmpdir(), 'hexts-tls-'));
  cleanups.push(() => rmSync(files, { recursive: true, force: true }));
  caPath = join(files, 'ca.pem');
  writeFileSync(caPath, ca.certPem);
  otherCaPath = join(files, 'other-ca.pem');
  writeFileSync(otherCaPath, (await makeCertificateAuthority()).certPem);
});
after(() => cleanups.forEach((c) => c()));

/** A registry serving `certificates`, with a user, a key, an organization key and a package. */
async function registryWith(certificates: Awaited<ReturnType<typeof makeCertificates>>): Promise<{ registry: Registry; key: string; orgKey: string }> {
  const registry = await testRegistry({ certificates });
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  const key = registry.createKey({ user: 'alice' }, { name: 'k', permissions: [{ domain: 'api', resource: null }] });
  const orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  await registry.publish(await makeTarball({ name: 'tiny', version: '1.0.0' }), { publisher: 'alice' });
  registry.clearRequests();
  return { registry, key, orgKey };
}

interface Outcome {
  command: string;
  result: CliResult;
}

/** Every connecting command against `registry`, each from a fresh HOME, with HEX_CACERTS_PATH as given. */
async function everyCommand(registry: Registry, key: string, orgKey: string, cacerts: string | undefined): Promise<{ outcomes: Outcome[]; written: Record<string, string>[] }> {
  const outcomes: Outcome[] = [];
  const written: Record<string, string>[] = [];
  const commands: Array<[string[], string | undefined]> = [
    [['user', 'whoami'], undefined],
    [['package', 'fetch', 'tiny', '-o', 'out'], undefined],
    [['publish', 'package', '--yes'], undefined],
    [['organization', 'auth', 'acme', '--key', '-'], orgKey],
  ];
  for (const [argv, stdin] of commands) {
    const h = scratchHome();
    const project = makeProject({ app: 'tls_pkg', version: '1.0.0' });
    cleanups.push(h.cleanup, project.cleanup);
    const env = cliEnv(registry, h.home, { HEX_CACERTS_PATH: cacerts, HEX_API_KEY: argv[0] === 'organization' ? undefined : key });
    const before = tree(project.dir);
    const result = await runCli(argv, { env, stdin, cwd: project.dir });
    outcomes.push({ command: argv.slice(0, 2).join(' '), result });
    written.push(tree(h.home));
    if (result.code !== 0) assert.deepEqual(tree(project.dir), before, `${argv.join(' ')} wrote into the project`);
  }
  return { outcomes, written };
}

function assertRefused(outcomes: Outcome[], message: RegExp, hint: RegExp): void {
  for (const { command, result } of outcomes) {
    assert.equal(result.code, 1, `${command}: ${result.stderr}`);
    assert.match(result.stderr, message, command);
    assert.match(result.stderr, hint, command);
    assert.equal(result.stdout.includes('tiny v1.0.0'), false, command);
  }
}

describe('a registry with a bad certificate: every command refuses it', () => {
  test('control: a good certificate from the same CA works for every command', async () => {
    const { registry, key, orgKey } = await registryWith(await makeCertificates({ ca }));
    try {
      const { outcomes } = await everyCommand(registry, key, orgKey, caPath);
      for (const { command, result } of outcomes) assert.equal(result.code, 0, `${command}: ${result.stderr}`);
      assert.ok(registry.requests().length > 0);
    } finally {
      await registry.stop();
    }
  });

  for (const [name, cacerts] of [['HEX_CACERTS_PATH unset', () => undefined], ['HEX_CACERTS_PATH naming another CA', () => otherCaPath]] as const) {
    test(`an unknown CA, ${name}: "not trusted", and HEX_CACERTS_PATH named as the fix`, async () => {
      const { registry, key, orgKey } = await registryWith(await makeCertificates());
      try {
        const { outcomes, written } = await everyCommand(registry, key, orgKey, cacerts());
        assertRefused(outcomes, /^error: .*the TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/m,
          /^If the registry uses a private CA, point HEX_CACERTS_PATH at a PEM file holding it\./m);
        assert.deepEqual(registry.requests(), []);
        assert.deepEqual(written, [{}, {}, {}, {}], 'nothing stored, cached or saved under HOME');
      } finally {
        await registry.stop();
      }
    });
  }

  test('an expired certificate: "not valid now", and the fix is the server\'s, not HEX_CACERTS_PATH', async () => {
    const { registry, key, orgKey } = await registryWith(await makeCertificates({ ca, notBefore: new Date(Date.now() - 400 * DAY_MS), notAfter: new Date(Date.now() - 30 * DAY_MS) }));
    try {
      const { outcomes, written } = await everyCommand(registry, key, orgKey, caPath);
      assertRefused(outcomes, /^error: .*the TLS certificate of 127\.0\.0\.1:\d+ is not valid now \(CERT_HAS_EXPIRED\)$/m,
        /^The server must renew its certificate \(or check this machine's clock\)\./m);
      for (const { result } of outcomes) assert.doesNotMatch(result.stderr, /HEX_CACERTS_PATH/);
      assert.deepEqual(registry.requests(), []);
      assert.deepEqual(written, [{}, {}, {}, {}]);
    } finally {
      await registry.stop();
    }
  });

  test('a certificate for another host name: "does not name that host"', async () => {
    const { registry, key, orgKey } = await registryWith(await makeCertificates({ ca, sans: [{ type: 'dns', value: 'example.com' }] }));
    try {
      const { outcomes, written } = await everyCommand(registry, key, orgKey, caPath);
      assertRefused(outcomes, /^error: .*the TLS certificate of 127\.0\.0\.1:\d+ does not name that host \(ERR_TLS_CERT_ALTNAME_INVALID\)$/m,
        /^Use the host name the certificate was issued for, or fix the server's certificate\./m);
      for (const { result } of outcomes) assert.doesNotMatch(result.stderr, /HEX_CACERTS_PATH/);
      assert.deepEqual(registry.requests(), []);
      assert.deepEqual(written, [{}, {}, {}, {}]);
    } finally {
      await registry.stop();
    }
  });
});

describe('HEX_CACERTS_PATH that cannot be used', () => {
  let good: { registry: Registry; key: string; orgKey: string };
  before(async () => {
    good = await registryWith(await makeCertificates({ ca }));
  });
  after(() => good.registry.stop());

  const HINT = /^Point HEX_CACERTS_PATH \(or `hexts config cacerts_path`\) at a PEM file of CA certificates, or unset it\.$/m;
  const cases: Array<[string, () => string, (path: string) => RegExp]> = [
    ['a missing file', () => join(files, 'missing.pem'), (p) => new RegExp(`^error: .*cannot read the CA certificates in ${p} \\(HEX_CACERTS_PATH\\): ENOENT$`, 'm')],
    ['a directory', () => files, (p) => new RegExp(`^error: .*cannot read the CA certificates in ${p} \\(HEX_CACERTS_PATH\\): EISDIR$`, 'm')],
    ['a file with no certificate', () => {
      const path = join(files, 'empty.pem');
      writeFileSync(path, 'not a certificate\n');
      return path;
    }, (p) => new RegExp(`^error: .*${p} \\(HEX_CACERTS_PATH\\) holds no PEM certificate$`, 'm')],
    ['a damaged certificate', () => {
      const path = join(files, 'damaged.pem');
      writeFileSync(path, ca.certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA'));
      return path;
    }, (p) => new RegExp(`^error: .*certificate 1 of 1 in ${p} \\(HEX_CACERTS_PATH\\) cannot be read$`, 'm')],
  ];
  for (const [name, make, message] of cases) {
    test(`${name}: a clear error before any request`, async () => {
      const path = make();
      good.registry.clearRequests();
      const { outcomes, written } = await everyCommand(good.registry, good.key, good.orgKey, path);
      assertRefused(outcomes, message(path), HINT);
      assert.deepEqual(good.registry.requests(), []);
      assert.deepEqual(written, [{}, {}, {}, {}]);
    });
  }
});
