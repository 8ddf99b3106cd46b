// The signed registry files the test registry serves (`names`, `versions`, `packages/<name>`),
// built from a plain model the way hexpm's Hexpm.Repository.RegistryBuilder builds them:
// packages sorted by name, versions ascending, dependencies sorted, published packages only.

import { generateKeyPairSync } from 'node:crypto';
import { compareVersions } from '../../src/repository/requirement.js';
import {
  dateToTimestamp,
  encodeNames,
  encodePackage,
  encodeVersions,
  type Dependency,
  type RetirementReason,
} from '../../src/repository/protobuf.js';
import { sealRegistryResource } from '../../src/repository/signing.js';

export interface RepoDependency {
  package: string;
  requirement: string;
  optional?: boolean;
  /** The OTP application, when it is not named like the package. */
  app?: string;
  /** The dependency's repository, when it is not the one being built. */
  repository?: string;
}

export interface RepoRelease {
  version: string;
  innerChecksum: Buffer;
  outerChecksum: Buffer;
  dependencies: RepoDependency[];
  retired?: { reason: RetirementReason; message?: string };
  publishedAt?: Date;
}

export interface RepoPackage {
  name: string;
  updatedAt: Date;
  releases: RepoRelease[];
}

export function generateRepositoryKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  // PKCS#1 for the private key as hexpm's config holds it; SPKI ("BEGIN PUBLIC KEY") for the
  // public key as repo.hex.pm serves /public_key.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

// A package whose releases were all reverted has no entry in names or versions.
function published(packages: RepoPackage[]): RepoPackage[] {
  return packages.filter((p) => p.releases.length > 0).sort((a, b) => byteOrder(a.name, b.name));
}

function ascending(releases: RepoRelease[]): RepoRelease[] {
  return [...releases].sort((a, b) => compareVersions(a.version, b.version));
}

export function buildNames(repository: string, packages: RepoPackage[], privateKeyPem: string): Buffer {
  const payload = encodeNames({
    repository,
    packages: published(packages).map((p) => ({ name: p.name, updatedAt: dateToTimestamp(p.updatedAt) })),
  });
  return sealRegistryResource(payload, privateKeyPem);
}

export function buildVersions(repository: string, packages: RepoPackage[], privateKeyPem: string): Buffer {
  const payload = encodeVersions({
    repository,
    packages: published(packages).map((p) => {
      const releases = ascending(p.releases);
      return {
        name: p.name,
        versions: releases.map((r) => r.version),
        retired: releases.flatMap((r, index) => (r.retired ? [index] : [])),
        withAdvisories: [],
      };
    }),
  });
  return sealRegistryResource(payload, privateKeyPem);
}

export function buildPackage(repository: string, pkg: RepoPackage, privateKeyPem: string): Buffer {
  const payload = encodePackage({
    name: pkg.name,
    repository,
    advisories: [],
    releases: ascending(pkg.releases).map((release) => ({
      version: release.version,
      innerChecksum: release.innerChecksum,
      outerChecksum: release.outerChecksum,
      dependencies: sortDependencies(repository, release.dependencies),
      retired: release.retired && { reason: release.retired.reason, message: release.retired.message },
      advisoryIndexes: [],
      publishedAt: release.publishedAt && dateToTimestamp(release.publishedAt),
    })),
  });
  return sealRegistryResource(payload, privateKeyPem);
}

// hexpm sorts [repository, package, requirement, optional, app] in Erlang term order;
// encodePackage then leaves out what equals the defaults.
function sortDependencies(repository: string, dependencies: RepoDependency[]): Dependency[] {
  const key = (d: RepoDependency) => [d.repository ?? repository, d.package, d.requirement, d.optional ? 'true' : 'false', d.app ?? d.package];
  return [...dependencies].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return byteOrder(x[i]!, y[i]!);
    return 0;
  });
}

// Erlang compares binaries byte by byte: UTF-8 order, not UTF-16 code unit order.
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
