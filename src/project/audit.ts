// `mix hex.audit`'s findings (Hex 2.5.1, Mix.Tasks.Hex.Audit): the locked releases their
// repository retired, and the security advisories its signed records carry for them, grouped
// as hex_core's mix_hex_advisory.group_for_display groups them (one entry per vulnerability,
// however many databases list it), split by the project's ignore lists (Hex.Ignores).
import { Atom, Tuple } from '../erlang/term.js';
import { inspect } from '../elixir/inspect.js';
import type { Value } from '../elixir/values.js';
import type { SecurityAdvisory } from '../repository/protobuf.js';
import { isValidVersion } from '../repository/requirement.js';
import { retirementReason, retirementText } from '../repository/resolve.js';
import type { Project } from './deps.js';
import type { LockEntry, MixLock } from './lock.js';
import type { PackageRecords } from './registry-reads.js';

export interface Locked {
  app: string;
  package: string;
  version: string;
  repo: string;
  /** Its line in mix.lock. */
  line: number;
}

export interface RetiredFinding extends Locked {
  reason: string;
  message: string | null;
  /** `(reason) message`, as mix prints it. */
  text: string;
}

export interface AdvisoryAlias {
  id: string;
  /** OSV's page, for the ids of advisories that are in the registry. */
  url?: string;
}

/** One vulnerability: the primary advisory of its group, every other id as an alias. */
export interface DisplayAdvisory {
  id: string;
  summary: string;
  url: string;
  /** NONE, LOW, MEDIUM, HIGH, CRITICAL (or a number this client does not know). */
  severity?: string;
  cvssScore?: number;
  aliases: AdvisoryAlias[];
}

export interface AdvisoryFinding extends Locked {
  advisory: DisplayAdvisory;
}

export interface Ignores {
  /** Advisory ids (matched against every id and alias, ignoring case). */
  advisories: string[];
  /** Packages, every version (version null) or one. */
  retirements: Array<{ name: string; version: string | null }>;
  /** Where each list came from, for messages: ` (set in mix.exs)`. */
  sources: { advisories: string; retirements: string };
}

export interface AuditFindings {
  retired: RetiredFinding[];
  advisories: AdvisoryFinding[];
  ignoredRetired: RetiredFinding[];
  ignoredAdvisories: AdvisoryFinding[];
  /** Ignore entries that match nothing, as mix warns about them. */
  unusedIgnores: string[];
}

export function auditFindings(lock: MixLock, records: PackageRecords, ignores: Ignores): AuditFindings {
  const locked = lock.entries.flatMap((e: LockEntry): Array<Locked & { advisories: SecurityAdvisory[]; retired: RetiredFinding | undefined }> => {
    if (!e.hex) return [];
    const base = { app: e.app, package: e.hex.package, version: e.hex.version, repo: e.hex.repo, line: e.line };
    const record = records.get(e.hex);
    const release = record.releases.find((r) => r.version === e.hex!.version);
    if (!release) return [{ ...base, advisories: [], retired: undefined }];
    const retired = release.retired && { ...base, reason: retirementReason(release.retired), message: release.retired.message ?? null, text: retirementText(release.retired) };
    const advisories = release.advisoryIndexes.flatMap((i) => (record.advisories[i] ? [record.advisories[i]!] : []));
    return [{ ...base, advisories, retired }];
  });

  const allRetired = locked.flatMap((l) => (l.retired ? [l.retired] : []));
  const retirementIgnored = (f: RetiredFinding) => ignores.retirements.some((i) => retirementMatches(f, i));
  const findings: AuditFindings = {
    retired: allRetired.filter((f) => !retirementIgnored(f)),
    ignoredRetired: allRetired.filter(retirementIgnored),
    advisories: [],
    ignoredAdvisories: [],
    unusedIgnores: [],
  };
  for (const l of locked) {
    if (l.advisories.length === 0) continue;
    const { ignored, active } = splitAdvisories(l.advisories, ignores.advisories);
    const at = { app: l.app, package: l.package, version: l.version, repo: l.repo, line: l.line };
    findings.ignoredAdvisories.push(...groupForDisplay(ignored).map((advisory) => ({ ...at, advisory })));
    findings.advisories.push(...groupForDisplay(active).map((advisory) => ({ ...at, advisory })));
  }

  const raw = locked.flatMap((l) => l.advisories);
  for (const id of ignores.advisories) {
    if (!raw.some((a) => advisoryMatches(a, id))) {
      findings.unusedIgnores.push(`ignore_advisories entry "${id}"${ignores.sources.advisories} does not match any advisory for the locked dependencies and can be removed`);
    }
  }
  for (const entry of ignores.retirements) {
    if (!allRetired.some((f) => retirementMatches(f, entry))) {
      findings.unusedIgnores.push(`ignore_retirements entry ${entry.version === null ? entry.name : `${entry.name} ${entry.version}`}${ignores.sources.retirements} does not match any retired locked dependency and can be removed`);
    }
  }
  return findings;
}

const retirementMatches = (f: { package: string; version: string }, entry: Ignores['retirements'][number]) =>
  f.package === entry.name && (entry.version === null || entry.version === f.version);

function advisoryMatches(advisory: { id: string; aliases: Array<string | AdvisoryAlias> }, id: string): boolean {
  const wanted = id.toLowerCase();
  return [advisory.id, ...advisory.aliases].some((candidate) => (typeof candidate === 'string' ? candidate : candidate.id).toLowerCase() === wanted);
}

