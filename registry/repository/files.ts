// The signed registry files the test registry serves (`names`, `versions`, `packages/<name>`),
// built from a plain model by the shared builder (src/repository/registry-builder.ts) with
// hexpm's encoding, as Hexpm.Repository.RegistryBuilder builds them.

import { generateKeyPairSync } from 'node:crypto';
import { dateToTimestamp, type AdvisorySeverity, type RetirementReason, type SecurityAdvisory } from '../../src/repository/protobuf.js';
import { sealNames, sealPackage, sealVersions, type RegistryPackage } from '../../src/repository/registry-builder.js';

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
  /** Ids of the package's advisories that affect this release. */
  advisoryIds?: string[];
}

export interface RepoAdvisory {
  id: string;
  summary: string;
  cvssRating: AdvisorySeverity | null;
  cvssScore: number | null;
  aliases: string[];
}

export interface RepoPackage {
  name: string;
  updatedAt: Date;
  releases: RepoRelease[];
  advisories?: RepoAdvisory[];
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

// hexpm (RegistryBuilder.build_package): the package's advisories ordered by id, each linking
// to OSV; a release lists the indexes of those that affect it.
function registryPackage(pkg: RepoPackage): RegistryPackage {
  const advisories = [...(pkg.advisories ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const index = new Map(advisories.map((a, i) => [a.id, i]));
  return {
    name: pkg.name,
    updatedAt: dateToTimestamp(pkg.updatedAt),
    releases: pkg.releases.map(({ advisoryIds, ...r }) => ({
      ...r,
      publishedAt: r.publishedAt && dateToTimestamp(r.publishedAt),
      advisoryIndexes: (advisoryIds ?? []).flatMap((id) => (index.has(id) ? [index.get(id)!] : [])).sort((a, b) => a - b),
    })),
    advisories: advisories.map(registryAdvisory),
  };
}

function registryAdvisory(a: RepoAdvisory): SecurityAdvisory {
  const advisory: SecurityAdvisory = {
    id: a.id,
    summary: a.summary,
    htmlUrl: `https://osv.dev/vulnerability/${encodeURI(a.id)}`,
    apiUrl: `https://api.osv.dev/v1/vulns/${encodeURI(a.id)}`,
    aliases: a.aliases,
  };
  if (a.cvssScore !== null) advisory.cvssScore = a.cvssScore;
  if (a.cvssRating !== null) advisory.severity = a.cvssRating;
  return advisory;
}

// hexpm's encoding: packages sorted by name, versions ascending, dependencies sorted
// [repository, package, requirement, optional, app] and written without their defaults.
export function buildNames(repository: string, packages: RepoPackage[], privateKeyPem: string): Buffer {
  return sealNames(repository, packages.map(registryPackage), privateKeyPem);
}

export function buildVersions(repository: string, packages: RepoPackage[], privateKeyPem: string): Buffer {
  return sealVersions(repository, packages.map(registryPackage), privateKeyPem);
}

export function buildPackage(repository: string, pkg: RepoPackage, privateKeyPem: string): Buffer {
  return sealPackage(repository, registryPackage(pkg), privateKeyPem, 'hexpm');
}
