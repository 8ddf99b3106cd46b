// A static repository: a directory a web server (or S3) serves as a Hex repository, built as
// `mix hex.registry build PUBLIC_DIR --name NAME --private-key KEY` builds it (Hex 2.5.1,
// lib/mix/tasks/hex.registry.ex), byte for byte:
//
// * PUBLIC_DIR/tarballs/*.tar (no dotfiles, sorted) are the releases; a release's package is
//   the file name up to its first `-` (or `.tar`), its version, checksums and dependencies come
//   from the tarball. A package's updated_at is its newest tarball's mtime, whole seconds.
// * Written in this order, each announced as `* creating PATH` or `* updating PATH` with PATH
//   as mix prints it (PUBLIC_DIR as given, then `/names`): public_key (only when it differs
//   from the key's public half; mix's PKCS#1 PEM), the tarballs directory (only when
//   missing), every packages/NAME, `* removing` the packages/NAME left without a tarball,
//   then names and versions. Every file is rewritten at every build.
//
// Beyond mix: everything is read and checked before anything is written (mix stops halfway
// at a bad tarball); files are replaced atomically, so a server never serves half of one;
// retirements live in PUBLIC_DIR/retirements.json (mix has nowhere to keep them) and go into
// versions and packages/NAME; `publishToDirectory`, `retireInDirectory` and
// `unretireInDirectory` change the directory and rebuild it.

import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { RegistrySigningKey } from '../credentials/registry-key.js';
import { TRUE, type Term } from '../erlang/term.js';
import { CliError } from '../errors.js';
import { TarballError } from '../package/tar/error.js';
import { field, requirementTerms, RequirementsShapeError } from '../package/requirements-terms.js';
import { unpackPackageTarball } from '../package/unpack.js';
import { writeFailure } from '../util/fs-errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { withLock } from '../util/lock.js';
import { RETIREMENT_REASONS, decodeNames, decodeSigned, type RetirementReason, type RetirementStatus } from './protobuf.js';
import { buildRegistryFiles, byteOrder, type RegistryDependency, type RegistryPackage, type RegistryRelease } from './registry-builder.js';
import { isValidVersion } from './requirement.js';
import { verifyPayload } from './signing.js';

export const RETIREMENTS_FILE = 'retirements.json';

/** What a build did to one file, in mix's words (changeLine). */
export interface FileChange {
  /** `replacing`: the public key there was another key's; mix says so, then `updating`. */
  action: 'creating' | 'updating' | 'removing' | 'replacing';
  /** As mix prints it: PUBLIC_DIR as given, then `/names`, `/packages/foo`… */
  path: string;
}

export function changeLine(change: FileChange): string {
  if (change.action === 'replacing') return `* public key at ${change.path} does not match private key, overwriting`;
  return `* ${change.action} ${change.path}`;
}

export interface StaticDirectory {
  /** Where relative paths start (the command's working directory). */
  cwd: string;
  /** PUBLIC_DIR as the user wrote it. */
  dir: string;
  key: RegistrySigningKey;
  /** Each change as it is made. */
  onChange?: (change: FileChange) => void;
  /** Something in the directory that clients will trip over (a misnamed tarball…). */
  onWarning?: (message: string) => void;
}

export interface StaticBuild {
  repository: string;
  packages: Array<{ name: string; versions: string[] }>;
  changes: FileChange[];
}

/** `mix hex.registry build DIR --name REPOSITORY`, plus the retirements of retirements.json. */
export async function buildStaticRepository(target: StaticDirectory, repository: string): Promise<StaticBuild> {
  const root = resolve(target.cwd, target.dir);
  await makeDirectory(root, target.dir);
  return withLock(join(root, '.hexts-build.lock'), () => build(target, repository), { what: `build the repository in ${target.dir}`, waitMs: 60_000 });
}

