// Versions and version requirements with the semantics of Elixir's Version module (what mix and
// hex.pm use): `~> 1.2` means >= 1.2.0 and < 2.0.0-0, `~> 1.2.3` means >= 1.2.3 and < 1.3.0-0,
// `and` binds tighter than `or`, a bare version means `==`, build metadata is ignored. The lexer
// copies Version.Parser's quirks so the same strings are accepted and refused.

import { CliError } from '../errors.js';

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers; numeric ones as numbers (they compare numerically, and below words). */
  pre: Array<string | number>;
  build: string[];
}

export type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=' | '~>';

/** A version in a requirement: `~>` may leave out the patch (`~> 1.2`), giving null. */
export interface RequirementVersion extends Omit<Version, 'patch'> {
  patch: number | null;
}

export interface Comparison {
  operator: Operator;
  version: RequirementVersion;
}

export interface Requirement {
  source: string;
  /** Matches when every comparison of any one group matches (`or` of `and`s). */
  anyOf: Comparison[][];
}

export interface MatchOptions {
  /**
   * When false, a pre-release version only matches `~>`, `>` and `>=` if that comparison's own
   * version is a pre-release (Elixir's `allow_pre: false`, which Hex uses when resolving).
   */
  allowPre?: boolean;
}

export class InvalidVersionError extends CliError {
  constructor(readonly version: string) {
    super(`invalid version ${quote(version)}: expected MAJOR.MINOR.PATCH with optional -PRE and +BUILD, e.g. 1.4.0-rc.1`);
    this.name = 'InvalidVersionError';
  }
}

export class InvalidRequirementError extends CliError {
  constructor(readonly requirement: string, reason: string) {
    super(`invalid requirement ${quote(requirement)}: ${reason}`);
    this.name = 'InvalidRequirementError';
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 100 ? text.slice(0, 100) + '…' : text);
}

const MAX_NUMBER_DIGITS = 14;

// Version.Parser.parse_version: `approximate` allows a missing patch (after `~>`).
function parseVersionParts(text: string, approximate: boolean): RequirementVersion | undefined {
  const plus = text.indexOf('+');
  const withPre = plus < 0 ? text : text.slice(0, plus);
  const buildText = plus < 0 ? undefined : text.slice(plus + 1);
  const dash = withPre.indexOf('-');
  const core = dash < 0 ? withPre : withPre.slice(0, dash);
  const preText = dash < 0 ? undefined : withPre.slice(dash + 1);

  const numbers = core.split('.');
  if (numbers.length > 3) return undefined;
  const major = parseNumber(numbers[0]);
  const minor = parseNumber(numbers[1]);
  const patch = numbers[2] === undefined && approximate ? null : parseNumber(numbers[2]);
  if (major === undefined || minor === undefined || patch === undefined) return undefined;

  const preParts = identifiers(preText);
  const build = identifiers(buildText);
  if (!preParts || !build) return undefined;
  const pre: Array<string | number> = [];
  for (const part of preParts) {
    if (!/^[0-9]+$/.test(part)) pre.push(part);
    else if (part.length > MAX_NUMBER_DIGITS || (part.length > 1 && part[0] === '0')) return undefined;
    else pre.push(Number(part));
  }
  return { major, minor, patch, pre, build };
}

function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,14}$/.test(text) || (text.length > 1 && text[0] === '0')) return undefined;
  return Number(text);
}

function identifiers(text: string | undefined): string[] | undefined {
  if (text === undefined) return [];
  const parts = text.split('.');
  return parts.every((part) => /^[0-9A-Za-z-]+$/.test(part)) ? parts : undefined;
}

export function parseVersion(text: string): Version {
  const version = parseVersionParts(text, false);
  if (!version) throw new InvalidVersionError(text);
  return version as Version;
}

export function isValidVersion(text: string): boolean {
  return parseVersionParts(text, false) !== undefined;
}

export function formatVersion(version: RequirementVersion): string {
  const core = `${version.major}.${version.minor}` + (version.patch === null ? '' : `.${version.patch}`);
  const pre = version.pre.length ? '-' + version.pre.join('.') : '';
  const build = version.build.length ? '+' + version.build.join('.') : '';
  return core + pre + build;
}

type Comparable = Pick<Version, 'major' | 'minor' | 'patch' | 'pre'>;

/** -1, 0 or 1 by SemVer precedence; build metadata is ignored. */
export function compareVersions(a: string | Version, b: string | Version): -1 | 0 | 1 {
  return compare(typeof a === 'string' ? parseVersion(a) : a, typeof b === 'string' ? parseVersion(b) : b);
}

