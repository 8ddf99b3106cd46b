// `hexts verify`'s core: a release tarball (already checked against the signed registry) and a
// source tree → is the release what that source builds, and if not, where do they part.
//
// The source is read as `mix hex.build` reads it, but two things mix takes from the machine it
// ran on are taken from the release instead: the order of the entries of each directory walked
// (mix uses raw readdir order, tarball.md §3) and the order of metadata.config's keys (maps:to_list
// order, atom-index order on OTP 26+, §5). Neither says anything about the contents, and without
// them a release built elsewhere could never match.
import { existsSync, readdirSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import { prettyPrint } from '../erlang/pretty.js';
import { Tuple, termEquals, type Term } from '../erlang/term.js';
import { CliError } from '../errors.js';
import type { Assumptions } from '../elixir/runtime.js';
import { diffLines } from '../diff/lines.js';
import { asText } from '../diff/trees.js';
import { unifiedHunks, type Hunk } from '../diff/unified.js';
import { compareBytes } from './files.js';
import type { MetadataOrder } from './metadata.js';
import { preparePackage, type PreparedPackage } from './project.js';
import { createProjectTarball } from './tarball.js';
import { unpackPackageTarball, type UnpackedEntry, type UnpackedPackage } from './unpack.js';

export interface VerifyOptions {
  /** The project directory (mix.exs). */
  source: string;
  /** The release as NAME and VERSION: the source must be at this one. */
  name: string;
  version: string;
  /** Environment seen by System.get_env in mix.exs. */
  env: Readonly<Record<string, string | undefined>>;
  assumptions: Assumptions;
}

export type FileStatus = 'only_in_release' | 'only_in_source' | 'content' | 'mode' | 'type' | 'order';

export interface FileDifference {
  path: string;
  status: FileStatus;
  /** git's modes (100644, 100755, 120000, 40755) of each side; null where the entry is missing. */
  releaseMode: string | null;
  sourceMode: string | null;
  /** content: whether either side is not text (then there are no hunks). */
  binary: boolean;
  releaseSize: number | null;
  sourceSize: number | null;
  /** content of text files (a symlink's target counts as its text). */
  hunks: Hunk[];
  /** order: the entry's position in each archive. */
  releaseIndex: number | null;
  sourceIndex: number | null;
}

export interface MetadataDifference {
  key: string;
  /** The value printed as an Erlang term, as in metadata.config; null where the key is missing. */
  release: string | null;
  source: string | null;
}

export type FirstDifference =
  | { member: 'metadata.config'; key: string | null; detail: 'value' | 'only_in_release' | 'only_in_source' | 'order' | 'printing' }
  | { member: 'contents.tar.gz'; index: number; release: string | null; source: string | null; detail: 'path' | 'content' | 'mode' | 'type' }
  | { member: 'contents.tar.gz'; index: null; release: null; source: null; detail: 'compression' }
  | { member: 'outer tar'; detail: 'headers' };

export interface VerifyReport {
  match: boolean;
  releaseChecksum: string;
  sourceChecksum: string;
  firstDifference: FirstDifference | null;
  files: FileDifference[];
  metadata: MetadataDifference[];
  /** What reading mix.exs took from the stated toolchain and environment, and what it printed. */
  prepared: PreparedPackage;
}

/** The project directory, resolved; an error when it has no mix.exs (worth saying before anything is downloaded). */
export function requireMixExs(dir: string): string {
  const source = resolve(dir);
  if (!existsSync(join(source, 'mix.exs'))) {
    throw new CliError(`no mix.exs in ${source}`, 'Run hexts verify in the project\'s directory (a checkout of the release\'s tag), or name it with --source DIR.');
  }
  return source;
}

export async function verifyRelease(releaseTarball: Buffer, options: VerifyOptions): Promise<VerifyReport> {
  const source = requireMixExs(options.source);
  const release = await unpackPackageTarball(releaseTarball, { output: 'memory' });
  const prepared = await preparePackage(source, {
    env: options.env,
    assumptions: options.assumptions,
    listDir: listDirInReleaseOrder(source, releaseFileOrder(release)),
    metadataOrder: releaseMetadataOrder(release.metadata),
  });
  if (prepared.name !== options.name || prepared.version !== options.version) {
    // Another package or version: nothing is worth comparing.
    throw new CliError(
      `source is ${prepared.name} ${prepared.version}, release is ${options.name} ${options.version}`,
      prepared.name === options.name ? 'Check out the release\'s tag (git checkout v' + options.version + '), or verify the version the source is at.' : 'Point --source at the project of ' + options.name + '.',
    );
  }
  const built = await createProjectTarball(prepared, source);
  const report = { releaseChecksum: release.outerChecksum, sourceChecksum: built.outerChecksum, prepared };
  if (built.outerChecksum === release.outerChecksum) return { ...report, match: true, firstDifference: null, files: [], metadata: [] };

  const rebuilt = await unpackPackageTarball(built.tarball!, { output: 'memory' });
  const metadata = compareMetadata(release.metadata, rebuilt.metadata);
  const files = compareContents(release.contents!, rebuilt.contents!);
  return { ...report, match: false, firstDifference: firstDifference(release, rebuilt, metadata), files, metadata };
}

// ------------------------------------------------------------ the release's orders

/** The release's paths in package order: its metadata's `files` list, else its archive's entries. */
function releaseFileOrder(release: UnpackedPackage): string[] {
  const files = release.metadata.find(([key]) => text(key) === 'files')?.[1];
  if (Array.isArray(files) && files.every((f) => f instanceof Uint8Array)) return files.map((f) => text(f)!);
  return release.contents!.map((entry) => entry.path);
}

/**
 * A directory's entries in the order the release lists them (mix walked that directory in its
 * machine's readdir order), then those the release does not have, sorted, as hexts lists them.
 */
export function listDirInReleaseOrder(root: string, releaseFiles: readonly string[]): (absoluteDir: string) => string[] {
  const children = new Map<string, Set<string>>(); // a Set keeps its insertion order
  for (const path of releaseFiles) {
    const parent = posix.dirname(path);
    const names = children.get(parent) ?? new Set<string>();
    names.add(posix.basename(path));
    children.set(parent, names);
  }
  const base = resolve(root);
  return (absoluteDir) => {
    const dir = relative(base, absoluteDir).split(sep).join('/') || '.';
    const present = readdirSync(absoluteDir);
    const here = new Set(present);
    const listed = children.get(dir) ?? new Set<string>();
    return [...[...listed].filter((name) => here.has(name)), ...present.filter((name) => !listed.has(name)).sort(compareBytes)];
  };
}

/** The key order of the release's metadata.config, and of the fields of its first requirement written by mix. */
function releaseMetadataOrder(metadata: Array<[Term, Term]>): MetadataOrder {
  const keys = metadata.map(([key]) => text(key)).filter((key): key is string => key !== undefined);
  const requirements = metadata.find(([key]) => text(key) === 'requirements')?.[1];
  const first = Array.isArray(requirements) ? requirements[0] : undefined;
  const fields = Array.isArray(first) ? first.map((field) => (field instanceof Tuple ? text(field.elements[0]!) : undefined)) : [];
  const requirementKeys = fields.every((f) => f !== undefined) && fields.length > 0 ? (fields as string[]) : undefined;
  return { keys, requirementKeys };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function text(term: Term): string | undefined {
  if (!(term instanceof Uint8Array)) return undefined;
  try {
    return utf8.decode(term);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------ comparisons

/** Keys whose values differ or that one side lacks, in the release's key order, then the source's own. */
function compareMetadata(release: Array<[Term, Term]>, source: Array<[Term, Term]>): MetadataDifference[] {
  const differences: MetadataDifference[] = [];
  const find = (pairs: Array<[Term, Term]>, key: Term) => pairs.find(([k]) => termEquals(k, key))?.[1];
  const show = (value: Term | undefined) => (value === undefined ? null : prettyPrint(value));
  for (const [key, value] of release) {
    const other = find(source, key);
    if (other === undefined || !termEquals(value, other)) differences.push({ key: keyName(key), release: show(value), source: show(other) });
  }
  for (const [key, value] of source) {
    if (find(release, key) === undefined) differences.push({ key: keyName(key), release: null, source: show(value) });
  }
  return differences;
}

const keyName = (key: Term) => text(key) ?? prettyPrint(key);

const sameEntry = (a: UnpackedEntry, b: UnpackedEntry) =>
  a.path === b.path && a.type === b.type && a.mode === b.mode && a.linkname === b.linkname && bytesEqual(a.data, b.data);

const bytesEqual = (a: Buffer | undefined, b: Buffer | undefined) => (a === undefined || b === undefined ? a === b : a.equals(b));

/** git's mode notation for an archive entry's mode: 100644, 100755, 120000, 40755. */
export function gitMode(entry: UnpackedEntry): string {
  const permissions = entry.mode & 0o7777;
  if (entry.type === 'symlink') return '120000';
  if (entry.type === 'directory') return `40${permissions.toString(8).padStart(3, '0')}`;
  return `100${permissions.toString(8).padStart(3, '0')}`;
}

function compareContents(release: UnpackedEntry[], source: UnpackedEntry[]): FileDifference[] {
  const releaseIndex = new Map(release.map((entry, i) => [entry.path, i]));
  const sourceIndex = new Map(source.map((entry, i) => [entry.path, i]));
  const row = (path: string, status: FileStatus, extra: Partial<FileDifference> = {}): FileDifference => {
    const r = release[releaseIndex.get(path) ?? -1];
    const s = source[sourceIndex.get(path) ?? -1];
    return {
      path,
      status,
      releaseMode: r ? gitMode(r) : null,
      sourceMode: s ? gitMode(s) : null,
      binary: false,
      releaseSize: r?.size ?? null,
      sourceSize: s?.size ?? null,
      hunks: [],
      releaseIndex: releaseIndex.get(path) ?? null,
      sourceIndex: sourceIndex.get(path) ?? null,
      ...extra,
    };
  };
  const rows: FileDifference[] = [];
  for (const entry of release) {
    const other = source[sourceIndex.get(entry.path) ?? -1];
    if (!other) {
      rows.push(row(entry.path, 'only_in_release'));
      continue;
    }
    if (entry.type !== other.type) {
      rows.push(row(entry.path, 'type'));
      continue;
    }
    const before = entry.type === 'symlink' ? Buffer.from(entry.linkname ?? '') : entry.data;
    const after = other.type === 'symlink' ? Buffer.from(other.linkname ?? '') : other.data;
    if (!bytesEqual(before, after)) rows.push(contentRow(row(entry.path, 'content'), before, after));
    if (gitMode(entry) !== gitMode(other)) rows.push(row(entry.path, 'mode'));
  }
  for (const entry of source) if (!releaseIndex.has(entry.path)) rows.push(row(entry.path, 'only_in_source'));

  // The entries both have, in each archive's order: those off the longest common sequence moved.
  const common = release.filter((entry) => sourceIndex.has(entry.path)).map((entry) => entry.path);
  const commonInSource = source.filter((entry) => releaseIndex.has(entry.path)).map((entry) => entry.path);
  const { removed } = diffLines(common, commonInSource);
  common.forEach((path, i) => {
    if (removed[i]) rows.push(row(path, 'order'));
  });
  return rows.sort((a, b) => (a.releaseIndex ?? Infinity) - (b.releaseIndex ?? Infinity) || (a.sourceIndex ?? 0) - (b.sourceIndex ?? 0));
}

function contentRow(row: FileDifference, before: Buffer | undefined, after: Buffer | undefined): FileDifference {
  const oldText = before && asText(before);
  const newText = after && asText(after);
  if (oldText == null || newText == null) return { ...row, binary: true };
  return { ...row, hunks: unifiedHunks(oldText, newText) };
}


/**
 * Where the two tarballs part, in the outer tarball's order (VERSION, CHECKSUM, metadata.config,
 * contents.tar.gz). VERSION is always 3 and CHECKSUM is the hash of the members after it, so the
 * first difference that explains anything is in metadata.config or contents.tar.gz; when every
 * member's contents agree, the difference is in how they were packed.
 */
function firstDifference(release: UnpackedPackage, source: UnpackedPackage, metadata: MetadataDifference[]): FirstDifference {
  if (!release.metadataConfig.equals(source.metadataConfig)) {
    const first = metadata[0];
    if (first) {
      const detail = first.release === null ? 'only_in_source' : first.source === null ? 'only_in_release' : 'value';
      return { member: 'metadata.config', key: first.key, detail };
    }
    const sameOrder = release.metadata.every(([key], i) => termEquals(key, source.metadata[i]![0]));
    return { member: 'metadata.config', key: null, detail: sameOrder ? 'printing' : 'order' };
  }
  const a = release.contents!;
  const b = source.contents!;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const r = a[i];
    const s = b[i];
    if (r && s && sameEntry(r, s)) continue;
    const detail = !r || !s || r.path !== s.path ? 'path' : r.type !== s.type ? 'type' : gitMode(r) !== gitMode(s) && bytesEqual(r.data, s.data) && r.linkname === s.linkname ? 'mode' : 'content';
    return { member: 'contents.tar.gz', index: i, release: r?.path ?? null, source: s?.path ?? null, detail };
  }
  if (release.innerChecksum !== source.innerChecksum) return { member: 'contents.tar.gz', index: null, release: null, source: null, detail: 'compression' };
  return { member: 'outer tar', detail: 'headers' };
}