async function build(target: StaticDirectory, repository: string): Promise<StaticBuild> {
  const root = resolve(target.cwd, target.dir);
  const warn = target.onWarning ?? (() => {});
  const groups = await readReleases(target, repository);
  const retirements = await readRetirements(root, target.dir);
  applyRetirements(groups, retirements, warn);
  const packages: RegistryPackage[] = [...groups.values()].map((g) => ({ name: g.name, updatedAt: g.updatedAt, releases: g.releases.map((r) => r.release) }));
  const files = buildRegistryFiles(repository, packages, target.key.privateKey, 'mix');

  const changes: FileChange[] = [];
  const change = (action: FileChange['action'], path: string) => {
    changes.push({ action, path });
    target.onChange?.({ action, path });
  };
  const shown = (name: string) => `${target.dir}/${name}`;
  const write = async (name: string, data: Uint8Array) => {
    const path = join(root, name);
    change((await exists(path)) ? 'updating' : 'creating', shown(name));
    await writeFileAtomic(path, data, { mode: 'public', shown: shown(name) });
  };

  const current = await readFile(join(root, 'public_key'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw writeFailure('read', shown('public_key'), err);
  });
  if (current !== target.key.publicKeyPem) {
    if (current !== undefined) change('replacing', shown('public_key'));
    await write('public_key', Buffer.from(target.key.publicKeyPem));
  }
  const tarballs = join(root, 'tarballs');
  if (!(await isDirectory(tarballs))) {
    change('creating', joinShown(target.dir, 'tarballs'));
    await makeDirectory(tarballs, joinShown(target.dir, 'tarballs'));
  }
  for (const [name, file] of files.packages) await write(`packages/${name}`, file);
  for (const stale of await listDirectory(join(root, 'packages'), shown('packages'))) {
    if (groups.has(stale)) continue;
    change('removing', shown(`packages/${stale}`));
    await unlink(join(root, 'packages', stale)).catch((err: unknown) => {
      throw writeFailure('remove', shown(`packages/${stale}`), err);
    });
  }
  await write('names', files.names);
  await write('versions', files.versions);
  const listed = [...groups.values()].sort((a, b) => byteOrder(a.name, b.name));
  return { repository, packages: listed.map((g) => ({ name: g.name, versions: g.releases.map((r) => r.release.version) })), changes };
}

// ------------------------------------------------------------------ reading the tarballs

interface ReadRelease {
  file: string;
  release: RegistryRelease;
}

interface PackageGroup {
  name: string;
  updatedAt: { seconds: number; nanos: number };
  releases: ReadRelease[];
}

/** mix's grouping: `foo-1.0.0.tar` → foo (String.split on "-" and ".tar", first part). */
export function packageNameOfTarball(file: string): string | undefined {
  return file.split(/-|\.tar/).find((part) => part !== '');
}

async function readReleases(target: StaticDirectory, repository: string): Promise<Map<string, PackageGroup>> {
  const dir = join(resolve(target.cwd, target.dir), 'tarballs');
  const shownDir = joinShown(target.dir, 'tarballs');
  const files = (await listDirectory(dir, shownDir)).filter((file) => file.endsWith('.tar'));
  const groups = new Map<string, PackageGroup>();
  for (const file of files) {
    const shown = `${shownDir}/${file}`;
    const name = packageNameOfTarball(file);
    if (name === undefined) throw new CliError(`${shown}: the file name names no package`, 'Name tarballs NAME-VERSION.tar, as `hexts build` writes them.');
    const path = join(dir, file);
    const { metadataName, release } = await readReleaseTarball(path, shown, repository);
    if (file !== `${name}-${release.version}.tar`) {
      target.onWarning?.(
        `${shown} holds ${metadataName ?? '(no name)'} ${release.version} but is listed as ${name} ${release.version} (as with mix, the package name comes from the file name), which clients download from ${shownDir}/${name}-${release.version}.tar: rename the file to ${metadataName ?? name}-${release.version}.tar`,
      );
    }
    const seconds = await mtimeSeconds(path, shown);
    const group = groups.get(name) ?? { name, updatedAt: { seconds, nanos: 0 }, releases: [] };
    group.updatedAt = { seconds: Math.max(group.updatedAt.seconds, seconds), nanos: 0 };
    const twin = group.releases.find((r) => r.release.version === release.version);
    if (twin) target.onWarning?.(`${shownDir}/${twin.file} and ${shown} both hold ${name} ${release.version}: clients see two releases of that version; remove one`);
    group.releases.push({ file, release });
    groups.set(name, group);
  }
  return groups;
}

