// Everything `hexts build` and `hexts publish` need to know about the package in a project
// directory, computed from mix.exs the way `mix hex.build` (Hex 2.5) does it.
import { Atom, ErlMap, Tuple, binary, type Term } from '../erlang/term.js';
import { trimWhitespace } from '../elixir/chars.js';
import { ElixirException } from '../elixir/errors.js';
import { inspect } from '../elixir/inspect.js';
import { readMixProject, type ProjectConfig } from '../elixir/mix-project.js';
import { ElixirRegex, RegexLimitError, RegexUnsupportedError } from '../elixir/regex.js';
import type { Assumptions } from '../elixir/runtime.js';
import { NIL, structName, truthy } from '../elixir/values.js';
import { expandFiles, type ExcludePattern, type ExpandOptions } from './files.js';
import {
  DEFAULT_FILES, META_FIELDS, PackageError, ROOT_FIELDS, readDependencies, metadataPairs, stringOf,
  type Meta, type MetadataOrder, type Requirement,
} from './metadata.js';
import { renderSummary, type Summary } from './summary.js';
import { validate, type Validation } from './validate.js';

export { PackageError } from './metadata.js';
export type { Requirement } from './metadata.js';

export interface PrepareOptions {
  /** `--organization`: overrides `package[:organization]`. */
  organization?: string;
  /** Environment seen by System.get_env in mix.exs (hexts's own secrets are hidden from it). */
  env: Readonly<Record<string, string | undefined>>;
  /** The toolchain and Mix environment mix.exs is evaluated against. */
  assumptions: Assumptions;
  listDir?: ExpandOptions['listDir'];
  /** The order of metadata.config's keys; sorted by default, as OTP 25 and older write them. */
  metadataOrder?: MetadataOrder;
}

export interface PreparedPackage {
  name: string;
  version: string;
  app?: string;
  /** The organization (repository) to publish to; undefined for public hex.pm. Not part of the metadata. */
  organization?: string;
  /** Relative paths, directories included, in package order. */
  files: string[];
  requirements: Requirement[];
  /** metadata.config entries in key order, ready for encodeMetadata. */
  metadata: Array<[string, Term]>;
  /** Warnings mix prints before the summary (a package key set at the project root). */
  configWarnings: string[];
  summary: Summary;
  validation: Validation;
  /** What reading mix.exs took from the stated toolchain and environment (for --verbose). */
  assumptions: string[];
  /** What mix.exs printed while it was read (IO.puts, IO.warn), which mix shows too. */
  mixOutput: ProjectConfig['output'];
}

const PACKAGE_ONLY_FIELDS = ['organisation', 'organization', ...META_FIELDS].filter(
  (f) => !(ROOT_FIELDS as readonly string[]).includes(f) && f !== 'name',
);

/**
 * Reads mix.exs in `dir` and prepares the package. Throws MixExsError when mix.exs cannot be
 * read, and PackageError for the errors mix raises before printing anything (umbrella
 * projects, `:organisation`, overridden dependencies and the like).
 */
export async function preparePackage(dir: string, options: PrepareOptions): Promise<PreparedPackage> {
  const project = readMixProject(dir, { env: options.env, assumptions: options.assumptions });
  const config = new Keywords(project.config as Tuple[]);
  const appsPath = config.get('apps_path');
  if (appsPath !== undefined && appsPath !== NIL) throw new PackageError('Hex does not support umbrella projects');
  const misplaced = config.keys.find((k) => PACKAGE_ONLY_FIELDS.includes(k));
  const configWarnings = misplaced
    ? [`Mix project configuration :${misplaced} belongs under the :package key, did you misplace it?`]
    : [];
  try {
    return { ...build(dir, config, options, configWarnings), assumptions: project.assumptions, mixOutput: project.output };
  } catch (e) {
    if (e instanceof PackageError) e.warnings.unshift(...configWarnings);
    throw e;
  }
}

/** Mix.Project.config(): a keyword list, read as Keyword.get (the first value) or Map.new (the last). */
class Keywords {
  constructor(private readonly list: Tuple[]) {}

  get keys(): string[] {
    return this.list.map((t) => (t.elements[0] as Atom).name);
  }

  get(key: string): Term | undefined {
    return this.list.find((t) => (t.elements[0] as Atom).name === key)?.elements[1];
  }

  getLast(key: string): Term | undefined {
    return this.list.findLast((t) => (t.elements[0] as Atom).name === key)?.elements[1];
  }
}

/** `Map.new(config[:package] || [])`: a map or a keyword list, the last value of a key winning. */
function packageOf(value: Term | undefined): Map<string, Term> {
  const out = new Map<string, Term>();
  if (value === undefined || !truthy(value)) return out;
  if (value instanceof ErlMap && structName(value) === undefined) {
    for (const [k, v] of value.entries) if (k instanceof Atom) out.set(k.name, v);
    return out;
  }
  if (!Array.isArray(value)) {
    throw new ElixirException('Protocol.UndefinedError', `protocol Enumerable not implemented for ${inspect(value)} of type ${value instanceof ErlMap ? 'Map' : value instanceof Uint8Array ? 'BitString' : value instanceof Tuple ? 'Tuple' : value instanceof Atom ? 'Atom' : 'Integer'}`);
  }
  for (const entry of value) {
    if (!(entry instanceof Tuple) || entry.elements.length !== 2) throw new ElixirException('ArgumentError', `argument error`);
    const [k, v] = entry.elements as [Term, Term];
    if (k instanceof Atom) out.set(k.name, v);
  }
  return out;
}

