// The checks `mix hex.build` runs after printing the package summary, with its messages.
import { binary, termEquals, type Term } from '../erlang/term.js';
import { checkFileSafety, wildcard } from './files.js';
import { isValidLicense } from './licenses.js';
import { DEFAULT_REPO, ERROR_FIELDS, WARN_FIELDS, toElixirString, type Meta, type Requirement } from './metadata.js';
import { NIL } from '../elixir/values.js';
import { isValidVersion, parseVersion } from '../repository/requirement.js';
import { countGraphemes } from '../util/graphemes.js';

/** The line mix prints before the collected errors (the CLI adds it). */
export const ERRORS_HEADER = 'Stopping package build due to errors.';
const MAX_DESCRIPTION_LENGTH = 300;
const RESERVED_FILE = 'hex_metadata.config';

export interface Validation {
  /** Printed after the summary, in this order (plain text: mix shows them in yellow). */
  warnings: string[];
  /** When not empty, the build stops: mix prints ERRORS_HEADER and then one line each. */
  errors: string[];
  /**
   * What mix builds but hex.pm refuses at publish (a dependency from another organization's
   * repository): `build` prints the warning, `publish` stops with the error, before any upload.
   */
  publishRefusals: Array<{ warning: string; error: string }>;
}

export interface ValidationInput {
  root: string;
  name: string;
  version: string;
  meta: Meta;
  requirements: Requirement[];
  excludedDeps: string[];
  organization: Term | undefined;
  /** `files:` exactly as given in mix.exs; undefined when the default list is used. */
  filesPatterns: string[] | undefined;
}

export function isPublic(organization: Term | undefined): boolean {
  return organization === undefined || organization === NIL || termEquals(organization, binary(DEFAULT_REPO));
}

export function validate(input: ValidationInput): Validation {
  const { meta, organization } = input;
  const warnings: string[] = [];
  const errors: string[] = [];
  const missing = (fields: readonly string[]) => {
    const absent = fields.filter((f) => !meta.has(f));
    return absent.length > 0 ? [`Missing metadata fields: ${absent.join(', ')}`] : [];
  };
  if (isPublic(organization)) {
    errors.push(...missing([...ERROR_FIELDS, ...WARN_FIELDS]));
  } else {
    warnings.push(...missing(WARN_FIELDS));
    errors.push(...missing(ERROR_FIELDS));
  }

  const description = meta.get('description');
  if (description instanceof Uint8Array && tooLong(Buffer.from(description).toString('utf8'))) {
    errors.push(`Package description is too long (exceeds ${MAX_DESCRIPTION_LENGTH} characters)`);
  }

  const patterns = input.filesPatterns ?? [];
  const missingFiles = patterns.filter((p) => wildcardFromCwd(input.root, p).length === 0);
  if (missingFiles.length > 0) errors.push(`Missing files: ${missingFiles.join(', ')}`);
  if (patterns.some((p) => wildcardFromCwd(input.root, p).includes(RESERVED_FILE))) errors.push(`Do not include this file: ${RESERVED_FILE}`);

  if (input.excludedDeps.length > 0) {
    errors.push(`Dependencies excluded from the package (only Hex packages can be dependencies): ${input.excludedDeps.join(', ')}`);
  }

  // Beyond mix: what hex.pm refuses at publish time (422), said before building. Mix's own
  // errors and warnings come first, so that its output stays as it is.
  const registry = registryChecks(input.name, input.version);
  const publishRefusals = dependencyRefusals(input.requirements, organization);
  const result = (mixErrors: string[]): Validation => ({
    warnings: [...warnings, ...registry.warnings],
    errors: [...mixErrors, ...registry.errors],
    publishRefusals,
  });
  if (errors.length > 0) return result(errors);

  if (isPublic(organization)) {
    const licenses = meta.get('licenses');
    if (!Array.isArray(licenses)) return result(['Invalid :licenses in package: expected a list']);
    warnings.push(...licenseWarnings(licenses));
  }

  const files = meta.get('files') as Uint8Array[];
  if (files.length === 0) return result(['Creating tarball failed: File list was empty.']);
  const unsafe = checkFileSafety(input.root, files.map((f) => Buffer.from(f).toString('utf8')));
  return result(unsafe ? [unsafe] : []);
}

/** mix checks `files:` entries with Path.wildcard from the project directory, not joined onto it. */
function wildcardFromCwd(root: string, pattern: string): string[] {
  return pattern.startsWith('/') ? wildcard('/', pattern).map((p) => '/' + p) : wildcard(root, pattern);
}

