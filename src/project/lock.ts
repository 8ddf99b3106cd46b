// mix.lock, read as mix reads it (Mix.Dep.Lock.read, then Hex.Utils.lock for each entry) but
// without running anything: the file is parsed by hexts's Elixir parser and only literal data
// is taken from it (quotedLiteral), so a lock file cannot make hexts do anything.
//
// A lock is a map from each dependency's app to a tuple whose first element names its SCM.
// Hex's tuples grew over the years; Hex.Utils.lock reads every shape by position, missing
// trailing elements being nil:
//   {:hex, name, version}                                             (Hex 0.x)
//   {:hex, name, version, inner_checksum}
//   {:hex, name, version, inner_checksum, managers, deps}
//   {:hex, name, version, inner_checksum, managers, deps, repo}
//   {:hex, name, version, inner_checksum, managers, deps, repo, outer_checksum}   (Hex 0.21+)
// A longer tuple was written by a newer Hex: its first eight elements are read, with a warning.

import { readFile } from 'node:fs/promises';
import { Atom, Tuple } from '../erlang/term.js';
import { AstPair, isNode, type Ast } from '../elixir/ast.js';
import { inspect } from '../elixir/inspect.js';
import { parseElixir } from '../elixir/parser.js';
import { quotedLiteral } from '../elixir/quoted.js';
import { isKeyword, type Value } from '../elixir/values.js';
import { CliError } from '../errors.js';

export interface LockRequirement {
  /** The app the requirement is on, as the dependency names it (the key it has in the lock). */
  app: string;
  /** Absent in a requirement on any version. */
  requirement: string | null;
  /** The Hex package (hex: option), the app's name unless renamed. */
  package: string;
  /** `hexpm`, `hexpm:ORG` or a repository's name. */
  repo: string;
  optional: boolean;
}

export interface LockedPackage {
  /** The Hex package, which may differ from the app (`{:my_app, hex: :package}`). */
  package: string;
  version: string;
  /** Base-16 checksums as the lock holds them, when it does. */
  innerChecksum?: string;
  outerChecksum?: string;
  managers: string[];
  /** What this release requires; null in the oldest locks, which did not record it. */
  requirements: LockRequirement[] | null;
  /** `hexpm`, `hexpm:ORG` or the name of a repository added to Hex (and to hexts with `hexts repo add`). */
  repo: string;
}

export interface LockEntry {
  app: string;
  /** The SCM: `hex`, `git`, `path`… (the tuple's first element). */
  scm: string;
  /** Where its tuple starts in the file (for SARIF locations). */
  line: number;
  /** Set for Hex packages. */
  hex?: LockedPackage;
}

export interface MixLock {
  /** By app, sorted (mix walks the lock map, whose order is the atoms' only up to 32 entries). */
  entries: LockEntry[];
  /** Notes for the user: tuples of a newer Hex. */
  warnings: string[];
}

const MERGE_MARKERS = ['<<<<<<<', '=======', '>>>>>>>'];

/** The lock at `path`; a missing file is an empty lock, as in mix. */
export async function readMixLock(path: string, display = 'mix.lock'): Promise<MixLock> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { entries: [], warnings: [] };
    throw new CliError(`cannot read ${display}: ${code ?? (err as Error).message}`);
  }
  return parseMixLock(source, display);
}

