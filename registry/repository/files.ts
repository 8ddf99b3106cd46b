// The signed registry files the test registry serves (`names`, `versions`, `packages/<name>`),
// built from a plain model by the shared builder (src/repository/registry-builder.ts) with
// hexpm's encoding, as Hexpm.Repository.RegistryBuilder builds them.

import { generateKeyPairSync } from 'node:crypto';
import { dateToTimestamp, type RetirementReason } from '../../src/repository/protobuf.js';
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

function registryPackage(pkg: RepoPackage): RegistryPackage {
  return {
    name: pkg.name,
    updatedAt: dateToTimestamp(pkg.updatedAt),
    releases: pkg.releases.map((r) => ({ ...r, publishedAt: r.publishedAt && dateToTimestamp(r.publishedAt) })),
  };
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
