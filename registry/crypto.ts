import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomInt,
  scryptSync,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { crc32 } from 'node:zlib';

// The registry's small cryptographic pieces: password hashes, API key secrets, ES256 JWTs
// and RFC 6238 TOTP codes.

// hexpm uses bcrypt; scrypt from node:crypto plays the same role here.
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

/** hexpm's prefix of the keys it makes since PR #1536; its HMAC is of the key without it. */
export const HEX_KEY_PREFIX = 'hex_';

/**
 * A new key secret as hexpm makes it: 16 random bytes in lowercase hex (32 characters); or,
 * in hexpm's newer format, `hex_` and the lowercase hex of the 16 bytes followed by their
 * CRC-32, big-endian (40 characters), so that a scanner or a client can tell a typo.
 */
export function generateKeySecret(format: 'legacy' | 'hex'): string {
  const random = randomBytes(16);
  if (format === 'legacy') return random.toString('hex');
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(random));
  return `${HEX_KEY_PREFIX}${Buffer.concat([random, checksum]).toString('hex')}`;
}

/**
 * Auth.key_auth's first step: the secret the HMAC is of (without `hex_`), or null for a
 * `hex_` key whose checksum does not hold (refused before any lookup; upper case included,
 * as hexpm decodes lowercase hex only).
 */
export function keySecretToHash(secret: string): string | null {
  if (!secret.startsWith(HEX_KEY_PREFIX)) return secret;
  const raw = secret.slice(HEX_KEY_PREFIX.length);
  if (!/^[0-9a-f]{40}$/.test(raw)) return null;
  const bytes = Buffer.from(raw, 'hex');
  return crc32(bytes.subarray(0, 16)) === bytes.readUInt32BE(16) ? raw : null;
}

/** hexpm stores HMAC-SHA256(app secret, key secret) in hex, split into a lookup half and a compared half. */
export function hashKeySecret(appSecret: string, secret: string): { first: string; second: string } {
  const hex = createHmac('sha256', appSecret).update(secret).digest('hex');
  return { first: hex.slice(0, 32), second: hex.slice(32) };
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

export function randomUrlSafe(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

const USER_CODE_ALPHABET = '23456789BCDFGHJKLMNPQRSTVWXYZ';

export function generateUserCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

export function generateEcKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

export type JwtClaims = Record<string, unknown>;

export function signJwt(claims: JwtClaims, privateKeyPem: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: createPrivateKey(privateKeyPem),
    dsaEncoding: 'ieee-p1363',
  });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

/**
 * The claims of a token signed with our key, with `iss`, `aud`, `exp` and `nbf` checked
 * against `nowSeconds`; null for anything else.
 */
export function verifyJwt(token: string, publicKeyPem: string, nowSeconds: number): JwtClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  let claims: JwtClaims;
  try {
    const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
    if (head.alg !== 'ES256') return null;
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      { key: createPublicKey(publicKeyPem), dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) return null;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return null;
  }
  if (claims.iss !== 'hexpm' || claims.aud !== 'hexpm:api') return null;
  if (typeof claims.exp === 'number' && claims.exp <= nowSeconds) return null;
  if (typeof claims.nbf === 'number' && claims.nbf > nowSeconds) return null;
  return claims;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(text: string): Buffer | null {
  const clean = text.replace(/=+$/, '').replace(/\s+/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) return null;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits. */
export function totpCode(secret: Buffer, unixSeconds: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const number = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return number.toString().padStart(6, '0');
}

/** Accepts the code of the current step and of one step either side. */
export function totpValid(base32Secret: string, code: string, unixSeconds: number): boolean {
  const secret = base32Decode(base32Secret);
  if (!secret || !/^\d{6}$/.test(code)) return false;
  return [-30, 0, 30].some((skew) => constantTimeEqual(totpCode(secret, unixSeconds + skew), code));
}