/** Hex.Ignores.split_advisories: a group ignored by any of its ids takes all its advisories with it. */
function splitAdvisories(advisories: SecurityAdvisory[], ids: string[]): { ignored: SecurityAdvisory[]; active: SecurityAdvisory[] } {
  if (ids.length === 0) return { ignored: [], active: advisories };
  const ignoredIds = new Set(
    groupForDisplay(advisories)
      .filter((group) => ids.some((id) => advisoryMatches(group, id)))
      .flatMap((group) => [group.id, ...group.aliases.map((a) => a.id)].map((i) => i.toLowerCase())),
  );
  return {
    ignored: advisories.filter((a) => ignoredIds.has(a.id.toLowerCase())),
    active: advisories.filter((a) => !ignoredIds.has(a.id.toLowerCase())),
  };
}

/**
 * mix_hex_advisory:group_for_display: advisories sharing their first CVE id (among id and
 * aliases; else their id) are one group, in the order the groups first appear. Its primary is
 * the EEF advisory, else GHSA, else NVD, else any (ties by id); every other id of the group is
 * an alias, linked to OSV when it is an advisory of the registry's own.
 */
export function groupForDisplay(advisories: SecurityAdvisory[]): DisplayAdvisory[] {
  const groups = new Map<string, SecurityAdvisory[]>();
  for (const advisory of advisories) {
    const key = [advisory.id, ...advisory.aliases].find((i) => i.startsWith('CVE-')) ?? advisory.id;
    groups.set(key, [...(groups.get(key) ?? []), advisory]);
  }
  return [...groups.values()].map((members) => {
    const primary = [...members].sort((a, b) => sourcePriority(a.id) - sourcePriority(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0]!;
    const ids = new Set(members.map((m) => m.id));
    const aliases = [...new Set(members.flatMap((m) => [m.id, ...m.aliases]))]
      .filter((id) => id !== primary.id)
      .map((id): AdvisoryAlias => (ids.has(id) ? { id, url: `https://osv.dev/vulnerability/${id}` } : { id }));
    const shown: DisplayAdvisory = { id: primary.id, summary: primary.summary, url: primary.htmlUrl, aliases };
    if (primary.severity !== undefined) shown.severity = typeof primary.severity === 'number' ? String(primary.severity) : primary.severity.toUpperCase();
    if (primary.cvssScore !== undefined) shown.cvssScore = shortestFloat32(primary.cvssScore);
    return shown;
  });
}

/** The registry's CVSS score is a 32-bit float: 9.1 arrives as 9.100000381469727; shown as the shortest decimal that is that float. */
function shortestFloat32(value: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function sourcePriority(id: string): number {
  return id.startsWith('EEF-') ? 0 : id.startsWith('GHSA-') ? 1 : id.startsWith('NVD-') ? 2 : 3;
}

/**
 * The ignore lists as Hex.State loads them: HEX_IGNORE_ADVISORIES / HEX_IGNORE_RETIREMENTS when
 * set and not empty, else mix.exs's `hex: [ignore_advisories: […], ignore_retirements: […]]`.
 * A value of the wrong shape is reported (`invalid`) and ignored, as mix falls back to none.
 */
export function readIgnores(project: Project, env: Readonly<Record<string, string | undefined>>): Ignores & { invalid: string[] } {
  const invalid: string[] = [];
  const load = <T>(key: 'ignore_advisories' | 'ignore_retirements', variable: string, fromEnv: (text: string) => T[] | undefined, fromProject: (value: Value) => T[] | undefined) => {
    const text = env[variable];
    if (text !== undefined && text !== '') {
      const parsed = fromEnv(text);
      if (parsed) return { list: parsed, source: ` (set in environment variable ${variable})` };
      invalid.push(`Invalid Hex config, falling back to default. Source: environment variable ${variable}=${JSON.stringify(text)}`);
      return { list: [], source: '' };
    }
    const value = project.hex.get(key);
    if (value === undefined || value === Atom.of('nil') || value === Atom.of('false')) return { list: [], source: '' };
    const parsed = fromProject(value);
    if (parsed) return { list: parsed, source: ' (set in mix.exs)' };
    invalid.push(`Invalid Hex config, falling back to default. Source: mix.exs config ${key}: ${inspect(value)}`);
    return { list: [], source: '' };
  };
  const advisories = load('ignore_advisories', 'HEX_IGNORE_ADVISORIES', splitList, (value) => {
    if (!Array.isArray(value) || !value.every((v) => v instanceof Uint8Array && v.length > 0)) return undefined;
    return value.map((v) => Buffer.from(v as Uint8Array).toString('utf8'));
  });
  const retirements = load('ignore_retirements', 'HEX_IGNORE_RETIREMENTS', (text) => all(splitList(text).map((entry) => {
    const at = entry.indexOf('@');
    return at < 0 ? { name: entry, version: null } : pinned(entry.slice(0, at), entry.slice(at + 1));
  })), (value) => {
    if (!Array.isArray(value)) return undefined;
    return all(value.map((v) => {
      if (v instanceof Atom && !['nil', 'true', 'false'].includes(v.name)) return { name: v.name, version: null };
      if (v instanceof Tuple && v.elements.length === 2 && v.elements[0] instanceof Atom && v.elements[1] instanceof Uint8Array) {
        return pinned(v.elements[0].name, Buffer.from(v.elements[1]).toString('utf8'));
      }
      return undefined;
    }));
  });
  return {
    advisories: advisories.list,
    retirements: retirements.list,
    sources: { advisories: advisories.source, retirements: retirements.source },
    invalid,
  };
}

const splitList = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
const pinned = (name: string, version: string) => (name !== '' && isValidVersion(version) ? { name, version } : undefined);
const all = <T>(items: Array<T | undefined>): T[] | undefined => (items.every((i) => i !== undefined) ? (items as T[]) : undefined);
