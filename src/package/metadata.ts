// The package metadata as `mix hex.build` assembles it, and its metadata.config form.
import { Atom, ErlMap, Tuple, atom, binary, type Term } from '../erlang/term.js';
import { CliError } from '../errors.js';
import { toStringChars } from '../elixir/chars.js';
import { ElixirRegex } from '../elixir/regex.js';
import { NIL, isFun, isKeyword as isKeywordList, truthy } from '../elixir/values.js';

/** mix's message texts end up after `** (Mix) `; the CLI prints them that way. */
export class PackageError extends CliError {
  constructor(message: string, readonly warnings: string[] = []) {
    super(message);
    this.name = 'PackageError';
  }
}

export const ERROR_FIELDS = ['app', 'name', 'files', 'version', 'build_tools'] as const;
export const WARN_FIELDS = ['description', 'licenses', 'links'] as const;
/** The keys mix keeps, in the order it prints them. */
export const META_FIELDS = [...ERROR_FIELDS, ...WARN_FIELDS, 'elixir', 'extra', 'secret_scan'] as const;
export const ROOT_FIELDS = ['app', 'version', 'elixir', 'description'] as const;
export const DEFAULT_FILES = [
  'lib', 'priv', '.formatter.exs', 'mix.exs', 'README*', 'readme*', 'LICENSE*', 'license*', 'CHANGELOG*', 'changelog*', 'src',
  'c_src', 'Makefile*',
];
export const DEFAULT_REPO = 'hexpm';

/** The metadata map with mix's own values (atoms not yet turned into strings), by key. */
export type Meta = Map<string, Term>;

export interface Requirement {
  name: string;
  app: string;
  requirement: Term; // usually a string; nil when a dependency gives none
  optional: Term;
  repository: string;
}

/** Elixir's to_string, or a PackageError naming what could not be rendered. */
export function stringOf(t: Term, what: string): string {
  const s = toElixirString(t);
  if (!s) throw new PackageError(`Invalid ${what}: expected a string`);
  return s.toString('utf8');
}

/** to_string/1, or undefined where Elixir would raise. */
export function toElixirString(t: Term): Buffer | undefined {
  try {
    return toStringChars(t);
  } catch {
    return undefined;
  }
}

const keyword = (opts: Tuple[], key: string): Term | undefined => opts.find((t) => (t.elements[0] as Atom).name === key)?.elements[1];
const hasKey = (opts: Tuple[], key: string) => opts.some((t) => (t.elements[0] as Atom).name === key);

const SCM_KEYS = ['git', 'github', 'path', 'in_umbrella'];

/**
 * The dependencies that become requirements (Hex packages reaching :prod) and the names of
 * those excluded for not being Hex packages. Throws mix's immediate errors.
 */
