// The checks `mix hex.build` runs after printing the package summary, with its messages.
import { binary, termEquals, type Term } from '../erlang/term.js';
import { checkFileSafety, wildcard } from './files.js';
import { isValidLicense } from './licenses.js';
import { DEFAULT_REPO, ERROR_FIELDS, WARN_FIELDS, type Meta, type Requirement } from './metadata.js';
import { NIL, toElixirString } from './mixexs/values.js';
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
}

export interface ValidationInput {
  root: string;
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

  // Beyond mix: hex.pm refuses these at publish time (422); saying so before building is kinder.
  errors.push(...repositoryErrors(input.requirements, organization));

  if (errors.length > 0) return { warnings, errors };

  if (isPublic(organization)) {
    const licenses = meta.get('licenses');
    if (!Array.isArray(licenses)) return { warnings, errors: ['Invalid :licenses in package: expected a list'] };
    warnings.push(...licenseWarnings(licenses));
  }

  const files = meta.get('files') as Uint8Array[];
  if (files.length === 0) return { warnings, errors: ['Creating tarball failed: File list was empty.'] };
  const unsafe = checkFileSafety(input.root, files.map((f) => Buffer.from(f).toString('utf8')));
  return { warnings, errors: unsafe ? [unsafe] : [] };
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

/** hex.pm's rule: a package may depend only on hexpm and on its own organization's repository. */
function repositoryErrors(requirements: Requirement[], organization: Term | undefined): string[] {
  const own = isPublic(organization) ? undefined : toElixirString(organization!)?.toString('utf8');
  return requirements
    .filter((r) => r.repository !== DEFAULT_REPO && r.repository !== own)
    .map((r) =>
      own === undefined
        ? `${r.name}: dependencies can only belong to public repository "hexpm", got: "${r.repository}"`
        : `${r.name}: dependencies can only belong to public repository "hexpm" or current repository "${own}", got: "${r.repository}"`,
    );
}

/** Longer than mix's limit, counted in graphemes as String.length does in Elixir. */
function tooLong(text: string): boolean {
  // No string has more graphemes than UTF-16 units, and the segmenter takes milliseconds to make.
  if (text.length <= MAX_DESCRIPTION_LENGTH) return false;
  return countGraphemes(text, MAX_DESCRIPTION_LENGTH) > MAX_DESCRIPTION_LENGTH;
}
