import { createHash } from 'node:crypto';
import { CliError } from '../errors.js';
import { unpackPackageTarball } from '../package/unpack.js';
import type { Release } from './protobuf.js';

/**
 * A downloaded release tarball against its signed registry record: the outer checksum (of the
 * whole tarball), then the inner CHECKSUM (which the safe reader checks against the contents).
 * Throws before the caller writes anything.
 */
export async function verifyReleaseTarball(name: string, release: Release, tarball: Buffer): Promise<{ outer_checksum: string; inner_checksum: string }> {
  const outer = createHash('sha256').update(tarball).digest('hex');
  const expectedOuter = release.outerChecksum?.toString('hex');
  const altered = `The tarball of ${name} ${release.version} is not the one the registry signed; nothing was written.`;
  if (expectedOuter !== undefined && outer !== expectedOuter) {
    throw new CliError(`Checksum mismatch against registry (outer): the registry says ${expectedOuter}, the download is ${outer}`, altered);
  }
  const { innerChecksum } = await unpackPackageTarball(tarball, { output: 'none' });
  const expectedInner = release.innerChecksum.toString('hex').toUpperCase();
  if (innerChecksum !== expectedInner) {
    throw new CliError(`Checksum mismatch against registry (inner): the registry says ${expectedInner}, the tarball's CHECKSUM is ${innerChecksum}`, altered);
  }
  return { outer_checksum: outer, inner_checksum: innerChecksum };
}