function compare(a: Comparable, b: Comparable): -1 | 0 | 1 {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.pre.length === 0 || b.pre.length === 0) {
    return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  }
  // Erlang term order on the lists: numbers before binaries, a prefix before the longer list.
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i]!;
    const y = b.pre[i]!;
    if (x === y) continue;
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return a.pre.length === b.pre.length ? 0 : a.pre.length < b.pre.length ? -1 : 1;
}

type Token = Operator | 'and' | 'or' | { version: string };

// Tried in this order at each position, as Version.Parser.lexer does.
const LEXEMES: Array<[string, Token | null]> = [
  ['>=', '>='],
  ['<=', '<='],
  ['~>', '~>'],
  ['>', '>'],
  ['<', '<'],
  ['==', '=='],
  [' or ', 'or'],
  [' and ', 'and'],
  ['!=', '!='],
  ['!', '!='], // deprecated spelling of !=
  [' ', null],
];

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let buffer = '';
  const flush = () => {
    if (buffer === '') return;
    const last = tokens.at(-1);
    // A version right after another version, `and`/`or` or at the start is an implicit ==.
    if (last === undefined || typeof last === 'object' || last === 'and' || last === 'or') tokens.push('==');
    tokens.push({ version: buffer });
    buffer = '';
  };
  let i = 0;
  outer: while (i < text.length) {
    for (const [lexeme, token] of LEXEMES) {
      if (text.startsWith(lexeme, i)) {
        flush();
        if (token) tokens.push(token);
        i += lexeme.length;
        continue outer;
      }
    }
    buffer += text[i];
    i++;
  }
  flush();
  return tokens;
}

/** Parses a requirement like `~> 1.2 or >= 2.0.0-rc.0 and < 3.0.0`; throws InvalidRequirementError. */
export function parseRequirement(text: string): Requirement {
  const tokens = lex(text);
  if (tokens.length === 0) invalid(text, 'it is empty');

  const anyOf: Comparison[][] = [[]];
  for (let i = 0; ; i += 3) {
    // By construction of the tokens, each comparison is an operator followed by a version.
    const operator = tokens[i];
    const operand = tokens[i + 1];
    if (operator === 'and' || operator === 'or') invalid(text, `"${operator}" must come between two comparisons`);
    if (!isOperator(operator) || typeof operand !== 'object') invalid(text, `"${String(operator)}" must be followed by a version`);
    const version = parseVersionParts(operand.version, operator === '~>');
    if (!version) {
      invalid(
        text,
        operator === '~>'
          ? `${quote(operand.version)} is not a version (expected MAJOR.MINOR or MAJOR.MINOR.PATCH after ~>)`
          : `${quote(operand.version)} is not a version (expected MAJOR.MINOR.PATCH)`,
      );
    }
    anyOf.at(-1)!.push({ operator, version });

    const joiner = tokens[i + 2];
    if (joiner === undefined) return { source: text, anyOf };
    if (joiner !== 'and' && joiner !== 'or') {
      const after = tokens[i + 3];
      if (typeof after !== 'object') invalid(text, `"${String(joiner)}" must be followed by a version`);
      // `1.0.0 or` lexes as two bare versions: say what was not understood.
      if (!parseVersionParts(after.version, true)) invalid(text, `${quote(after.version)} is not a version`);
      invalid(text, 'comparisons must be joined with "and" or "or"');
    }
    if (tokens[i + 3] === undefined) invalid(text, `it ends with "${joiner}"`);
    if (joiner === 'or') anyOf.push([]);
  }
}

function isOperator(token: Token | undefined): token is Operator {
  return typeof token === 'string' && token !== 'and' && token !== 'or';
}

function invalid(text: string, reason: string): never {
  throw new InvalidRequirementError(text, reason);
}

export function isValidRequirement(text: string): boolean {
  try {
    parseRequirement(text);
    return true;
  } catch (err) {
    if (err instanceof InvalidRequirementError) return false;
    throw err;
  }
}

function compareToBound(version: Comparable, bound: RequirementVersion, patch = bound.patch ?? 0): -1 | 0 | 1 {
  return compare(version, { major: bound.major, minor: bound.minor, patch, pre: bound.pre });
}