/** One tarball as a release record of `repository`, by mix's rules (build_release/2). */
async function readReleaseTarball(path: string, shown: string, repository: string): Promise<{ metadataName?: string; release: RegistryRelease }> {
  const fix = 'Remove it from the tarballs directory, or replace it with a package tarball (`hexts build` or `mix hex.build` make them).';
  let unpacked;
  try {
    unpacked = await unpackPackageTarball(path);
  } catch (err) {
    if (err instanceof TarballError) throw new CliError(`${shown} is not a valid package tarball: ${err.message}`, fix);
    throw err;
  }
  const meta = new Map<string, Term>();
  for (const [key, value] of unpacked.metadata) {
    const name = text(key);
    if (name !== undefined) meta.set(name, value);
  }
  const version = text(meta.get('version'));
  if (version === undefined || !isValidVersion(version)) throw new CliError(`${shown} has no valid version in its metadata`, fix);
  let dependencies: RegistryDependency[];
  try {
    dependencies = readRequirements(meta.get('requirements'), repository);
  } catch (err) {
    if (err instanceof RequirementsShapeError) throw new CliError(`${shown} has unreadable requirements in its metadata: ${err.message}`, fix);
    throw err;
  }
  return {
    metadataName: text(meta.get('name')),
    release: {
      version,
      innerChecksum: Buffer.from(unpacked.innerChecksum, 'hex'),
      outerChecksum: Buffer.from(unpacked.outerChecksum, 'hex'),
      dependencies,
    },
  };
}

/**
 * metadata.config's requirements as hex_core's unpack normalizes them (requirementTerms), then
 * mix's record of each: `app` (the package name when absent, where mix stops), `optional`
 * only `true` counting, `repository` only when it is not the one being built.
 */
function readRequirements(value: Term | undefined, repository: string): RegistryDependency[] {
  return requirementTerms(value ?? []).map(({ name: nameTerm, fields }) => {
    const name = text(nameTerm)!;
    const requirement = text(field(fields, 'requirement'));
    if (requirement === undefined) throw new RequirementsShapeError(`dependency ${name} has no requirement`);
    const depRepository = text(field(fields, 'repository'));
    return {
      package: name,
      requirement,
      optional: field(fields, 'optional') === TRUE,
      app: text(field(fields, 'app')) ?? name,
      ...(depRepository !== undefined && depRepository !== repository ? { repository: depRepository } : {}),
    };
  });
}

function text(term: Term | undefined): string | undefined {
  return term instanceof Uint8Array ? Buffer.from(term).toString('utf8') : undefined;
}

/** File.stat's mtime in whole seconds (UTC). */
async function mtimeSeconds(path: string, shown: string): Promise<number> {
  const { mtimeNs } = await stat(path, { bigint: true }).catch((err: unknown) => {
    throw writeFailure('read', shown, err);
  });
  const seconds = mtimeNs / 1_000_000_000n;
  return Number(mtimeNs < 0n && seconds * 1_000_000_000n !== mtimeNs ? seconds - 1n : seconds);
}

// ------------------------------------------------------------------ retirements.json

/** { "PACKAGE": { "VERSION": { "reason": "security", "message": "…" } } } */
export type Retirements = Map<string, Map<string, RetirementStatus>>;

