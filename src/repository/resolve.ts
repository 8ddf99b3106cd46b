import { CliError, UsageError } from '../errors.js';
import type { Package, Release, RetirementStatus } from './protobuf.js';
import { checkPackageName } from './registry.js';
import { compareVersions, isValidVersion, newestMatching, parseRequirement, type Requirement } from './requirement.js';

// Which release `NAME`, `NAME@VERSION` or `NAME@REQUIREMENT` means, from a package's signed
// registry record. Like Hex: a requirement picks the newest version that matches and is not
// retired, pre-releases only when the requirement names one; no version means the newest
// stable one that is not retired. An exact version is taken even when retired (with a warning).

export type PackageSpec =
  | { text: string; name: string; kind: 'newest' }
  | { text: string; name: string; kind: 'version'; version: string }
  | { text: string; name: string; kind: 'requirement'; requirement: Requirement };

export function parsePackageSpec(text: string): PackageSpec {
  const at = text.indexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  checkPackageName(name);
  if (at < 0) return { text, name, kind: 'newest' };
  const rest = text.slice(at + 1).trim();
  if (rest === '') throw new UsageError(`"${text}": nothing after @`, 'Write NAME@VERSION (plug@1.14.0) or NAME@REQUIREMENT ("plug@~> 1.14").');
  if (isValidVersion(rest)) return { text, name, kind: 'version', version: rest };
  try {
    return { text, name, kind: 'requirement', requirement: parseRequirement(rest) };
  } catch (err) {
    throw new UsageError(`"${text}": ${(err as Error).message}`, 'Write NAME@VERSION (plug@1.14.0) or NAME@REQUIREMENT ("plug@~> 1.14", "plug@>= 1.0.0 and < 2.0.0").');
  }
}

/** The reason's name; one this client does not know stays its number (as the hex client prints it). */
export function retirementReason(retired: RetirementStatus): string {
  return String(retired.reason);
}

/** `(reason) message`, as mix prints a retirement. */
export function retirementText(retired: RetirementStatus): string {
  return retired.message ? `(${retirementReason(retired)}) ${retired.message}` : `(${retirementReason(retired)})`;
}

/** The newest versions, for a hint. */
function listVersions(releases: Release[]): string {
  const versions = releases.map((r) => r.version).sort((a, b) => compareVersions(b, a));
  return versions.length === 0 ? 'it has no releases' : `versions: ${versions.slice(0, 8).join(', ')}${versions.length > 8 ? ', …' : ''}`;
}

export function resolveRelease(pkg: Package, spec: PackageSpec): Release {
  const { name } = spec;
  const releases = pkg.releases;
  if (spec.kind === 'version') {
    const exact = releases.find((r) => r.version === spec.version) ?? releases.find((r) => isValidVersion(r.version) && compareVersions(r.version, spec.version) === 0);
    if (!exact) throw new CliError(`${name} has no version ${spec.version}`, `In the repository ${pkg.repository}, ${listVersions(releases)}.`);
    return exact;
  }
  const versions = releases.map((r) => r.version);
  const retired = releases.filter((r) => r.retired).map((r) => r.version);
  const requirement = spec.kind === 'requirement' ? spec.requirement : parseRequirement('>= 0.0.0');
  const chosen = newestMatching(versions, requirement, { exclude: retired });
  if (chosen) return releases.find((r) => r.version === chosen)!;

  const what = spec.kind === 'requirement' ? `version of ${name} matching "${spec.requirement.source}"` : `stable version of ${name}`;
  const newestRetired = newestMatching(versions, requirement);
  if (newestRetired) {
    const release = releases.find((r) => r.version === newestRetired)!;
    throw new CliError(
      `every ${what} is retired (the newest, ${newestRetired}, ${retirementText(release.retired!)})`,
      `To fetch it anyway, ask for it exactly: ${name}@${newestRetired}`,
    );
  }
  const anyVersion = newestMatching(versions, requirement, { exclude: retired, allowPre: true });
  throw new CliError(
    `no ${what} is available`,
    anyVersion ? `Pre-releases are taken only when asked for: ${name}@${anyVersion}` : `In the repository ${pkg.repository}, ${listVersions(releases)}.`,
  );
}
