// What mix.exs declares, as `mix hex.outdated` and `mix hex.audit` take it from
// Mix.Project.config(): the dependencies of the project and, in an umbrella, of each of its
// apps (Hex.Mix.top_level_deps), where the lock is (:lockfile), and the :hex settings.
import { readdirSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { Atom, Tuple } from '../erlang/term.js';
import { projectFiles } from '../elixir/files.js';
import { readMixProject } from '../elixir/mix-project.js';
import type { Assumptions } from '../elixir/runtime.js';
import { NIL, isKeyword, type Value } from '../elixir/values.js';

export interface DeclaredDependency {
  /** The mix.exs that declares it, relative to the project: `mix.exs`, `apps/web/mix.exs`. */
  source: string;
  /** The requirement string; null without one (path and git dependencies, `{:app, opts}`). */
  requirement: string | null;
  /** Its `only:` environments joined by commas, as mix shows them; empty when unrestricted. */
  only: string;
}

export interface Project {
  /**
   * Each declared app's declarations, the last one read first (mix collects them so): in an
   * umbrella the apps' mix.exs files come after the root's.
   */
  deps: Map<string, DeclaredDependency[]>;
  /** The lock file, absolute. */
  lockfile: string;
  /** The project's `hex:` settings (ignore_advisories, ignore_retirements). */
  hex: Map<string, Value>;
  /** What mix.exs printed while it was read. */
  output: Array<{ stream: 'stdout' | 'stderr'; text: string }>;
}

export interface ReadProjectOptions {
  env: Readonly<Record<string, string | undefined>>;
  assumptions: Assumptions;
}

export function readProject(dir: string, options: ReadProjectOptions): Project {
  const files = projectFiles(dir);
  const root = readMixProject(dir, { ...options, files });
  const config = keywords(root.config);
  const deps = new Map<string, DeclaredDependency[]>();
  const output = [...root.output];
  const declare = (source: string, list: Value | undefined) => {
    for (const dep of Array.isArray(list) ? list : []) {
      const normalized = normalizeDep(dep);
      if (!normalized) continue;
      // Map.update(acc, app, [new], &[new | &1]): the latest declaration first.
      deps.set(normalized.app, [{ source, requirement: normalized.requirement, only: normalized.only }, ...(deps.get(normalized.app) ?? [])]);
    }
  };
  declare('mix.exs', config.get('deps'));
  for (const app of umbrellaApps(dir, config)) {
    const child = readMixProject(join(dir, app), { ...options, files });
    output.push(...child.output);
    declare(posix.join(app, 'mix.exs'), keywords(child.config).get('deps'));
  }
  const lockfile = config.get('lockfile');
  const hex = config.get('hex');
  return {
    deps,
    lockfile: resolve(dir, lockfile instanceof Uint8Array ? Buffer.from(lockfile).toString('utf8') : 'mix.lock'),
    hex: new Map(Array.isArray(hex) && isKeyword(hex) ? hex.map((t) => [(t.elements[0] as Atom).name, t.elements[1]!] as const).reverse() : []),
    output,
  };
}

/** Keyword.get over Mix.Project.config(): the first value of a key. */
function keywords(list: Value[]): Map<string, Value> {
  const map = new Map<string, Value>();
  for (const entry of list) {
    if (entry instanceof Tuple && entry.elements[0] instanceof Atom && !map.has(entry.elements[0].name)) map.set(entry.elements[0].name, entry.elements[1]!);
  }
  return map;
}

/** Hex.Mix.normalize_dep: `{app, opts}`, `{app, requirement}` or `{app, requirement, opts}`. */
function normalizeDep(dep: Value): { app: string; requirement: string | null; only: string } | undefined {
  if (!(dep instanceof Tuple) || !(dep.elements[0] instanceof Atom)) return undefined;
  const [app, second, third] = dep.elements as [Atom, Value | undefined, Value | undefined];
  let requirement: Value | undefined;
  let opts: Value = [];
  if (dep.elements.length === 2 && Array.isArray(second)) opts = second;
  else if (dep.elements.length === 2) requirement = second;
  else if (dep.elements.length === 3 && Array.isArray(third)) [requirement, opts] = [second, third];
  else return undefined;
  const only = Array.isArray(opts) && isKeyword(opts) ? opts.find((t) => (t.elements[0] as Atom).name === 'only')?.elements[1] : undefined;
  const onlyList = only === undefined || only === NIL ? [] : Array.isArray(only) ? only : [only];
  return {
    app: app.name,
    requirement: requirement instanceof Uint8Array ? Buffer.from(requirement).toString('utf8') : null,
    only: onlyList.map((o) => (o instanceof Atom ? o.name : o instanceof Uint8Array ? Buffer.from(o).toString('utf8') : String(o))).join(','),
  };
}

/**
 * An umbrella's apps (Hex.Mix.apps_paths): `apps:` if given, else every directory under
 * `apps_path`; each one with a mix.exs, as paths relative to the project.
 */
function umbrellaApps(dir: string, config: Map<string, Value>): string[] {
  const appsPath = config.get('apps_path');
  if (!(appsPath instanceof Uint8Array)) return [];
  const base = Buffer.from(appsPath).toString('utf8');
  const listed = config.get('apps');
  let names: string[];
  if (Array.isArray(listed)) names = listed.flatMap((a) => (a instanceof Atom ? [a.name] : []));
  else {
    try {
      names = readdirSync(join(dir, base)).sort();
    } catch {
      names = [];
    }
  }
  return names.map((n) => posix.join(base, n)).filter((p) => {
    try {
      return statSync(join(dir, p, 'mix.exs')).isFile();
    } catch {
      return false;
    }
  });
}