async function readRetirements(root: string, shownDir: string): Promise<Retirements> {
  const shown = `${shownDir}/${RETIREMENTS_FILE}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(root, RETIREMENTS_FILE), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    if (err instanceof SyntaxError) throw new CliError(`${shown} is not valid JSON: ${err.message}`, `Fix it, or remove it to drop every retirement.`);
    throw writeFailure('read', shown, err);
  }
  const bad = (what: string) => new CliError(`${shown}: ${what}`, 'It maps package → version → {"reason": "security", "message": "…"}; `hexts retire … --to-dir` writes it.');
  const retirements: Retirements = new Map();
  if (!isObject(parsed)) throw bad('expected an object of packages');
  for (const [name, versions] of Object.entries(parsed)) {
    if (!isObject(versions)) throw bad(`${name}: expected an object of versions`);
    const byVersion = new Map<string, RetirementStatus>();
    for (const [version, status] of Object.entries(versions)) {
      if (!isObject(status) || !RETIREMENT_REASONS.includes(status.reason as RetirementReason)) {
        throw bad(`${name} ${version}: "reason" must be one of ${RETIREMENT_REASONS.join(', ')}`);
      }
      if (status.message !== undefined && typeof status.message !== 'string') throw bad(`${name} ${version}: "message" must be a string`);
      byVersion.set(version, status.message === undefined ? { reason: status.reason as RetirementReason } : { reason: status.reason as RetirementReason, message: status.message });
    }
    retirements.set(name, byVersion);
  }
  return retirements;
}

async function writeRetirements(root: string, shownDir: string, retirements: Retirements): Promise<void> {
  const object: Record<string, Record<string, RetirementStatus>> = {};
  for (const name of [...retirements.keys()].sort(byteOrder)) {
    const versions = retirements.get(name)!;
    if (versions.size > 0) object[name] = Object.fromEntries([...versions].sort(([a], [b]) => byteOrder(a, b)));
  }
  await writeFileAtomic(join(root, RETIREMENTS_FILE), `${JSON.stringify(object, null, 2)}\n`, { mode: 'public', shown: `${shownDir}/${RETIREMENTS_FILE}` });
}

function applyRetirements(groups: Map<string, PackageGroup>, retirements: Retirements, warn: (message: string) => void): void {
  for (const [name, versions] of retirements) {
    for (const [version, status] of versions) {
      const releases = groups.get(name)?.releases.filter((r) => r.release.version === version) ?? [];
      if (releases.length === 0) warn(`${RETIREMENTS_FILE} retires ${name} ${version}, which has no tarball: ignored`);
      for (const r of releases) r.release.retired = status;
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ------------------------------------------------------------------ changing the directory

/** The repository name the directory's `names` file was signed for, checked with the key. */
export async function repositoryOf(target: StaticDirectory): Promise<string> {
  const root = resolve(target.cwd, target.dir);
  const shown = `${target.dir}/names`;
  const noRegistry = () =>
    new CliError(`${target.dir} holds no repository yet (no ${shown})`, `Build it once, naming it: \`hexts registry build ${target.dir} --name NAME --private-key KEY\`.`);
  let gzipped: Buffer;
  try {
    gzipped = await readFile(join(root, 'names'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw noRegistry();
    throw writeFailure('read', shown, err);
  }
  try {
    const signed = decodeSigned(gunzipSync(gzipped));
    if (signed.signature && verifyPayload(signed.payload, signed.signature, target.key.publicKeyPem)) return decodeNames(signed.payload).repository;
  } catch {
    throw new CliError(`${shown} is not a registry file`, `Rebuild the repository: \`hexts registry build ${target.dir} --name NAME --private-key KEY\`.`);
  }
  throw new CliError(`${shown} is not signed by this private key`, 'Give the key the repository was built with, or rebuild it with this key (clients must then be given the new public key).');
}

export interface Published extends StaticBuild {
  name: string;
  version: string;
  /** As shown: DIR/tarballs/NAME-VERSION.tar. */
  tarball: string;
  /** False when that very tarball was already there. */
  copied: boolean;
}

/**
 * Copies a package tarball into DIR/tarballs/NAME-VERSION.tar and rebuilds the repository.
 * A different tarball of that release is replaced only with `replace` (clients that fetched
 * the old one then fail its checksum).
 */
export async function publishToDirectory(target: StaticDirectory, tarball: Uint8Array, options: { replace?: boolean } = {}): Promise<Published> {
  let unpacked;
  try {
    unpacked = await unpackPackageTarball(tarball, { output: 'none' });
  } catch (err) {
    if (err instanceof TarballError) throw new CliError(`not a valid package tarball: ${err.message}`);
    throw err;
  }
  const meta = new Map(unpacked.metadata.map(([key, value]) => [text(key), value]));
  const name = text(meta.get('name'));
  const version = text(meta.get('version'));
  if (name === undefined || !/^[a-z][A-Za-z0-9_]*$/.test(name)) throw new CliError(`the tarball's package name ${JSON.stringify(name ?? null)} is not a valid Hex package name`);
  if (version === undefined || !isValidVersion(version)) throw new CliError(`the tarball's version ${JSON.stringify(version ?? null)} is not a valid version`);

  return changeDirectory(target, async (root, repository) => {
    const file = `${name}-${version}.tar`;
    const shown = `${joinShown(target.dir, 'tarballs')}/${file}`;
    const path = join(root, 'tarballs', file);
    const existing = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw writeFailure('read', shown, err);
    });
    const copied = !existing?.equals(tarball);
    if (existing && copied && !options.replace) {
      throw new CliError(
        `${shown} already exists with different contents: ${name} ${version} is already published in ${repository}`,
        'Publish a new version, or pass --replace to overwrite it (clients that already fetched it will then fail its checksum).',
      );
    }
    if (copied) await writeFileAtomic(path, tarball, { mode: 'public', shown });
    return { name, version, tarball: shown, copied, ...(await build(target, repository)) };
  });
}

