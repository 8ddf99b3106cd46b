// The one builder of signed registry files (`names`, `versions`, `packages/NAME`) from release
// records: used by `hexts registry build`, `publish --to-dir`, `retire --to-dir` (through
// static-directory.ts) and by the local test registry. Pure: no file system, no clock.
//
// Two encodings (protobuf.ts DependencyEncoding): `hexpm`, as hexpm's RegistryBuilder writes
// hex.pm's files, and `mix`, as `mix hex.registry build` writes a static repository. They
// differ in the dependency fields written and in the order of dependencies: mix iterates the
// tarball's requirements map, which OTP keeps sorted by package name (for up to 32 keys; its
// hash order beyond that is not reproduced), hexpm sorts [repository, package, requirement,
// optional, app]. Packages are sorted by name in both (mix: map order again, the same up to
// 32 packages).

import type { KeyObject } from 'node:crypto';
import { compareVersions } from './requirement.js';
import {
  encodeNames,
  encodePackage,
  encodeVersions,
  type Dependency,
  type DependencyEncoding,
  type RetirementStatus,
  type SecurityAdvisory,
  type Timestamp,
} from './protobuf.js';
import { sealRegistryResource } from './signing.js';

export type { DependencyEncoding } from './protobuf.js';

export interface RegistryDependency {
  package: string;
  requirement: string;
  optional?: boolean;
  /** The OTP application; unset: named like the package. */
  app?: string;
  /** The dependency's repository; unset, or the one being built: that repository. */
  repository?: string;
}

export interface RegistryRelease {
  version: string;
  /** Raw SHA-256s (32 bytes). */
  innerChecksum: Buffer;
  outerChecksum: Buffer;
  dependencies: RegistryDependency[];
  retired?: RetirementStatus;
  publishedAt?: Timestamp;
  /** Indexes into the package's advisories: those that affect this release. */
  advisoryIndexes?: number[];
}

export interface RegistryPackage {
  name: string;
  updatedAt?: Timestamp;
  releases: RegistryRelease[];
  /** Security advisories on the package (hexpm's, ordered by id); static repositories have none. */
  advisories?: SecurityAdvisory[];
}

export interface RegistryFiles {
  names: Buffer;
  versions: Buffer;
  /** packages/NAME for each package with releases, by name. */
  packages: Map<string, Buffer>;
}

type SigningKey = string | KeyObject;

export function buildRegistryFiles(repository: string, packages: RegistryPackage[], key: SigningKey, encoding: DependencyEncoding): RegistryFiles {
  const listed = listedPackages(packages);
  return {
    names: sealNames(repository, listed, key),
    versions: sealVersions(repository, listed, key),
    packages: new Map(listed.map((p) => [p.name, sealPackage(repository, p, key, encoding)])),
  };
}

/** The names file: packages with releases, sorted by name, with their update times. */
export function sealNames(repository: string, packages: RegistryPackage[], key: SigningKey): Buffer {
  const payload = encodeNames({
    repository,
    packages: listedPackages(packages).map((p) => (p.updatedAt ? { name: p.name, updatedAt: p.updatedAt } : { name: p.name })),
  });
  return sealRegistryResource(payload, key);
}

/** The versions file: each package's versions ascending, with the indexes of the retired ones and of those with advisories. */
export function sealVersions(repository: string, packages: RegistryPackage[], key: SigningKey): Buffer {
  const payload = encodeVersions({
    repository,
    packages: listedPackages(packages).map((p) => {
      const releases = ascending(p.releases);
      return {
        name: p.name,
        versions: releases.map((r) => r.version),
        retired: releases.flatMap((r, index) => (r.retired ? [index] : [])),
        withAdvisories: releases.flatMap((r, index) => (r.advisoryIndexes?.length ? [index] : [])),
      };
    }),
  });
  return sealRegistryResource(payload, key);
}

export function sealPackage(repository: string, pkg: RegistryPackage, key: SigningKey, encoding: DependencyEncoding): Buffer {
  const payload = encodePackage(
    {
      name: pkg.name,
      repository,
      advisories: pkg.advisories ?? [],
      releases: ascending(pkg.releases).map((release) => ({
        version: release.version,
        innerChecksum: release.innerChecksum,
        outerChecksum: release.outerChecksum,
        dependencies: encoding === 'mix' ? byPackageName(release.dependencies) : hexpmOrder(repository, release.dependencies),
        retired: release.retired,
        advisoryIndexes: release.advisoryIndexes ?? [],
        publishedAt: release.publishedAt,
      })),
    },
    encoding,
  );
  return sealRegistryResource(payload, key);
}

// A package whose releases were all reverted has no entry in names or versions.
function listedPackages(packages: RegistryPackage[]): RegistryPackage[] {
  return packages.filter((p) => p.releases.length > 0).sort((a, b) => byteOrder(a.name, b.name));
}

/**
 * Ascending by Version.compare. Releases that compare equal (build metadata differs, or the
 * same version twice) come out in reverse input order, as Erlang's lists:sort/2 leaves them
 * with mix's strict `:lt` comparison.
 */
function ascending(releases: RegistryRelease[]): RegistryRelease[] {
  return releases
    .map((release, index) => ({ release, index }))
    .sort((a, b) => compareVersions(a.release.version, b.release.version) || b.index - a.index)
    .map(({ release }) => release);
}

function byPackageName(dependencies: RegistryDependency[]): Dependency[] {
  return [...dependencies].sort((a, b) => byteOrder(a.package, b.package));
}

// hexpm sorts [repository, package, requirement, optional, app] in Erlang term order.
function hexpmOrder(repository: string, dependencies: RegistryDependency[]): Dependency[] {
  const key = (d: RegistryDependency) => [d.repository ?? repository, d.package, d.requirement, d.optional ? 'true' : 'false', d.app ?? d.package];
  return [...dependencies].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return byteOrder(x[i]!, y[i]!);
    return 0;
  });
}

/** Erlang compares binaries byte by byte: UTF-8 order, not UTF-16 code unit order. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