function matchesComparison(version: Version, { operator, version: req }: Comparison, allowPre: boolean): boolean {
  const preAllowed = allowPre || req.pre.length > 0 || version.pre.length === 0;
  switch (operator) {
    case '==':
      return compareToBound(version, req) === 0;
    case '!=':
      return compareToBound(version, req) !== 0;
    case '>':
      return compareToBound(version, req) > 0 && preAllowed;
    case '>=':
      return compareToBound(version, req) >= 0 && preAllowed;
    case '<':
      return compareToBound(version, req) < 0;
    case '<=':
      return compareToBound(version, req) <= 0;
    case '~>':
      return compareToBound(version, req) >= 0 && compare(version, tildeUpperBound(req)) < 0 && preAllowed;
  }
}

// `~> 1.2` stops below 2.0.0-0 and `~> 1.2.3` below 1.3.0-0: never a pre-release of the bound.
function tildeUpperBound(req: RequirementVersion): Comparable {
  return req.patch === null
    ? { major: req.major + 1, minor: 0, patch: 0, pre: [0] }
    : { major: req.major, minor: req.minor + 1, patch: 0, pre: [0] };
}

/**
 * Version.match?: whether `version` satisfies `requirement`. `allowPre` defaults to true as in
 * Elixir. Throws InvalidVersionError / InvalidRequirementError for unparsable strings.
 */
export function matches(version: string | Version, requirement: string | Requirement, options: MatchOptions = {}): boolean {
  const parsed = typeof version === 'string' ? parseVersion(version) : version;
  const req = typeof requirement === 'string' ? parseRequirement(requirement) : requirement;
  const allowPre = options.allowPre ?? true;
  return req.anyOf.some((all) => all.every((comparison) => matchesComparison(parsed, comparison, allowPre)));
}

export interface NewestMatchingOptions extends MatchOptions {
  /** Versions to pass over (for example retired ones), compared as written. */
  exclude?: Iterable<string>;
}

/**
 * The highest of `versions` that satisfies `requirement`, or undefined. Unlike `matches`,
 * `allowPre` defaults to false: like Hex, pre-releases are only picked when asked for.
 * Strings that are not versions are skipped.
 */
export function newestMatching(
  versions: Iterable<string>,
  requirement: string | Requirement,
  options: NewestMatchingOptions = {},
): string | undefined {
  const req = typeof requirement === 'string' ? parseRequirement(requirement) : requirement;
  const exclude = new Set(options.exclude);
  const matchOptions = { allowPre: options.allowPre ?? false };
  let best: { text: string; version: Version } | undefined;
  for (const text of versions) {
    if (exclude.has(text)) continue;
    const version = parseVersionParts(text, false) as Version | undefined;
    if (!version || !matches(version, req, matchOptions)) continue;
    if (!best || compare(version, best.version) > 0) best = { text, version };
  }
  return best?.text;
}

/**
 * The requirement as a node-semver range. With `{ includePrerelease: true }` it matches exactly
 * the versions `matches` accepts with allowPre true; without it semver's own pre-release rule
 * applies, which is close to but not the same as allowPre false.
 */
export function toSemverRange(requirement: string | Requirement): string {
  const req = typeof requirement === 'string' ? parseRequirement(requirement) : requirement;
  return req.anyOf.flatMap(semverSets).join(' || ');
}

function semverSets(all: Comparison[]): string[] {
  const base: string[] = [];
  const excluded: RequirementVersion[] = [];
  for (const { operator, version } of all) {
    const v = semverVersion(version);
    if (operator === '!=') excluded.push(version);
    else if (operator === '==') base.push(`=${v}`);
    else if (operator === '~>') base.push(`>=${v}`, `<${semverVersion(tildeUpperBound(version))}`);
    else base.push(`${operator}${v}`);
  }
  if (excluded.length === 0) return [base.join(' ') || '*'];
  // semver has no "not equal": the versions other than p1 < … < pk are the k+1 open gaps between them.
  const points = excluded
    .sort((a, b) => compareToBound(a as Comparable, b))
    .filter((p, i, sorted) => i === 0 || compareToBound(p as Comparable, sorted[i - 1]!) !== 0)
    .map(semverVersion);
  const gaps = points.map((p, i) => (i === 0 ? [`<${p}`] : [`>${points[i - 1]}`, `<${p}`]));
  gaps.push([`>${points.at(-1)}`]);
  return gaps.map((gap) => [...base, ...gap].join(' '));
}

function semverVersion(version: RequirementVersion | Comparable): string {
  return `${version.major}.${version.minor}.${version.patch ?? 0}` + (version.pre.length ? '-' + version.pre.join('.') : '');
}
