// Helpers shared by the tarball tests: temporary directories and tar utilities. The
// reference cases come from ../helpers/corpus.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { TarWriter, type TarEntry } from '../../src/package/tar/ustar.js';
import { TarballError } from '../../src/package/tarball.js';

export function tempDir(prefix = 'hexts-tar-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A tar built with our writer from in-memory entries. */
export function buildTar(entries: Array<{ entry: TarEntry; data?: Uint8Array }>): Buffer {
  const chunks: Uint8Array[] = [];
  const writer = new TarWriter((chunk) => chunks.push(chunk));
  for (const { entry, data } of entries) writer.add(entry, data);
  writer.end();
  return Buffer.concat(chunks);
}

export const fileEntry = (name: string, data: Uint8Array | string, mode = 0o100644) => {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return { entry: { name, mode, size: bytes.length, type: 'file' as const }, data: bytes };
};

export interface NodeTarEntry {
  path: string;
  type: string;
  mode: number;
  size: number;
  linkpath: string;
  data: Buffer;
}

/** Reads a tar with node-tar, an independent implementation, collecting warnings too. */
export async function readWithNodeTar(tar: Buffer): Promise<{ entries: NodeTarEntry[]; warnings: string[] }> {
  const entries: NodeTarEntry[] = [];
  const warnings: string[] = [];
  const pending: Array<Promise<void>> = [];
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      pending.push(
        new Promise((resolve) =>
          entry.on('end', () => {
            entries.push({
              path: entry.path,
              type: entry.type,
              mode: entry.header.mode ?? -1,
              size: entry.size ?? -1,
              linkpath: entry.linkpath ?? '',
              data: Buffer.concat(chunks),
            });
            resolve();
          }),
        ),
      );
    },
    onwarn: (code: string, message: string | Error) => warnings.push(`${code}: ${String(message)}`),
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', reject);
    parser.end(tar);
  });
  await Promise.all(pending);
  return { entries, warnings };
}

/** Rejects with a TarballError of this code and message (exact, or matching). */
export async function rejectsWith(promise: Promise<unknown>, code: string, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TarballError, `expected a TarballError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}
