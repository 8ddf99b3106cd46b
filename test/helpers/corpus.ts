// The reference corpus: Mix projects and what the real `mix hex.build` (Hex 2.5.1) made of
// them, in test/fixtures/corpus/<case>/{project,expected} (from the shared corpus, refs/tiny,
// refs/fancy and refs/build-variants). One loader for every test that uses it.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = fileURLToPath(new URL('../fixtures/corpus/', import.meta.url));
/** The mix.exs constructs set (shared/hex/mixexs-constructs): the same layout, one construct each. */
export const CONSTRUCTS_DIR = fileURLToPath(new URL('../fixtures/mixexs-constructs/', import.meta.url));

/** expected/case.json: the parts tests read. */
export interface CaseInfo {
  case: string;
  outcome: string;
  tarball?: string | null;
  outer_sha256?: string | null;
  inner_checksum?: string | null;
  /** What a git checkout loses and copyProject puts back. */
  needs_empty_dirs: string[];
  needs_symlinks: unknown[];
  needs_non_0644_perms: Array<{ path: string; perm: string }>;
  /** The toolchain and MIX_ENV mix ran with, where a case.json says (the constructs set). */
  elixir_version?: string;
  otp_release?: string;
  mix_env?: string;
}

/** One `mix hex.build` run, byte for byte. */
export interface MixRun {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface CorpusCase {
  name: string;
  /** The fixture project; copy it with copyProject before building (modes, empty dirs). */
  projectDir: string;
  info: CaseInfo;
  build: MixRun;
  /** `mix hex.build --unpack`, where it was captured. */
  unpack: MixRun | undefined;
  /** The files list as mix printed it under "Files:"; undefined when mix stopped before. */
  files: string[] | undefined;
  metadataConfig: Buffer | undefined;
}

export interface BuiltCase extends CorpusCase {
  files: string[];
  metadataConfig: Buffer;
  tarballName: string;
  tarball: Buffer;
  outerSha256: string;
  innerChecksum: string;
  /** contents-listing.tsv rows: index, type, mode field, size, path, linkname. */
  listing: string[][];
  /** unpacked-listing.tsv rows (type, perm, size, path, sha256), where mix's --unpack was captured. */
  unpackedListing: string[][] | undefined;
}

/** Every case, sorted. */
export const caseNames = (root = CORPUS_DIR): string[] =>
  readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

/** The cases mix built (exit 0): they have the tarball and its listings. */
export const builtCaseNames = (root = CORPUS_DIR): string[] => caseNames(root).filter((name) => readRun(name, 'hex.build', root)!.exitCode === 0);

const expectedDir = (name: string, root: string) => join(root, name, 'expected');
const readOptional = (name: string, file: string, root: string) => {
  const path = join(expectedDir(name, root), file);
  return existsSync(path) ? readFileSync(path) : undefined;
};
const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const tsvRows = (text: string) => lines(text).slice(1).map((line) => line.split('\t'));

function readRun(name: string, prefix: string, root: string): MixRun | undefined {
  const exitCode = readOptional(name, `${prefix}.exitcode`, root);
  if (exitCode === undefined) return undefined;
  return {
    stdout: readOptional(name, `${prefix}.stdout`, root)!.toString('utf8'),
    stderr: readOptional(name, `${prefix}.stderr`, root)!.toString('utf8'),
    exitCode: Number(exitCode.toString('utf8').trim()),
  };
}

export function loadCase(name: string, root = CORPUS_DIR): CorpusCase {
  const build = readRun(name, 'hex.build', root)!;
  const files = /\n {2}Files:\n((?: {4}.*\n)*)/.exec(build.stdout)?.[1]!.split('\n').filter(Boolean).map((line) => line.slice(4));
  const order = readOptional(name, 'files-order.txt', root);
  if (order !== undefined && JSON.stringify(lines(order.toString('utf8'))) !== JSON.stringify(files)) {
    throw new Error(`${name}: files-order.txt disagrees with the Files: block of hex.build.stdout`);
  }
  return {
    name,
    projectDir: join(root, name, 'project'),
    info: JSON.parse(readFileSync(join(expectedDir(name, root), 'case.json'), 'utf8')),
    build,
    unpack: readRun(name, 'hex.build--unpack', root),
    files,
    metadataConfig: readOptional(name, 'metadata.config', root),
  };
}

export function loadBuiltCase(name: string, root = CORPUS_DIR): BuiltCase {
  const c = loadCase(name, root);
  if (c.build.exitCode !== 0 || !c.info.tarball || !c.files || !c.metadataConfig) throw new Error(`${name}: not a built case`);
  const read = (file: string) => readFileSync(join(expectedDir(name, root), file));
  const outerSha256 = lines(read('outer.sha256').toString('utf8'))[0]!.split(' ')[0]!;
  if (outerSha256 !== c.info.outer_sha256) throw new Error(`${name}: outer.sha256 disagrees with case.json`);
  const unpackedListing = readOptional(name, 'unpacked-listing.tsv', root);
  return {
    ...c,
    files: c.files,
    metadataConfig: c.metadataConfig,
    tarballName: c.info.tarball,
    tarball: read(c.info.tarball),
    outerSha256,
    innerChecksum: read('CHECKSUM').toString('latin1'),
    listing: tsvRows(read('contents-listing.tsv').toString('utf8')),
    unpackedListing: unpackedListing && tsvRows(unpackedListing.toString('utf8')),
  };
}

/**
 * Copies the case's project to `into`/project with the modes mix saw, whatever the checkout's
 * and the process's umask: every directory 0755, every file 0644, then the case's empty
 * directories and non-0644 permissions (git keeps neither). Returns the copy's path.
 */
export function copyProject(c: CorpusCase, into: string): string {
  // No case needs a symlink yet; one would need restoring here.
  if (c.info.needs_symlinks.length > 0) throw new Error(`${c.name}: needs_symlinks is not supported`);
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
  for (const dir of c.info.needs_empty_dirs) mkdirSync(join(root, dir), { recursive: true });
  normalize(root);
  for (const { path, perm } of c.info.needs_non_0644_perms) chmodSync(join(root, path), parseInt(perm, 8));
  return root;
}
