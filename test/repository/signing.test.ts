import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  HEXPM_PUBLIC_KEY,
  MAX_REGISTRY_RESOURCE_SIZE,
  RegistryError,
  openRegistryResource,
  publicKeyFingerprint,
  sealRegistryResource,
  signPayload,
  verifyPayload,
} from '../../src/repository/signing.js';
import { decodeNames, decodeSigned, decodeVersions, encodeNames, encodeSigned } from '../../src/repository/protobuf.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/repository/${name}`, import.meta.url));
const privateKeyPem = fixture('test-private.pem').toString();
const publicKeyPem = fixture('test-public.pem').toString();
const otherKeyPair = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

function assertRegistryError(run: () => unknown, code: string, message?: string | RegExp) {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof RegistryError, `expected a RegistryError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

test('the hex.pm public key parses and has the fingerprint mix and ssh-keygen print', () => {
  const key = createPublicKey(HEXPM_PUBLIC_KEY);
  assert.equal(key.asymmetricKeyType, 'rsa');
  assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
  // mix hex.repo list, and `ssh-keygen -i -m PKCS8 -f hexpm.pem | ssh-keygen -lf -`
  assert.equal(publicKeyFingerprint(HEXPM_PUBLIC_KEY), 'SHA256:O1LOYhHFW4kcrblKAxROaDEzLD8bn1seWbe5tq8TRsk');
});

test('fingerprints of every PEM form equal ssh-keygen -lf and Erlang\'s ssh:hostkey_fingerprint (fixtures/keys/fingerprints.txt)', () => {
  const keys = new URL('../fixtures/keys/', import.meta.url);
  for (const file of ['public.pem', 'key.pem', 'key-pkcs1.pem', 'registry-public_key.pem']) {
    assert.equal(publicKeyFingerprint(readFileSync(new URL(file, keys), 'utf8')), 'SHA256:n3ivTcxBVyzHpMb+J//LsSLaPRYaZftiqHkrQMx9/vw', file);
  }
  assert.equal(publicKeyFingerprint(readFileSync(new URL('other-public.pem', keys), 'utf8')), 'SHA256:nd0w/LFZC3GiZ8lvhlK1pGtzz8678hWh4JWiviD5lEM');
});

test('a fingerprint is the same for the SPKI and PKCS#1 forms of a key and differs between keys', () => {
  const pkcs1 = createPublicKey(publicKeyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
  assert.match(pkcs1, /BEGIN RSA PUBLIC KEY/);
  assert.match(publicKeyFingerprint(publicKeyPem), /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.equal(publicKeyFingerprint(pkcs1), publicKeyFingerprint(publicKeyPem));
  assert.notEqual(publicKeyFingerprint(otherKeyPair.publicKey), publicKeyFingerprint(publicKeyPem));
});

test('signatures are the ones openssl makes, and they verify', () => {
  for (const name of ['names', 'versions', 'package-foo']) {
    const payload = fixture(`${name}.pb`);
    const opensslSignature = fixture(`${name}.sig`);
    assert.deepEqual(signPayload(payload, privateKeyPem), opensslSignature, name);
    assert.equal(verifyPayload(payload, opensslSignature, publicKeyPem), true, name);
  }
});

test('tampered payloads, tampered signatures and other keys fail verification', () => {
  const payload = fixture('package-foo.pb');
  const signature = fixture('package-foo.sig');
  for (const at of [0, 1, 100, payload.length - 1]) {
    const tampered = Buffer.from(payload);
    tampered[at]! ^= 0x01;
    assert.equal(verifyPayload(tampered, signature, publicKeyPem), false, `payload byte ${at}`);
  }
  for (const at of [0, 128, signature.length - 1]) {
    const tampered = Buffer.from(signature);
    tampered[at]! ^= 0x80;
    assert.equal(verifyPayload(payload, tampered, publicKeyPem), false, `signature byte ${at}`);
  }
  assert.equal(verifyPayload(payload, signature.subarray(1), publicKeyPem), false);
  assert.equal(verifyPayload(payload, Buffer.alloc(0), publicKeyPem), false);
  assert.equal(verifyPayload(payload, signature, otherKeyPair.publicKey), false);
  assert.equal(verifyPayload(payload, signature, HEXPM_PUBLIC_KEY), false);
  assert.equal(verifyPayload(payload, signPayload(payload, otherKeyPair.privateKey), otherKeyPair.publicKey), true);
});

test('an unusable public key is a bad_key error, not a failed signature', () => {
  const payload = fixture('names.pb');
  const signature = fixture('names.sig');
  assertRegistryError(() => verifyPayload(payload, signature, 'not a key'), 'bad_key', /^invalid repository public key/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  assertRegistryError(() => verifyPayload(payload, signature, ec.publicKey), 'bad_key', /expected an RSA key, got ec/);
  assertRegistryError(() => publicKeyFingerprint('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), 'bad_key');
});

test('files sealed by Erlang open, decoded and checked', () => {
  const names = openRegistryResource(fixture('names.gz'), publicKeyPem, { repository: 'hexpm', kind: 'names' });
  assert.deepEqual(names, decodeNames(fixture('names.pb')));
  assert.deepEqual(
    names.packages.map((p) => p.name),
    ['bar', 'foo', 'zed'],
  );
  const versions = openRegistryResource(fixture('versions.gz'), publicKeyPem, { repository: 'hexpm', kind: 'versions' });
  assert.deepEqual(versions, decodeVersions(fixture('versions.pb')));
  const pkg = openRegistryResource(fixture('package-foo.gz'), publicKeyPem, { repository: 'acme', kind: 'package', name: 'foo' });
  assert.equal(pkg.name, 'foo');
  assert.deepEqual(
    pkg.releases.map((r) => r.version),
    ['1.0.0', '1.1.0', '1.2.0', '2.0.0-rc.0'],
  );
});

test('a file for another repository or package is refused', () => {
  assertRegistryError(
    () => openRegistryResource(fixture('names.gz'), publicKeyPem, { repository: 'acme', kind: 'names' }),
    'bad_repo_name',
    'names from repository acme says it belongs to repository "hexpm"',
  );
  assertRegistryError(
    () => openRegistryResource(fixture('versions.gz'), publicKeyPem, { repository: 'hexpm:acme', kind: 'versions' }),
    'bad_repo_name',
  );
  assertRegistryError(
    () => openRegistryResource(fixture('package-foo.gz'), publicKeyPem, { repository: 'hexpm', kind: 'package', name: 'foo' }),
    'bad_repo_name',
  );
  assertRegistryError(
    () => openRegistryResource(fixture('package-foo.gz'), publicKeyPem, { repository: 'acme', kind: 'package', name: 'bar' }),
    'bad_package_name',
    'package bar from repository acme says it is package "foo"',
  );
});

test('a bad signature is refused with a message naming the file and repository', () => {
  const message = 'signature verification failed for names from repository hexpm';
  assertRegistryError(() => openRegistryResource(fixture('names.gz'), otherKeyPair.publicKey, { repository: 'hexpm', kind: 'names' }), 'bad_signature', message);
  assertRegistryError(() => openRegistryResource(fixture('names.gz'), HEXPM_PUBLIC_KEY, { repository: 'hexpm', kind: 'names' }), 'bad_signature', message);

  // The payload changed after signing (another repository name), the signature kept.
  const signed = decodeSigned(gunzipSync(fixture('names.gz')));
  const forged = encodeNames({ ...decodeNames(signed.payload), repository: 'acme' });
  const forgedFile = gzipSync(encodeSigned({ payload: forged, signature: signed.signature! }));
  assertRegistryError(
    () => openRegistryResource(forgedFile, publicKeyPem, { repository: 'acme', kind: 'names' }),
    'bad_signature',
    'signature verification failed for names from repository acme',
  );
  // No signature at all.
  const unsigned = gzipSync(encodeSigned({ payload: signed.payload }));
  assertRegistryError(() => openRegistryResource(unsigned, publicKeyPem, { repository: 'hexpm', kind: 'names' }), 'bad_signature');
  // The signature of another file.
  const swapped = gzipSync(encodeSigned({ payload: signed.payload, signature: fixture('versions.sig') }));
  assertRegistryError(
    () => openRegistryResource(swapped, publicKeyPem, { repository: 'acme', kind: 'package', name: 'foo' }),
    'bad_signature',
    'signature verification failed for package foo from repository acme',
  );
});

test('bad gzip, junk inside good gzip and a gzip bomb are refused with their own errors', () => {
  const expected = { repository: 'hexpm', kind: 'names' } as const;
  assertRegistryError(() => openRegistryResource(Buffer.from('<html>Not found</html>'), publicKeyPem, expected), 'bad_gzip', /^could not decompress names from repository hexpm: /);
  const file = fixture('names.gz');
  assertRegistryError(() => openRegistryResource(file.subarray(0, file.length - 10), publicKeyPem, expected), 'bad_gzip');
  assertRegistryError(() => openRegistryResource(Buffer.alloc(0), publicKeyPem, expected), 'bad_gzip');
  assertRegistryError(() => openRegistryResource(gzipSync(Buffer.from('junk')), publicKeyPem, expected), 'malformed', /^names from repository hexpm is malformed/);
  // A signed payload that is not a Names message.
  const notNames = sealRegistryResource(Buffer.from([0xff, 0xff]), privateKeyPem);
  assertRegistryError(() => openRegistryResource(notNames, publicKeyPem, expected), 'malformed');

  // 1 GiB of zeros in 1 MiB gzip members (about 1 MB): refused once 64 MiB are out.
  const member = gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
  assertRegistryError(() => openRegistryResource(bomb, publicKeyPem, expected), 'too_large', 'names from repository hexpm is larger than 64 MiB uncompressed');
  // Refused as the 65th MiB comes out, not after the whole bomb: with broken gzip in its 67th
  // member the error is the same, as inflating stopped before it (a reader that inflated all and
  // then measured would meet it: 'bad_gzip', as the same member does within the limit).
  const broken = Buffer.from(member);
  broken.fill(0xff, 10, 40);
  const withBroken = (at: number) => Buffer.concat(Array.from({ length: 1024 }, (_, i) => (i === at ? broken : member)));
  assertRegistryError(() => openRegistryResource(withBroken(66), publicKeyPem, expected), 'too_large', 'names from repository hexpm is larger than 64 MiB uncompressed');
  assertRegistryError(() => openRegistryResource(withBroken(2), publicKeyPem, expected), 'bad_gzip');
  const oneMember = gzipSync(Buffer.alloc(MAX_REGISTRY_RESOURCE_SIZE + 1), { level: 1 });
  assertRegistryError(() => openRegistryResource(oneMember, publicKeyPem, expected), 'too_large');
  // Just under the cap is still read (and then fails later, on the content).
  const underCap = gzipSync(Buffer.alloc(MAX_REGISTRY_RESOURCE_SIZE - 1), { level: 1 });
  assertRegistryError(() => openRegistryResource(underCap, publicKeyPem, expected), 'malformed');
});

test('sealing makes what Erlang makes: the same Signed bytes behind the same gzip header', () => {
  for (const name of ['names', 'versions', 'package-foo']) {
    const erlang = fixture(`${name}.gz`);
    const ours = sealRegistryResource(fixture(`${name}.pb`), privateKeyPem);
    assert.deepEqual(ours.subarray(0, 10), Buffer.from('1f8b0800000000000003', 'hex'));
    assert.deepEqual(ours.subarray(0, 10), erlang.subarray(0, 10));
    assert.deepEqual(gunzipSync(ours), gunzipSync(erlang), name);
  }
  const sealed = sealRegistryResource(encodeNames({ repository: 'r', packages: [{ name: 'x' }] }), otherKeyPair.privateKey);
  assert.deepEqual(openRegistryResource(sealed, otherKeyPair.publicKey, { repository: 'r', kind: 'names' }), { repository: 'r', packages: [{ name: 'x' }] });
});