/** Retires NAME VERSION in the directory's retirements.json and rebuilds. */
export function retireInDirectory(target: StaticDirectory, name: string, version: string, status: RetirementStatus): Promise<StaticBuild> {
  return changeRetirement(target, name, version, status);
}

/** Removes NAME VERSION's retirement and rebuilds; `wasRetired` says whether it had one. */
export function unretireInDirectory(target: StaticDirectory, name: string, version: string): Promise<StaticBuild & { wasRetired: boolean }> {
  return changeRetirement(target, name, version, undefined);
}

async function changeRetirement(target: StaticDirectory, name: string, version: string, status: RetirementStatus | undefined): Promise<StaticBuild & { wasRetired: boolean }> {
  return changeDirectory(target, async (root, repository) => {
    const groups = await readReleases({ ...target, onWarning: undefined }, repository);
    if (!groups.get(name)?.releases.some((r) => r.release.version === version)) {
      const known = groups.get(name)?.releases.map((r) => r.release.version);
      throw new CliError(
        `${repository} in ${target.dir} has no release ${name} ${version}`,
        known ? `Its releases of ${name}: ${known.join(', ')}.` : `It has no package ${name}.`,
      );
    }
    const retirements = await readRetirements(root, target.dir);
    const versions = retirements.get(name) ?? new Map<string, RetirementStatus>();
    const wasRetired = versions.has(version);
    if (status) versions.set(version, status);
    else versions.delete(version);
    retirements.set(name, versions);
    await writeRetirements(root, target.dir, retirements);
    return { wasRetired, ...(await build(target, repository)) };
  });
}

/** Runs `work` holding the directory's lock, with the repository name its names file was signed for. */
async function changeDirectory<T>(target: StaticDirectory, work: (root: string, repository: string) => Promise<T>): Promise<T> {
  const root = resolve(target.cwd, target.dir);
  const repository = await repositoryOf(target);
  return withLock(join(root, '.hexts-build.lock'), () => work(root, repository), { what: `change the repository in ${target.dir}`, waitMs: 60_000 });
}

// ------------------------------------------------------------------ files

/** Elixir's Path.join(dir, name) as mix prints the tarballs directory: one trailing `/` dropped. */
function joinShown(dir: string, name: string): string {
  return dir === '' ? name : `${dir.replace(/\/$/, '')}/${name}`;
}

/** The entries of `dir` that a `*` wildcard matches (no dotfiles), sorted by bytes; none when it is missing. */
async function listDirectory(dir: string, shownDir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => !name.startsWith('.')).sort(byteOrder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw writeFailure('read', shownDir, err);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function makeDirectory(path: string, shown: string): Promise<void> {
  await mkdir(path, { recursive: true }).catch((err: unknown) => {
    throw writeFailure('create', shown, err);
  });
}

