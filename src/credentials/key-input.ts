import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { readStdin } from '../io/stdin.js';
import { crc32 } from '../util/crc32.js';
import { HEX_KEY_PREFIX } from './redact.js';

export type KeySource = 'flag' | 'stdin' | 'key-file' | 'env';

export interface GivenKey {
  key: string;
  source: KeySource;
}

const SOURCE_NAMES: Record<KeySource, string> = { flag: '--key', stdin: 'stdin (--key -)', 'key-file': '--key-file', env: 'HEX_API_KEY' };

export const describeKeySource = (source: KeySource): string => SOURCE_NAMES[source];

// hex.pm's keys since hexpm PR #1536: `hex_`, then in lower-case hex the 16 random bytes and
// their CRC-32 (big-endian). Older keys, and other registries' keys, have no checksum.
const HEX_KEY_DIGITS = 40;

export const isHexKey = (key: string): boolean => key.startsWith(HEX_KEY_PREFIX);

/** Why a `hex_` key cannot be one hex.pm made (a typo, a key cut short), or undefined when it can. */
function hexKeyProblem(key: string): string | undefined {
  const digits = key.slice(HEX_KEY_PREFIX.length);
  if (digits.length !== HEX_KEY_DIGITS) return `it has ${digits.length} characters after hex_, not ${HEX_KEY_DIGITS}`;
  if (!/^[0-9a-f]*$/.test(digits)) return 'it has characters other than 0-9 and a-f after hex_';
  const bytes = Buffer.from(digits, 'hex');
  if (crc32(bytes.subarray(0, 16)) !== bytes.readUInt32BE(16)) return 'its checksum does not match';
  return undefined;
}

/**
 * Keys are trimmed, then must be non-empty with no whitespace or control characters, and a
 * `hex_` key must pass its checksum. Never echoes the key. `option` names where it came from
 * when that is not --key (`--auth-key`).
 */
export function checkKey(raw: string, source: KeySource, option = SOURCE_NAMES[source]): string {
  const key = raw.trim();
  if (key === '') throw new UsageError(`the key from ${option} is empty`);
  if (/[\s\u0000-\u001f\u007f]/.test(key)) {
    throw new UsageError(`the key from ${option} contains whitespace or control characters`, 'Check that exactly one key was given.');
  }
  const problem = isHexKey(key) ? hexKeyProblem(key) : undefined;
  if (problem) {
    throw new UsageError(`the key from ${option} looks mistyped: ${problem}`, 'Copy the whole key again (hex_ and 40 characters), or generate a new one.');
  }
  return key;
}

/**
 * The Authorization header for an API key sent to the API: a `hex_` key as a bearer
 * credential, as hex.pm's API takes the new keys (PR #1536); an older key as it is, as hex.pm
 * has always taken it (as a bearer it would be read as an OAuth token). The repository gets
 * keys as they are (see repository-auth.ts).
 */
export const keyAuthorization = (key: string): string => (isHexKey(key) ? `Bearer ${key}` : key);

/** `--key KEY`, `--key -` (stdin) or `--key-file PATH`; undefined when none was given. */
export async function readGivenKey(opts: { key?: unknown; keyFile?: unknown }, stdin: Readable): Promise<GivenKey | undefined> {
  if (opts.key !== undefined && opts.keyFile !== undefined) throw new UsageError('give the key with either --key or --key-file, not both');
  if (typeof opts.keyFile === 'string') {
    let text: string;
    try {
      text = await readFile(opts.keyFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --key-file ${opts.keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return { key: checkKey(text, 'key-file'), source: 'key-file' };
  }
  if (opts.key === '-') return { key: checkKey(await readStdin(stdin), 'stdin'), source: 'stdin' };
  if (typeof opts.key === 'string') return { key: checkKey(opts.key, 'flag'), source: 'flag' };
  return undefined;
}

/** The key given for this run: --key, --key -, --key-file, else HEX_API_KEY; undefined when none. */
export async function readKeyForRun(opts: { key?: unknown; keyFile?: unknown }, stdin: Readable, env: Record<string, string | undefined>): Promise<GivenKey | undefined> {
  const given = await readGivenKey(opts, stdin);
  if (given || !env.HEX_API_KEY) return given;
  return { key: checkKey(env.HEX_API_KEY, 'env'), source: 'env' };
}