function build(dir: string, config: Keywords, options: PrepareOptions, configWarnings: string[]): Omit<PreparedPackage, 'assumptions' | 'mixOutput'> {
  const pkg = packageOf(config.get('package'));
  const organisation = pkg.get('organisation');
  if (organisation !== undefined && truthy(organisation)) {
    throw new PackageError('Invalid Hex package config :organisation, use spelling :organization');
  }
  const organization: Term | undefined = options.organization !== undefined ? binary(options.organization) : pkg.get('organization');
  const { requirements, excluded } = readDependencies(config.get('deps') ?? []);

  // The package keys override the root ones (Map.merge); only the keys mix keeps are read.
  const merged = (key: string): Term | undefined => {
    if (pkg.has(key)) return pkg.get(key);
    return (ROOT_FIELDS as readonly string[]).includes(key) ? config.getLast(key) : undefined;
  };
  const meta: Meta = new Map();
  for (const key of META_FIELDS) {
    const value = merged(key);
    if (value !== undefined) meta.set(key, value);
  }

  const filesValue = merged('files');
  const filesPatterns = filesValue !== undefined && truthy(filesValue) ? stringList(filesValue, 'files') : undefined;
  const excludeValue = merged('exclude_patterns');
  const exclude = excludeValue !== undefined && truthy(excludeValue) ? excludePatterns(excludeValue) : [];
  const files = expandFiles(dir, filesPatterns ?? DEFAULT_FILES, exclude, { listDir: options.listDir });
  meta.set('files', files.map((f) => binary(f)));

  const description = merged('description');
  if (description !== undefined && truthy(description)) {
    if (!(description instanceof Uint8Array)) throw new PackageError('Invalid :description: expected a string');
    meta.set('description', trimWhitespace(Buffer.from(description)));
  }
  const nameValue = [merged('name'), config.get('app')].find((v) => v !== undefined && truthy(v));
  if (nameValue !== undefined) meta.set('name', binary(stringOf(nameValue, ':name')));
  const buildTools = merged('build_tools');
  if (buildTools === undefined || !truthy(buildTools)) meta.set('build_tools', guessBuildTools(files).map((t) => binary(t)));

  const name = meta.get('name');
  const version = meta.get('version');
  if (name === undefined || version === undefined) {
    const absent = [name === undefined && 'name', version === undefined && 'version'].filter(Boolean).join(', ');
    throw new PackageError(`Stopping package build due to errors.\nMissing metadata fields: ${absent}`);
  }
  const nameText = stringOf(name, ':name');
  const versionText = stringOf(version, ':version');
  const app = meta.get('app');
  const organizationText = organization !== undefined && truthy(organization) ? stringOf(organization, ':organization') : undefined;
  return {
    name: nameText,
    version: versionText,
    app: app !== undefined && truthy(app) ? stringOf(app, ':app') : undefined,
    organization: organizationText,
    files,
    requirements,
    metadata: metadataPairs(meta, requirements, options.metadataOrder),
    configWarnings,
    summary: renderSummary(nameText, versionText, meta, requirements, organizationText),
    validation: validate({ root: dir, name: nameText, version: versionText, meta, requirements, excludedDeps: excluded, organization, filesPatterns }),
  };
}

function stringList(value: Term, key: string): string[] {
  if (!Array.isArray(value)) throw new PackageError(`Invalid :${key} in package: expected a list of strings`);
  return value.map((v) => stringOf(v, `entry in :${key}`));
}

function excludePatterns(value: Term): ExcludePattern[] {
  if (!Array.isArray(value)) throw new PackageError('Invalid :exclude_patterns in package: expected a list');
  return value.map((v) => (v instanceof ElixirRegex ? regexPattern(v) : stringOf(v, 'entry in :exclude_patterns')));
}

// Matched in linear time (regex.ts); a pattern the matcher cannot run in linear time is refused by name.
function regexPattern(regex: ElixirRegex): ExcludePattern {
  return {
    test(path: string) {
      try {
        return regex.test(path);
      } catch (e) {
        if (e instanceof RegexLimitError) throw new PackageError(`Invalid :exclude_patterns in package: matching ~r/${regex.source}/ against ${path} takes more work than hexts allows`);
        if (!(e instanceof RegexUnsupportedError)) throw e;
        throw new PackageError(`Invalid :exclude_patterns in package: ~r/${regex.source}/ uses ${e.message}, which hexts does not match (it could take unbounded time)`);
      }
    },
  };
}

// Which tools can build the package, from its top-level files.
const BUILD_TOOL_FILES: Array<[string, string]> = [
  ['mix.exs', 'mix'], ['rebar', 'rebar3'], ['rebar.lock', 'rebar3'], ['rebar.config', 'rebar3'],
  ['rebar.config.script', 'rebar3'], ['erlang.mk', 'make'], ['Makefile', 'make'], ['Makefile.win', 'make'],
];

function guessBuildTools(files: string[]): string[] {
  const topLevel = new Set(files.filter((f) => !f.includes('/')));
  const tools = BUILD_TOOL_FILES.filter(([file]) => topLevel.has(file)).map(([, tool]) => tool);
  return tools.length === 0 ? ['mix'] : [...new Set(tools)];
}
