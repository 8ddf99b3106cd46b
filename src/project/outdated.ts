// `mix hex.outdated`'s findings (Hex 2.5.1, Mix.Tasks.Hex.Outdated), computed from the project,
// its lock and the locked packages' signed records: for each dependency the locked version, the
// newest one in its repository, and whether every requirement on it (in mix.exs and in the
// other locked packages) allows the newest.
import { CliError } from '../errors.js';
import { compareVersions, isValidVersion, matches, parseVersion } from '../repository/requirement.js';
import type { Project } from './deps.js';
import type { LockEntry, MixLock } from './lock.js';
import type { PackageRecords } from './registry-reads.js';

export type Status = 'Up-to-date' | 'Update possible' | 'Update not possible';

export interface RequirementOnIt {
  /** `mix.exs` (or an umbrella app's), or the app of the locked package that requires it. */
  source: string;
  requirement: string | null;
  /** Whether it allows the newest version. */
  upToDate: boolean;
}

export interface OutdatedRow {
  /** The app, as mix.exs and the lock name it. */
  app: string;
  package: string;
  repo: string;
  only: string;
  current: string;
  latest: string;
  requirements: RequirementOnIt[];
  outdated: boolean;
  status: Status;
}

export interface OutdatedOptions {
  /** `hexts outdated APP`: that dependency only, with every requirement on it. */
  app?: string;
  /** Indirect dependencies too. */
  all: boolean;
  /** Pre-releases count as newer versions (they always do when the locked one is a pre-release). */
  pre: boolean;
  /** Only these `only:` environments (comma-separated, as mix takes them); not with `app`. */
  only?: string;
}

/** The apps to look at, sorted: APP, every locked one (--all), or those mix.exs declares. */
export function requestedApps(project: Project, lock: MixLock, options: OutdatedOptions): string[] {
  if (options.app !== undefined) {
    if (!lock.entries.some((e) => e.app === options.app && e.hex)) throw new CliError(`Dependency ${options.app} not locked as a Hex package`);
    return [options.app];
  }
  const apps = options.all ? lock.entries.map((e) => e.app) : [...project.deps.keys()];
  return apps.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function outdatedRows(project: Project, lock: MixLock, records: PackageRecords, options: OutdatedOptions): OutdatedRow[] {
  const byApp = new Map(lock.entries.map((e) => [e.app, e]));
  const rows = requestedApps(project, lock, options).flatMap((app): OutdatedRow[] => {
    const locked = byApp.get(app)?.hex;
    if (!locked) return [];
    const latest = latestVersion(records.get(locked).releases.map((r) => r.version), locked.version, options.pre);
    const declared = (project.deps.get(app) ?? []).map((d) => ({ source: d.source, requirement: d.requirement }));
    const requirements = [...declared, ...lockRequirements(app, lock.entries)].map((r) => ({ ...r, upToDate: allows(r.requirement, latest) }));
    const outdated = compareVersions(locked.version, latest) < 0;
    const status: Status = !outdated ? 'Up-to-date' : requirements.every((r) => r.upToDate) ? 'Update possible' : 'Update not possible';
    return [{ app, package: locked.package, repo: locked.repo, only: project.deps.get(app)?.[0]?.only ?? '', current: locked.version, latest, requirements, outdated, status }];
  });
  if (options.app !== undefined || options.only === undefined) return rows;
  const wanted = options.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return rows.filter((row) => row.only.split(',').some((o) => wanted.includes(o)));
}

/** The newest version, pre-releases only with --pre or when the locked one is one; the locked version if none is. */
function latestVersion(versions: string[], locked: string, pre: boolean): string {
  const withPre = pre || parseVersion(locked).pre.length > 0;
  let newest: string | undefined;
  for (const v of versions) {
    if (!isValidVersion(v) || (!withPre && parseVersion(v).pre.length > 0)) continue;
    if (newest === undefined || compareVersions(v, newest) > 0) newest = v;
  }
  return newest ?? locked;
}

/** The requirements on `app` of the locked packages, by the app that requires it (in lock order). */
function lockRequirements(app: string, entries: LockEntry[]): Array<{ source: string; requirement: string | null }> {
  return entries.flatMap((e) => (e.hex?.requirements ?? []).filter((r) => r.app === app).map((r) => ({ source: e.app, requirement: r.requirement })));
}

/** Version.match?, a requirement-less dependency allowing every version. */
function allows(requirement: string | null, version: string): boolean {
  return requirement === null || matches(version, requirement);
}

/**
 * The exit status mix sets: 1 for any outdated dependency, for APP when it is outdated; with
 * --within-requirements only when one could be updated without changing a requirement.
 */
export function shouldFail(rows: OutdatedRow[], options: { app?: string; withinRequirements: boolean }): boolean {
  const outdated = rows.filter((r) => r.outdated);
  if (outdated.length === 0) return false;
  if (options.app !== undefined || !options.withinRequirements) return true;
  return outdated.some((r) => r.status === 'Update possible');
}
