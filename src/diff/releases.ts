import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { unpackPackageTarball } from '../package/unpack.js';
import type { Repository } from '../repository/registry.js';
import { verifyReleaseTarball } from '../repository/release-tarball.js';
import { resolveRelease, retirementText } from '../repository/resolve.js';
import { writeFailure } from '../util/fs-errors.js';
import { removeOnInterrupt } from '../util/interrupt.js';

// Two releases of a package side by side, as `mix hex.package diff` lays them out: each
// resolved against the package's signed registry record, downloaded, checked against both
// checksums and unpacked by the safe reader (with hex_metadata.config, as mix writes it)
// into NAME-VERSION under one fresh temporary directory. The directory is removed when the
// work is done, however it ends: an error, Ctrl-C or another signal, or an early exit.

export interface UnpackedPair {
  /** The temporary directory holding both trees. */
  parent: string;
  /** NAME-VERSION of each, also its directory's name under `parent`. */
  labels: [string, string];
}

export async function withReleasesUnpacked<T>(ctx: Context, repository: Repository, name: string, versions: [string, string], work: (pair: UnpackedPair) => Promise<T>): Promise<T> {
  const pkg = await repository.package(name);
  const releases = versions.map((version) => resolveRelease(pkg, { text: `${name}@${version}`, name, kind: 'version', version }));
  for (const release of releases) {
    if (release.retired) ctx.out.warn(`${name} ${release.version} is retired: ${retirementText(release.retired)}`);
  }
  const labels = releases.map((release) => `${name}-${release.version}`) as [string, string];

  // TMPDIR as this run was given it (os.tmpdir() reads the process's own).
  const parent = await mkdtemp(join(ctx.env.TMPDIR || tmpdir(), 'hexts-diff-'));
  const forget = removeOnInterrupt(parent);
  try {
    // Both settle before anything is removed: one that fails must not leave the other
    // unpacking into a directory already gone (its tree would appear after the removal).
    const outcomes = await Promise.allSettled(
      releases.map(async (release, i) => {
        const tarball = await repository.tarball(name, release.version);
        await verifyReleaseTarball(name, release, tarball);
        const directory = join(parent, labels[i]!);
        await unpackPackageTarball(tarball, { output: { directory } }).catch((err: unknown) => {
          throw writeFailure('unpack into', directory, err);
        });
      }),
    );
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    return await work({ parent, labels });
  } finally {
    await rm(parent, { recursive: true, force: true, maxRetries: 3 });
    forget();
  }
}
