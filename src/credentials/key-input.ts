import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { readStdin } from '../io/stdin.js';

export type KeySource = 'flag' | 'stdin' | 'key-file' | 'env';

export interface GivenKey {
  key: string;
  source: KeySource;
}

const SOURCE_NAMES: Record<KeySource, string> = { flag: '--key', stdin: 'stdin (--key -)', 'key-file': '--key-file', env: 'HEX_API_KEY' };

export const describeKeySource = (source: KeySource): string => SOURCE_NAMES[source];

/** Keys are trimmed, then must be non-empty with no whitespace or control characters. Never echoes the key. */
export function checkKey(raw: string, source: KeySource): string {
  const key = raw.trim();
  if (key === '') throw new UsageError(`the key from ${SOURCE_NAMES[source]} is empty`);
  if (/[\s\u0000-\u001f\u007f]/.test(key)) {
    throw new UsageError(`the key from ${SOURCE_NAMES[source]} contains whitespace or control characters`, 'Check that exactly one key was given.');
  }
  return key;
}

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