function licenseWarnings(licenses: Term[]): string[] {
  if (licenses.length === 0) return ['\nYou have not included any licenses\n'];
  const invalid = licenses
    .map((l) => ({ l, id: l instanceof Uint8Array ? Buffer.from(l).toString('utf8') : undefined }))
    .filter(({ id }) => id === undefined || !isValidLicense(id))
    .map(({ l }) => toElixirString(l)?.toString('utf8') ?? '?');
  if (invalid.length === 0) return [];
  return [
    'The following licenses are not recognized by SPDX:\n' +
      invalid.map((id) => ` * ${id}\n`).join('') +
      '\nValid license identifiers are available from https://spdx.org/licenses',
  ];
}

/**
 * What hex.pm refuses of a package that is already built (publish --tarball): its name,
 * version and dependencies on other organizations' repositories, in the words of `validate`.
 */
export function registryRefusals(name: string, version: string, requirements: Requirement[], organization: string | undefined): Pick<Validation, 'errors' | 'warnings'> {
  const { errors, warnings } = registryChecks(name, version);
  const dependencies = dependencyRefusals(requirements, organization === undefined ? undefined : binary(organization));
  return { errors: [...errors, ...dependencies.map((r) => r.error)], warnings };
}

/** hex.pm's rule: a package may depend only on hexpm and on its own organization's repository. */
function dependencyRefusals(requirements: Requirement[], organization: Term | undefined): Validation['publishRefusals'] {
  const own = isPublic(organization) ? undefined : toElixirString(organization!)?.toString('utf8');
  return requirements
    .filter((r) => r.repository !== DEFAULT_REPO && r.repository !== own)
    .map((r) => {
      // hexpm's words (Hexpm.Changeset.validate_repository), which publish stops with.
      const refusal = own === undefined
        ? `dependencies can only belong to public repository "hexpm", got: ${JSON.stringify(r.repository)}`
        : `dependencies can only belong to public repository "hexpm" or current repository ${JSON.stringify(own)}, got: ${JSON.stringify(r.repository)}`;
      return {
        warning: `Dependency ${r.name} is from repository ${JSON.stringify(r.repository)}: hex.pm will refuse to publish this package (${refusal})`,
        error: `${r.name}: ${refusal}`,
      };
    });
}

// hex.pm's checks of the name and version (Package.build and Hexpm.Version), with its words.
// The name rules apply to new packages only; a package made before hex.pm required lowercase
// (May 2024, `^[a-z][a-z0-9_]*$`, earlier `^[a-z]\w*$`) keeps its name, so capitals are a warning.
// The regexes are PCRE's: `$` also matches before a final newline.
const NAME_FORMAT = /^[a-z][a-z0-9_]*\n?$/;
const LEGACY_NAME_FORMAT = /^[a-z]\w*\n?$/;
// Ecto's cast takes a name that is blank after String.trim_leading as missing: Unicode's White_Space.
const BLANK = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;
const MAX_PRERELEASE_BYTES = 64;

function registryChecks(name: string, version: string): Pick<Validation, 'errors' | 'warnings'> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const refusesName = (problem: string) => `hex.pm refuses package name ${JSON.stringify(name)}: ${problem}`;
  if (BLANK.test(name)) errors.push(refusesName("can't be blank"));
  else if (countGraphemes(name, 2) < 2) errors.push(refusesName('should be at least 2 character(s)'));
  else if (!LEGACY_NAME_FORMAT.test(name)) errors.push(refusesName('has invalid format'));
  else if (!NAME_FORMAT.test(name)) {
    warnings.push(`${refusesName('has invalid format')} for a new package (only packages created before May 2024 may have capital letters)`);
  }

  const refusesVersion = (problem: string) => `hex.pm refuses version ${JSON.stringify(version)}: ${problem}`;
  if (!isValidVersion(version)) errors.push(refusesVersion('is invalid SemVer'));
  else {
    const { build, pre } = parseVersion(version);
    if (build.length > 0) errors.push(refusesVersion('build number not allowed'));
    else if (Buffer.byteLength(pre.join('.')) > MAX_PRERELEASE_BYTES) errors.push(refusesVersion(`prerelease must be at most ${MAX_PRERELEASE_BYTES} characters`));
  }
  return { errors, warnings };
}

/** Longer than mix's limit, counted in graphemes as String.length does in Elixir. */
function tooLong(text: string): boolean {
  // No string has more graphemes than UTF-16 units, and the segmenter takes milliseconds to make.
  if (text.length <= MAX_DESCRIPTION_LENGTH) return false;
  return countGraphemes(text, MAX_DESCRIPTION_LENGTH) > MAX_DESCRIPTION_LENGTH;
}
