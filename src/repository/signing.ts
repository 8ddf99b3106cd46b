// Signed registry files: each of `names`, `versions` and `packages/<name>` is
// gzip(Signed{payload, signature}), the signature being RSASSA-PKCS1-v1_5 with SHA-512 over the
// payload bytes. Reading one follows hex_core's hex_registry:unpack_*: gunzip, decode Signed,
// verify, decode the payload, then check that it names the repository (and package) asked for.

import { constants, createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { gzip } from 'pako/lib/deflate.js';
import {
  RegistryError,
  decodeNames,
  decodePackage,
  decodeSigned,
  decodeVersions,
  encodeSigned,
  type Names,
  type Package,
  type Versions,
} from './protobuf.js';

export { RegistryError } from './protobuf.js';

/**
 * The key repo.hex.pm signs with, as published at https://hex.pm/docs/public_keys. Copied from
 * hexpm/hex_core src/hex_core.erl (HEXPM_PUBLIC_KEY, commit 95e09e71); the same key is
 * `@hexpm_public_key` in hexpm/hex lib/hex/config.ex.
 */
export const HEXPM_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApqREcFDt5vV21JVe2QNB
Edvzk6w36aNFhVGWN5toNJRjRJ6m4hIuG4KaXtDWVLjnvct6MYMfqhC79HAGwyF+
IqR6Q6a5bbFSsImgBJwz1oadoVKD6ZNetAuCIK84cjMrEFRkELtEIPNHblCzUkkM
3rS9+DPlnfG8hBvGi6tvQIuZmXGCxF/73hU0/MyGhbmEjIKRtG6b0sJYKelRLTPW
XgK7s5pESgiwf2YC/2MGDXjAJfpfCd0RpLdvd4eRiXtVlE9qO9bND94E7PgQ/xqZ
J1i2xWFndWa6nfFnRxZmCStCOZWYYPlaxr+FZceFbpMwzTNs4g3d4tLNUcbKAIH4
0wIDAQAB
-----END PUBLIC KEY-----
`;

/** Decompressed registry files larger than this are refused (hex.pm's `versions` is a few MB). */
export const MAX_REGISTRY_RESOURCE_SIZE = 64 * 1024 * 1024;

/** A private key as PEM text, or parsed once by the caller (a registry build signs many files). */
export type PrivateKeyInput = string | KeyObject;

export function signPayload(payload: Uint8Array, privateKey: PrivateKeyInput): Buffer {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return sign('sha512', payload, { key, padding: constants.RSA_PKCS1_PADDING });
}

/** True when `signature` is a valid signature of `payload`; throws only for an unusable key. */
export function verifyPayload(payload: Uint8Array, signature: Uint8Array, publicKeyPem: string): boolean {
  const key = rsaPublicKey(publicKeyPem);
  try {
    return verify('sha512', payload, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}

/**
 * The key's fingerprint as mix and OpenSSH print it (`ssh:hostkey_fingerprint(sha256, Key)`,
 * `ssh-keygen -lf`): `SHA256:` and unpadded base64 of SHA-256 over the SSH wire form of the RSA
 * key (string "ssh-rsa", mpint e, mpint n). Any PEM form of the key gives the same.
 */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const { n, e } = rsaPublicKey(publicKeyPem).export({ format: 'jwk' });
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  };
  // An mpint is the minimal big-endian magnitude, with a zero byte first when its top bit is set.
  const mpint = (base64url: string) => {
    let bytes = Buffer.from(base64url, 'base64url');
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    bytes = bytes.subarray(start);
    return field(bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
  };
  const blob = Buffer.concat([...field(Buffer.from('ssh-rsa')), ...mpint(e!), ...mpint(n!)]);
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

function rsaPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new RegistryError('bad_key', `invalid repository public key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new RegistryError('bad_key', `invalid repository public key: expected an RSA key, got ${key.asymmetricKeyType}`);
  }
  return key;
}

export interface RegistryResources {
  names: Names;
  versions: Versions;
  package: Package;
}

export type RegistryResourceKind = keyof RegistryResources;

export type ExpectedResource<K extends RegistryResourceKind> = K extends 'package'
  ? { repository: string; kind: K; name: string }
  : { repository: string; kind: K };

/**
 * Opens a fetched `names`, `versions` or `packages/<name>` file: gunzips it (refusing more than
 * MAX_REGISTRY_RESOURCE_SIZE), verifies the signature with the repository's public key, decodes
 * the message and checks that it belongs to the expected repository (and package).
 */
export function openRegistryResource<K extends RegistryResourceKind>(
  gzipped: Uint8Array,
  publicKeyPem: string,
  expected: ExpectedResource<K>,
): RegistryResources[K] {
  const { repository, kind } = expected;
  const name = 'name' in expected ? expected.name : undefined;
  const what = kind === 'package' ? `package ${name}` : kind;
  const from = `${what} from repository ${repository}`;

  let signedBytes: Buffer;
  try {
    signedBytes = gunzipSync(gzipped, { maxOutputLength: MAX_REGISTRY_RESOURCE_SIZE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new RegistryError('too_large', `${from} is larger than ${MAX_REGISTRY_RESOURCE_SIZE / 1024 / 1024} MiB uncompressed`);
    }
    throw new RegistryError('bad_gzip', `could not decompress ${from}: ${(err as Error).message}`);
  }

  const signed = withContext(from, () => decodeSigned(signedBytes));
  if (!signed.signature || !verifyPayload(signed.payload, signed.signature, publicKeyPem)) {
    throw new RegistryError(
      'bad_signature',
      `signature verification failed for ${from}`,
      'Something between you and the repository may have altered the file, or the repository has a new public key.',
    );
  }

  const message = withContext(from, () => {
    if (kind === 'names') return decodeNames(signed.payload);
    if (kind === 'versions') return decodeVersions(signed.payload);
    return decodePackage(signed.payload);
  });
  if (message.repository !== repository) {
    throw new RegistryError(
      'bad_repo_name',
      `${from} says it belongs to repository ${JSON.stringify(message.repository)}`,
      'The repository name configured for this URL may be wrong.',
    );
  }
  if (kind === 'package' && (message as Package).name !== name) {
    throw new RegistryError('bad_package_name', `${from} says it is package ${JSON.stringify((message as Package).name)}`);
  }
  return message as RegistryResources[K];
}

function withContext<T>(from: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'malformed') {
      throw new RegistryError('malformed', `${from} is malformed (${err.message})`);
    }
    throw err;
  }
}

/**
 * gzip(Signed{payload, signature}), byte for byte what Erlang's zlib:gzip/1 writes (hexpm and
 * `mix hex.registry build`): pako 2 at its defaults deflates as the stock zlib 1.2 Erlang links
 * and writes the same header (no mtime, OS 3); Node's bundled zlib compresses differently.
 */
export function sealRegistryResource(payload: Uint8Array, privateKey: PrivateKeyInput): Buffer {
  const signed = encodeSigned({ payload: Buffer.from(payload), signature: signPayload(payload, privateKey) });
  const gzipped = gzip(signed);
  return Buffer.from(gzipped.buffer, gzipped.byteOffset, gzipped.byteLength);
}
