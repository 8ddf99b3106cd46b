// Fixtures and helpers shared by the tarball tests: the built `mix hex.build` cases copied
// from the shared corpus and refs (test/fixtures/tarball/cases), and tar/gzip utilities.
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, type ReadEntry } from 'tar';
import { TarWriter, type TarEntry } from '../../src/package/tar/ustar.js';

export const CASES_DIR = fileURLToPath(new URL('../fixtures/tarball/cases/', import.meta.url));

export interface BuiltCase {
  name: string;
  projectDir: string;
  tarballName: string;
  tarball: Buffer;
  metadataConfig: Buffer;
  files: string[];
  outerSha256: string;
  innerChecksum: string;
  /** contents-listing.tsv rows: index, type, mode field, size, path, linkname. */
  listing: string[][];
  emptyDirs: string[];
  perms: Array<{ path: string; perm: string }>;
}

export const caseNames = (): string[] => readdirSync(CASES_DIR).sort();

export function loadCase(name: string): BuiltCase {
  const expected = join(CASES_DIR, name, 'expected');
  const info = JSON.parse(readFileSync(join(expected, 'case.json'), 'utf8'));
  // No case needs a symlink yet; one would need support in prepareProject.
  if (info.needs_symlinks.length > 0) throw new Error(`${name}: needs_symlinks is not supported`);
  const lines = (file: string) => readFileSync(join(expected, file), 'utf8').split('\n').filter((line) => line !== '');
  return {
    name,
    projectDir: join(CASES_DIR, name, 'project'),
    tarballName: info.tarball,
    tarball: readFileSync(join(expected, info.tarball)),
    metadataConfig: readFileSync(join(expected, 'metadata.config')),
    files: lines('files-order.txt'),
    outerSha256: lines('outer.sha256')[0]!.split(' ')[0]!,
    innerChecksum: readFileSync(join(expected, 'CHECKSUM'), 'latin1'),
    listing: lines('contents-listing.tsv').slice(1).map((line) => line.split('\t')),
    emptyDirs: info.needs_empty_dirs,
    perms: info.needs_non_0644_perms,
  };
}

export function tempDir(prefix = 'hexts-tar-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/**
 * A copy of the case's project with the modes mix saw, whatever the checkout's umask:
 * every directory 0755, every file 0644, then the case's empty dirs and non-0644
 * permissions (git keeps neither reliably).
 */
export function prepareProject(c: BuiltCase, into: string): string {
  const root = join(into, 'project');
  cpSync(c.projectDir, root, { recursive: true, verbatimSymlinks: true });
  const normalize = (dir: string) => {
    chmodSync(dir, 0o755);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) normalize(path);
      else if (entry.isFile()) chmodSync(path, 0o644);
    }
  };
  normalize(root);
  for (const dir of c.emptyDirs) {
    mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, dir), 0o755);
  }
  for (const { path, perm } of c.perms) chmodSync(join(root, path), parseInt(perm, 8));
  return root;
}

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
