import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { buildNames, buildPackage, buildVersions, generateRepositoryKeyPair, type RepoPackage } from '../../registry/repository/files.js';
import { RegistryError, openRegistryResource } from '../../src/repository/signing.js';
import { decodePackage, decodeSigned } from '../../src/repository/protobuf.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/repository/${name}`, import.meta.url));
const privateKeyPem = fixture('test-private.pem').toString();
const publicKeyPem = fixture('test-public.pem').toString();
const sha256 = (text: string) => createHash('sha256').update(text).digest();

const release = (version: string, extra: Partial<RepoPackage['releases'][number]> = {}) => ({
  version,
  innerChecksum: sha256(`inner ${version}`),
  outerChecksum: sha256(`outer ${version}`),
  dependencies: [],
  ...extra,
});

// Deliberately out of order: packages, releases and dependencies.
const packages: RepoPackage[] = [
  { name: 'zeta', updatedAt: new Date('2026-01-02T03:04:05.678Z'), releases: [release('0.1.0')] },
  { name: 'gone', updatedAt: new Date('2026-01-01T00:00:00Z'), releases: [] },
  {
    name: 'alpha',
    updatedAt: new Date('2026-08-21T09:22:55Z'),
    releases: [
      release('1.10.0', { publishedAt: new Date('2026-08-21T09:22:55.250Z') }),
      release('1.0.0-rc.1', { retired: { reason: 'invalid', message: 'broken build' } }),
      release('1.2.0', {
        retired: { reason: 'renamed' },
        dependencies: [
          { package: 'zlib', requirement: '~> 1.0' },
          { package: 'jason', requirement: '~> 1.4', optional: true, app: 'jason' },
          { package: 'secret', requirement: '>= 0.0.0', repository: 'acme' },
          { package: 'cowboy', requirement: '~> 2.9', app: 'cowboy_app', repository: 'hexpm' },
          { package: 'jason', requirement: '~> 1.2' },
        ],
      }),
      release('1.0.0'),
    ],
  },
];

test('generated key pairs have the PEM forms hexpm uses and belong together', () => {
  const pair = generateRepositoryKeyPair();
  assert.match(pair.privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  assert.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
  assert.equal(createPrivateKey(pair.privateKeyPem).asymmetricKeyDetails?.modulusLength, 2048);
  const derived = createPublicKey(pair.privateKeyPem).export({ type: 'spki', format: 'pem' });
  assert.equal(derived, pair.publicKeyPem);
  const names = buildNames('hexpm', packages, pair.privateKeyPem);
  assert.equal(openRegistryResource(names, pair.publicKeyPem, { repository: 'hexpm', kind: 'names' }).repository, 'hexpm');
  assert.throws(() => openRegistryResource(names, publicKeyPem, { repository: 'hexpm', kind: 'names' }), (err: unknown) => err instanceof RegistryError && err.code === 'bad_signature');
});

test('names: published packages sorted by name, with their update times', () => {
  const file = buildNames('hexpm', packages, privateKeyPem);
  assert.deepEqual(file.subarray(0, 10), Buffer.from('1f8b0800000000000003', 'hex'));
  assert.deepEqual(openRegistryResource(file, publicKeyPem, { repository: 'hexpm', kind: 'names' }), {
    repository: 'hexpm',
    packages: [
      { name: 'alpha', updatedAt: { seconds: 1787304175, nanos: 0 } },
      { name: 'zeta', updatedAt: { seconds: 1767323045, nanos: 678000000 } },
    ],
  });
});

test('versions: ascending versions and the indexes of retired ones', () => {
  const file = buildVersions('hexpm', packages, privateKeyPem);
  assert.deepEqual(openRegistryResource(file, publicKeyPem, { repository: 'hexpm', kind: 'versions' }), {
    repository: 'hexpm',
    packages: [
      { name: 'alpha', versions: ['1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0'], retired: [0, 2], withAdvisories: [] },
      { name: 'zeta', versions: ['0.1.0'], retired: [], withAdvisories: [] },
    ],
  });
});

test('package: releases ascending, dependencies sorted like hexpm, defaults left out', () => {
  const alpha = packages[2]!;
  const file = buildPackage('hexpm', alpha, privateKeyPem);
  const pkg = openRegistryResource(file, publicKeyPem, { repository: 'hexpm', kind: 'package', name: 'alpha' });
  assert.equal(pkg.name, 'alpha');
  assert.equal(pkg.repository, 'hexpm');
  assert.deepEqual(pkg.advisories, []);
  assert.deepEqual(
    pkg.releases.map((r) => r.version),
    ['1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0'],
  );
  const [rc, , withDeps, latest] = pkg.releases;
  assert.deepEqual(rc!.retired, { reason: 'invalid', message: 'broken build' });
  assert.deepEqual(rc!.innerChecksum, sha256('inner 1.0.0-rc.1'));
  assert.deepEqual(rc!.outerChecksum, sha256('outer 1.0.0-rc.1'));
  assert.equal(rc!.publishedAt, undefined);
  assert.deepEqual(withDeps!.retired, { reason: 'renamed' });
  // Sorted by [repository, package, requirement, optional, app]; hexpm and optional
  // false are defaults here, so only acme's repository and cowboy's app are written.
  assert.deepEqual(withDeps!.dependencies, [
    { package: 'secret', requirement: '>= 0.0.0', repository: 'acme' },
    { package: 'cowboy', requirement: '~> 2.9', app: 'cowboy_app' },
    { package: 'jason', requirement: '~> 1.2' },
    { package: 'jason', requirement: '~> 1.4', optional: true },
    { package: 'zlib', requirement: '~> 1.0' },
  ]);
  assert.deepEqual(latest!.publishedAt, { seconds: 1787304175, nanos: 250000000 });
  assert.deepEqual(latest!.advisoryIndexes, []);
});

test('package in an organization repository: hexpm dependencies keep their repository', () => {
  const pkg: RepoPackage = {
    name: 'internal',
    updatedAt: new Date(0),
    releases: [release('0.1.0', { dependencies: [{ package: 'secret', requirement: '~> 1.0', repository: 'acme' }, { package: 'jason', requirement: '~> 1.4', repository: 'hexpm' }, { package: 'other', requirement: '~> 1.0' }] })],
  };
  const file = buildPackage('acme', pkg, privateKeyPem);
  const opened = openRegistryResource(file, publicKeyPem, { repository: 'acme', kind: 'package', name: 'internal' });
  assert.deepEqual(opened.releases[0]!.dependencies, [
    { package: 'other', requirement: '~> 1.0' },
    { package: 'secret', requirement: '~> 1.0' },
    { package: 'jason', requirement: '~> 1.4', repository: 'hexpm' },
  ]);
  // The signed payload is exactly the encoded message (nothing else inside the gzip).
  assert.deepEqual(decodePackage(decodeSigned(gunzipSync(file)).payload), opened);
  assert.throws(
    () => openRegistryResource(file, publicKeyPem, { repository: 'hexpm', kind: 'package', name: 'internal' }),
    (err: unknown) => err instanceof RegistryError && err.code === 'bad_repo_name',
  );
  assert.throws(
    () => openRegistryResource(file, publicKeyPem, { repository: 'acme', kind: 'package', name: 'other' }),
    (err: unknown) => err instanceof RegistryError && err.code === 'bad_package_name',
  );
});
