// Release tarballs whose contents are whatever a test says: a real package's metadata (so a
// registry takes them) around inner entries no honest build makes — symlink chains, odd
// modes, a file big enough to be caught mid-unpack — with every checksum right.
import { createHash } from 'node:crypto';
import { gzip } from '../../src/package/tar/gzip.js';
import type { TarEntry } from '../../src/package/tar/ustar.js';
import { unpackPackageTarball } from '../../src/package/unpack.js';
import { buildTar, fileEntry } from '../package/tarball-helpers.js';
import { makeTarball } from '../../registry/tarballs.js';

export type InnerEntry = { entry: TarEntry; data?: Uint8Array };

export const link = (name: string, target: string): InnerEntry => ({ entry: { name, mode: 0o120777, size: 0, type: 'symlink', linkname: target } });
export const directory = (name: string, mode: number): InnerEntry => ({ entry: { name: `${name}/`, mode: 0o40000 | mode, size: 0, type: 'directory' } });
export const file = (name: string, data: Uint8Array | string, mode = 0o644): InnerEntry => fileEntry(name, data, 0o100000 | mode);

/** A release of `name` `version` whose contents.tar.gz holds exactly `entries`. */
export async function packageWith(name: string, version: string, entries: InnerEntry[]): Promise<Buffer> {
  const { metadataConfig } = await unpackPackageTarball(await makeTarball({ name, version }), { output: 'none' });
  const versionMember = Buffer.from('3');
  const contents = gzip(buildTar(entries));
  const checksum = createHash('sha256').update(versionMember).update(metadataConfig).update(contents).digest('hex').toUpperCase();
  return buildTar([
    fileEntry('VERSION', versionMember),
    fileEntry('CHECKSUM', checksum),
    fileEntry('metadata.config', metadataConfig),
    fileEntry('contents.tar.gz', contents),
  ]);
}

/**
 * Links that each stay inside when read alone, yet lead from the unpack directory to the
 * file system's root: `up0 -> ..` is the directory itself, each `upN -> up(N-1)/..` climbs
 * one more, and `passwd` goes through the last one to /etc/passwd.
 */
export function climbingLinks(depth: number): InnerEntry[] {
  const entries = [link('d/up0', '..')];
  for (let level = 1; level <= depth; level++) entries.push(link(`d/up${level}`, `up${level - 1}/..`));
  entries.push(link('passwd', `d/up${depth}/etc/passwd`));
  return entries;
}
