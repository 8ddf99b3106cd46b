// A package tarball built elsewhere (`hexts build` or `mix hex.build` in CI), read for
// `publish --tarball`: its exact bytes, checked against the checksum that was reviewed, then
// validated with the Hex tarball reader, and its metadata turned back into what the publish
// screen shows. Nothing here needs mix.exs, a credential or the network.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Atom, ErlMap, FALSE, Tuple, type Term } from '../erlang/term.js';
import { CliError } from '../errors.js';
import { DEFAULT_REPO, META_FIELDS, toElixirString, type Meta, type Requirement } from './metadata.js';
import { field, requirementTerms, RequirementsShapeError } from './requirements-terms.js';
import { secretScanIgnores } from './secret-scan.js';
import { TarballError, tooBigCompressed } from './tar/error.js';
import { DEFAULT_LIMITS } from './tar/limits.js';
import { unpackPackageTarball } from './unpack.js';

export interface ReviewedTarball {
  /** The file as given on the command line. */
  file: string;
  /** The file's bytes: exactly what is published. */
  tarball: Buffer;
  /** SHA-256 of the whole file, lowercase hex: the "Package checksum" of `hexts build` and `mix hex.build`. */
  checksum: string;
  name: string;
  version: string;
  /** `organization` in the metadata (mix never writes it there); undefined when absent. */
  organization?: string;
  meta: Meta;
  requirements: Requirement[];
  /** Every regular file of the package, path and bytes as unpacked: what a scan of the contents reads. */
  files: Array<{ path: string; data: Buffer }>;
  /** The package's `secret_scan: [ignore: globs]`, as hex.pm reads it from the metadata. */
  secretScanIgnores: string[];
}

/**
 * Reads `file` (relative to `cwd`). With `expectedChecksum`, a file whose SHA-256 differs is
 * refused before it is even unpacked: it is not what was reviewed. Every problem is a CliError
 * naming the file.
 */
export async function readReviewedTarball(cwd: string, file: string, expectedChecksum?: string): Promise<ReviewedTarball> {
  const tarball = await readBytes(cwd, file);
  const checksum = createHash('sha256').update(tarball).digest('hex');
  if (expectedChecksum !== undefined && expectedChecksum.toLowerCase() !== checksum) {
    throw new CliError(
      `${file} is not the tarball that was reviewed: its checksum is ${checksum}, not ${expectedChecksum.toLowerCase()} (--expect-checksum)`,
      'Nothing was sent. Publish the file whose checksum `hexts build` printed, or check the value given to --expect-checksum.',
    );
  }
  let unpacked;
  try {
    unpacked = await unpackPackageTarball(tarball);
  } catch (err) {
    if (err instanceof TarballError) throw invalid(file, err.message);
    throw err;
  }
  const fields = new Map<string, Term>();
  for (const [key, value] of unpacked.metadata) {
    const name = keyName(key);
    if (name !== undefined) fields.set(name, value);
  }
  const name = textField(file, fields, 'name');
  const version = textField(file, fields, 'version');
  const organizationValue = fields.get('organization');
  const organization = organizationValue === undefined ? undefined : textField(file, fields, 'organization');

  const meta: Meta = new Map();
  for (const key of META_FIELDS) {
    const value = fields.get(key);
    // Shown as mix shows them from mix.exs, where they are maps or keyword lists.
    if (value !== undefined) meta.set(key, key === 'links' || key === 'extra' || key === 'secret_scan' ? asMap(value) : value);
  }
  const files = unpacked.contents!
    .filter((entry) => entry.type === 'file')
    .map((entry) => ({ path: entry.path, data: entry.data! }));
  return {
    file, tarball, checksum, name, version, organization, meta, files,
    secretScanIgnores: secretScanIgnores(unpacked.metadata),
    requirements: readRequirements(file, fields.get('requirements') ?? []),
  };
}

async function readBytes(cwd: string, file: string): Promise<Buffer> {
  const path = resolve(cwd, file);
  try {
    // hex_core's limit on a package tarball, checked before the file is read into memory.
    if ((await stat(path)).size > DEFAULT_LIMITS.maxSize) throw tooBigCompressed(DEFAULT_LIMITS.maxSize);
    return await readFile(path);
  } catch (err) {
    if (err instanceof TarballError) throw invalid(file, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${file} does not exist`, 'Give the path of the tarball `hexts build` wrote (NAME-VERSION.tar).');
    if (code === 'EISDIR') throw new CliError(`${file} is a directory, not a package tarball`, 'Give the path of the tarball `hexts build` wrote (NAME-VERSION.tar).');
    throw new CliError(`cannot read ${file}: ${code ?? (err as Error).message}`);
  }
}

const invalid = (file: string, problem: string) =>
  new CliError(`${file} is not a valid Hex package tarball: ${problem}`, 'Build it again with `hexts build` (or `mix hex.build`); nothing was sent.');

/** metadata.config keys: binaries as mix and rebar3 write them; atoms as older tools did. */
function keyName(key: Term): string | undefined {
  if (key instanceof Uint8Array) return Buffer.from(key).toString('utf8');
  if (key instanceof Atom) return key.name;
  return undefined;
}

function textField(file: string, fields: Map<string, Term>, key: string): string {
  const value = fields.get(key);
  const text = value === undefined ? undefined : toElixirString(value)?.toString('utf8');
  if (!text) throw invalid(file, value === undefined ? `its metadata has no ${key}` : `its metadata's ${key} is not a string`);
  return text;
}

const isPairList = (value: Term): value is Tuple[] =>
  Array.isArray(value) && value.length > 0 && value.every((e) => e instanceof Tuple && e.elements.length === 2);

/** links and extra are maps in mix.exs and lists of pairs in metadata.config: the screen shows them as maps. */
function asMap(value: Term): Term {
  if (isPairList(value)) return new ErlMap(value.map((t) => [t.elements[0]!, asMap(t.elements[1]!)]));
  if (value instanceof ErlMap) return new ErlMap(value.entries.map(([k, v]) => [k, asMap(v)]));
  return value;
}

/** The requirements as hex_core reads them (requirementTerms), as the publish screen and checks take them. */
function readRequirements(file: string, value: Term): Requirement[] {
  if (!Array.isArray(value)) throw invalid(file, 'its metadata\'s requirements are not a list');
  let terms;
  try {
    terms = requirementTerms(value);
  } catch (err) {
    if (err instanceof RequirementsShapeError) throw invalid(file, `its metadata's requirements cannot be read: ${err.message}`);
    throw err;
  }
  const text = (v: Term | undefined) => (v === undefined ? undefined : toElixirString(v)?.toString('utf8'));
  return terms.map(({ name, fields }) => {
    const requirementName = text(name);
    if (!requirementName) throw invalid(file, 'a requirement in its metadata has no name');
    return {
      name: requirementName,
      app: text(field(fields, 'app')) || requirementName,
      requirement: field(fields, 'requirement') ?? Buffer.alloc(0),
      optional: field(fields, 'optional') ?? FALSE,
      repository: text(field(fields, 'repository')) || DEFAULT_REPO,
    };
  });
}