export function parseMixLock(source: string, file = 'mix.lock'): MixLock {
  if (MERGE_MARKERS.some((marker) => source.includes(marker))) {
    throw new CliError(`Your ${file} contains merge conflicts. Please resolve the conflicts and run the command again`);
  }
  const ast = parseElixir(source, file);
  if (isNode(ast) && ast.form instanceof Atom && ast.form.name === '__block__' && Array.isArray(ast.args) && ast.args.length === 0) {
    return { entries: [], warnings: [] };
  }
  if (!isNode(ast) || !(ast.form instanceof Atom) || ast.form.name !== '%{}' || !Array.isArray(ast.args)) {
    throw new CliError(`${file} is not a lock file: it must hold one map, %{"app": {:hex, …}, …}`, 'mix deps.get writes it anew.');
  }
  const warnings: string[] = [];
  const entries = new Map<string, LockEntry>();
  for (const pair of ast.args) {
    const line = pair instanceof AstPair ? lineOf(pair.right) ?? ast.meta.line : ast.meta.line;
    if (!(pair instanceof AstPair)) throw malformed(file, line, 'its map has an entry that is not a key and a value');
    const key = quotedLiteral(pair.left, file);
    if (!(key instanceof Atom)) throw malformed(file, line, `the key ${inspect(key)} is not an app name`);
    const value = quotedLiteral(pair.right, file);
    const scm = value instanceof Tuple && value.elements[0] instanceof Atom ? value.elements[0].name : undefined;
    if (scm === undefined) throw malformed(file, line, `the entry of ${key.name} is not a tuple that names its SCM`);
    const entry: LockEntry = { app: key.name, scm, line };
    if (scm === 'hex') {
      const tuple = value as Tuple;
      if (tuple.elements.length > 8) warnings.push(`${file}:${line}: ${key.name} was locked by a newer version of Hex than hexts knows; its first eight fields are read`);
      entry.hex = hexEntry(tuple, key.name, file, line);
    }
    entries.set(key.name, entry); // a later duplicate key wins, as in a map literal
  }
  return { entries: [...entries.values()].sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0)), warnings };
}

function lineOf(ast: Ast): number | undefined {
  return isNode(ast) && ast.meta.line > 0 ? ast.meta.line : undefined;
}

function malformed(file: string, line: number, problem: string): CliError {
  return new CliError(`${file}:${line}: ${problem}`, 'mix deps.get writes the lock anew.');
}

function hexEntry(tuple: Tuple, app: string, file: string, line: number): LockedPackage {
  const [, name, version, inner, managers, deps, repo, outer] = tuple.elements;
  const what = (field: string) => `${app}'s ${field}`;
  const text = (v: Value | undefined, field: string, optional: boolean): string | undefined => {
    if ((v === undefined || v === NIL) && optional) return undefined;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (v instanceof Atom && v !== NIL) return v.name;
    throw malformed(file, line, `${what(field)} is ${v === undefined ? 'missing' : inspect(v)}, not a string`);
  };
  return {
    package: text(name, 'package name', false)!,
    version: text(version, 'version', false)!,
    innerChecksum: text(inner, 'checksum', true),
    outerChecksum: text(outer, 'outer checksum', true),
    managers: Array.isArray(managers) ? managers.flatMap((m) => (m instanceof Atom ? [m.name] : [])) : [],
    requirements: deps === undefined || deps === NIL ? null : lockRequirements(deps, app, file, line),
    repo: text(repo, 'repository', true) ?? 'hexpm',
  };
}

const NIL = Atom.of('nil');

/** The dependencies of a locked release: `{app, requirement, opts}`, opts defaulting repo to hexpm and hex to the app. */
function lockRequirements(deps: Value, app: string, file: string, line: number): LockRequirement[] {
  if (!Array.isArray(deps)) throw malformed(file, line, `${app}'s dependencies are ${inspect(deps)}, not a list`);
  return deps.map((dep) => {
    const [depApp, requirement, opts] = dep instanceof Tuple ? dep.elements : [];
    if (!(dep instanceof Tuple) || dep.elements.length !== 3 || !(depApp instanceof Atom) || !Array.isArray(opts) || !isKeyword(opts)) {
      throw malformed(file, line, `${app} has a dependency ${inspect(dep)}, not {app, requirement, options}`);
    }
    const option = (key: string) => opts.find((t) => (t.elements[0] as Atom).name === key)?.elements[1];
    const name = (v: Value | undefined) => (v instanceof Atom && v !== NIL ? v.name : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined);
    const optional = option('optional');
    return {
      app: depApp.name,
      requirement: requirement instanceof Uint8Array ? Buffer.from(requirement).toString('utf8') : null,
      package: name(option('hex')) ?? depApp.name,
      repo: name(option('repo')) ?? 'hexpm',
      optional: optional instanceof Atom && optional.name === 'true',
    };
  });
}
