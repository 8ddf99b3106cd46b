import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CliError, UsageError } from '../errors.js';

// The private key that signs a static repository (`registry build`, `publish --to-dir`,
// `retire --to-dir`): read from the file the user names, checked to be an RSA private key,
// and refused when it lies inside the directory being published, where a web server would
// hand it to anyone. Its contents are never printed, logged or written anywhere.

export interface RegistrySigningKey {
  privateKey: KeyObject;
  /**
   * The public half as `mix hex.registry build` writes PUBLIC_DIR/public_key: PKCS#1
   * (`BEGIN RSA PUBLIC KEY`) PEM followed by an empty line (Erlang's pem_encode).
   */
  publicKeyPem: string;
}

const MAKE_ONE = 'Make one with `openssl genrsa -out private_key.pem 2048`, and keep it outside PUBLIC_DIR.';

/**
 * Reads the key at `path` (as the user wrote it, relative to `cwd`) for signing the
 * repository in `publicDir`; throws a one-line error naming the file when it is not an
 * unencrypted RSA private key or lies inside `publicDir`.
 */
export async function readRegistrySigningKey(cwd: string, path: string, publicDir: string): Promise<RegistrySigningKey> {
  const keyPath = resolve(cwd, path);
  await refuseInside(keyPath, path, resolve(cwd, publicDir), publicDir);
  let text: string;
  try {
    text = await readFile(keyPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : 'cannot read it';
    throw new CliError(`cannot read the private key ${path}: ${reason} (${code})`, `--private-key takes the PEM file of the RSA key that signs the repository. ${MAKE_ONE}`);
  }
  const privateKey = parsePrivateKey(text, path);
  const publicKeyPem = `${createPublicKey(privateKey).export({ type: 'pkcs1', format: 'pem' }) as string}\n`;
  return { privateKey, publicKeyPem };
}

function parsePrivateKey(text: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE' || /^-----BEGIN ENCRYPTED PRIVATE KEY-----$|^Proc-Type: 4,ENCRYPTED$/m.test(text)) {
      throw new CliError(`the private key ${path} is encrypted; hexts signs with an unencrypted key`, 'Decrypt a copy (`openssl rsa -in KEY -out plain.pem`) and keep that copy outside PUBLIC_DIR.');
    }
    if (isPublicKey(text)) throw new CliError(`${path} is a public key, not an RSA private key`, `--private-key takes the private key that signs the repository; its public key is written to PUBLIC_DIR/public_key. ${MAKE_ONE}`);
    throw new CliError(`${path} is not an RSA private key in PEM form`, `--private-key takes a file starting with -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----. ${MAKE_ONE}`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CliError(`${path} is an ${key.asymmetricKeyType ?? 'unknown'} key, not an RSA private key`, `Hex repositories are signed with RSA keys. ${MAKE_ONE}`);
  }
  return key;
}

function isPublicKey(text: string): boolean {
  try {
    createPublicKey(text);
    return true;
  } catch {
    return false;
  }
}

/** Usage error when the key file (as named, or after following links) is inside the public directory. */
async function refuseInside(keyPath: string, shownKey: string, dir: string, shownDir: string): Promise<void> {
  const keys = [keyPath, await realpath(keyPath).catch(() => keyPath)];
  const dirs = [dir, await realExisting(dir)];
  if (keys.some((key) => dirs.some((d) => isInside(key, d)))) {
    throw new UsageError(
      `the private key ${shownKey} is inside ${shownDir}, the directory that is published`,
      'Anyone could download it from there and sign packages as your repository: move it out of that directory (and replace the key if it was ever published).',
    );
  }
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** `path` with its longest existing ancestor's links resolved (the directory may not exist yet). */
async function realExisting(path: string): Promise<string> {
  const parent = dirname(path);
  try {
    return await realpath(path);
  } catch {
    return parent === path ? path : resolve(await realExisting(parent), relative(parent, path));
  }
}