export function readDependencies(deps: Term): { requirements: Requirement[]; excluded: string[] } {
  if (!Array.isArray(deps)) throw new PackageError('Invalid :deps in mix.exs: expected a list');
  const normalized = deps.map((dep) => {
    const parts = dep instanceof Tuple ? dep.elements : [];
    const [app, second, third] = parts;
    if (!(app instanceof Atom) || parts.length < 2 || parts.length > 3) throw new PackageError('Invalid dependency in mix.exs: expected {app, requirement, opts}');
    if (parts.length === 2) return Array.isArray(second) && isKeywordList(second) ? { app, req: NIL, opts: second } : { app, req: second!, opts: [] };
    if (!Array.isArray(third) || !isKeywordList(third)) throw new PackageError(`Invalid options for dependency ${app.name} in mix.exs`);
    return { app, req: second!, opts: third };
  });
  const reachesProd = normalized.filter(({ opts }) => {
    const only = keyword(opts, 'only');
    if (only === undefined || !truthy(only)) return true;
    return (Array.isArray(only) ? only : [only]).some((e) => e === atom('prod'));
  });
  const isPackage = ({ opts }: { opts: Tuple[] }) => hasKey(opts, 'hex') || !SCM_KEYS.some((k) => hasKey(opts, k));
  const included = reachesProd.filter(isPackage);
  for (const { app, opts } of included) {
    if (hasKey(opts, 'override')) throw new PackageError(`Can't build package with overridden dependency ${app.name}, remove \`override: true\``);
    for (const key of ['compile', 'manager', 'app']) {
      if (hasKey(opts, key)) throw new PackageError(`Can't build package when :${key} is set for dependency ${app.name}, remove \`${key}: ...\``);
    }
    const systemEnv = keyword(opts, 'system_env');
    if (systemEnv !== undefined && !(Array.isArray(systemEnv) && systemEnv.length === 0)) {
      throw new PackageError(`Can't build package when :system_env is set for dependency ${app.name}, remove \`system_env: ...\``);
    }
  }
  const requirements = included.map(({ app, req, opts }): Requirement => {
    const hex = keyword(opts, 'hex');
    const repo = [keyword(opts, 'repo'), keyword(opts, 'organization')].find((r) => r !== undefined && truthy(r));
    const repoName = repo === undefined ? DEFAULT_REPO : stringOf(repo, `repository of dependency ${app.name}`);
    const optional = keyword(opts, 'optional');
    return {
      name: hex !== undefined && truthy(hex) ? stringOf(hex, `hex: name of dependency ${app.name}`) : app.name,
      app: app.name,
      requirement: req,
      optional: optional !== undefined && truthy(optional) ? optional : atom('false'),
      // "hexpm:acme" means the acme organization's repository
      repository: repoName.includes(':') ? repoName.slice(repoName.indexOf(':') + 1) : repoName,
    };
  });
  const excluded = reachesProd.filter((d) => !isPackage(d)).map(({ app }) => app.name);
  return { requirements, excluded };
}

/**
 * The order metadata.config's keys are written in: mix writes maps in maps:to_list order, which
 * is sorted by key on OTP 25 and older (the default here) but atom-index order on OTP 26 and
 * later (tarball.md §5), which only a build's own output can tell. Keys left out of an order
 * come after the ones it names, sorted.
 */
export interface MetadataOrder {
  /** The top-level keys. */
  keys?: readonly string[];
  /** The fields of each requirement (app, name, optional, repository, requirement). */
  requirementKeys?: readonly string[];
}

/** `items` in the order of their names in `order`, the others after them sorted; all sorted without an order. */
function inOrder<T>(items: readonly T[], nameOf: (item: T) => string, order: readonly string[] | undefined): T[] {
  const rank = new Map((order ?? []).map((name, i) => [name, i]));
  const position = (item: T) => rank.get(nameOf(item)) ?? Infinity;
  return [...items].sort((a, b) => position(a) - position(b) || compareNames(nameOf(a), nameOf(b)));
}

const compareNames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A requirement as mix puts it into the metadata: a map, its fields in key order. */
function requirementTerm(r: Requirement, order: readonly string[] | undefined): ErlMap {
  const fields: Array<[string, Term]> = [
    ['app', atom(r.app)],
    ['name', binary(r.name)],
    ['optional', r.optional],
    ['repository', binary(r.repository)],
    ['requirement', r.requirement],
  ];
  return new ErlMap(inOrder(fields, ([key]) => key, order).map(([key, value]) => [atom(key), value]));
}

/** The metadata.config entries, sorted by key unless `order` says otherwise (see MetadataOrder). */
export function metadataPairs(meta: Meta, requirements: Requirement[], order: MetadataOrder = {}): Array<[string, Term]> {
  const pairs: Array<[string, Term]> = [...meta].map(([k, v]) => [k, v]);
  pairs.push(['requirements', requirements.map((r) => requirementTerm(r, order.requirementKeys))]);
  for (const [key, value] of pairs) {
    const inside = opaqueValue(value);
    if (inside) throw new PackageError(`Invalid :${key} in package metadata: it contains ${inside}`);
  }
  return inOrder(pairs, ([key]) => key, order.keys);
}

/** A value metadata.config cannot hold (a regex or a function), named; undefined when there is none. */
function opaqueValue(t: Term): string | undefined {
  if (t instanceof ElixirRegex) return 'a regex';
  if (isFun(t)) return 'a function';
  const inner = Array.isArray(t) ? t : t instanceof Tuple ? t.elements : t instanceof ErlMap ? t.entries.flat() : [];
  for (const x of inner) {
    const found = opaqueValue(x);
    if (found) return found;
  }
  return undefined;
}
