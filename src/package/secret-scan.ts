// The secret scan before an upload: credentials in the files going into a package (or its
// docs), found before anything leaves the machine. hex.pm scans releases after they are
// public and mails the owners; a key in a package is leaked the moment it is uploaded.
//
// Pure: it reads the bytes it is given and nothing else. The work is linear in the input:
// every pattern starts with a literal (or only at the start of a run of its characters) and
// has bounded quantifiers whose runs end at a character outside them, so a match attempt
// costs a bounded number of steps and does not backtrack across runs; the assignment
// heuristics walk a line once, left to right, and only lines of at most MAX_LINE characters
// that name something secret-looking.
import { Tuple, isAtom, isBinary, type Term } from '../erlang/term.js';
import { crc32 } from '../util/crc32.js';

export interface ScanFile {
  /** As stored in the package, '/'-separated. */
  path: string;
  data: Uint8Array;
}

export interface SecretFinding {
  path: string;
  /** 1-based. */
  line: number;
  kind: SecretKind;
  /** The first characters of the secret (at most 4, never more than a third of it) and a mask. */
  preview: string;
}

export interface SecretScanResult {
  findings: SecretFinding[];
  scannedFiles: number;
  /** Paths matched by an ignore glob (hex_metadata.config always), in the order given. */
  ignoredFiles: string[];
}

/** Rule ids (stable: they are in --json output) and what each names, for people. */
export const SECRET_KINDS = {
  'hex-api-key': 'Hex API key',
  'hex-oauth-token': 'hex.pm OAuth token',
  'aws-access-key-id': 'AWS access key id',
  'aws-secret-access-key': 'AWS secret access key',
  'gcp-service-account': 'Google Cloud service account key',
  'google-api-key': 'Google API key',
  'azure-storage-key': 'Azure storage account key',
  'github-token': 'GitHub token',
  'gitlab-token': 'GitLab token',
  'slack-token': 'Slack token',
  'slack-webhook': 'Slack webhook URL',
  'stripe-live-key': 'Stripe live secret key',
  'private-key': 'private key',
  'env-file': 'secret in a .env file',
  'high-entropy-assignment': 'secret-looking value assigned to a credential name',
} as const;

export type SecretKind = keyof typeof SECRET_KINDS;

/** hex.pm never scans the metadata it writes itself beside the files. */
export const ALWAYS_IGNORED = ['hex_metadata.config'] as const;

const MASK = '********';
/** Binary files (a NUL in their first 8 KB) are only searched for private-key blocks. */
const BINARY_SNIFF = 8192;
/** Longer lines (minified code, data) are left to the pattern rules: the heuristics skip them. */
const MAX_LINE = 4096;
const MAX_NAME = 80;
const MAX_VALUE = 300;

export function scanForSecrets(files: Iterable<ScanFile>, options: { ignore?: readonly string[] } = {}): SecretScanResult {
  const ignored = globMatcher([...ALWAYS_IGNORED, ...(options.ignore ?? [])]);
  const findings: SecretFinding[] = [];
  const ignoredFiles: string[] = [];
  let scannedFiles = 0;
  for (const file of files) {
    if (ignored(file.path)) {
      ignoredFiles.push(file.path);
      continue;
    }
    scannedFiles++;
    findings.push(...scanFile(file));
  }
  return { findings, scannedFiles, ignoredFiles };
}

/**
 * The `secret_scan: [ignore: [globs]]` package option: from the prepared metadata (string
 * keys, mix's keyword list) or a parsed metadata.config (binary keys, a proplist). Like
 * hex.pm, only a list holding an `ignore` list counts, and only the strings in it.
 */
export function secretScanIgnores(metadata: Iterable<readonly [string | Term, Term]>): string[] {
  for (const [key, value] of metadata) {
    if (textOf(key) !== 'secret_scan' || !Array.isArray(value)) continue;
    for (const entry of value) {
      if (!(entry instanceof Tuple) || entry.elements.length !== 2 || textOf(entry.elements[0]!) !== 'ignore') continue;
      const globs = entry.elements[1]!;
      return Array.isArray(globs) ? globs.filter(isBinary).map((g) => Buffer.from(g).toString('utf8')) : [];
    }
  }
  return [];
}

const textOf = (t: string | Term): string | undefined =>
  typeof t === 'string' ? t : isBinary(t) ? Buffer.from(t).toString('utf8') : isAtom(t) ? t.name : undefined;

/**
 * Ignore globs, matched against the whole path: `*` within one segment, `**` across
 * segments (zero or more: `**\/x.pem` matches `x.pem`; `test/**` everything under test/),
 * `?` one character other than `/`. Anything else is literal.
 */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const sources = globs.map((glob) => {
    let source = '';
    for (let i = 0; i < glob.length; ) {
      if (glob.startsWith('**/', i)) {
        source += '(?:.*/)?';
        i += 3;
      } else if (glob.startsWith('**', i)) {
        source += '.*';
        i += 2;
      } else if (glob[i] === '*') {
        source += '[^/]*';
        i++;
      } else if (glob[i] === '?') {
        source += '[^/]';
        i++;
      } else {
        source += glob[i]!.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        i++;
      }
    }
    return source;
  });
  const pattern = new RegExp(`^(?:${sources.join('|')})$`, 's');
  return (path) => pattern.test(path);
}

// --- the pattern rules ---

interface PatternRule {
  kind: SecretKind;
  pattern: RegExp;
  /** The secret in the match (default: all of it); undefined when the match is not one. */
  secret?: (match: RegExpExecArray, text: string) => string | undefined;
}

/** `hex_` and 16 random bytes with their CRC-32, in lower-case hex (hexpm PR #1536). */
function hexKey(match: RegExpExecArray): string | undefined {
  const bytes = Buffer.from(match[0].slice(4), 'hex');
  return crc32(bytes.subarray(0, 16)) === bytes.readUInt32BE(16) ? match[0] : undefined;
}

/** hex.pm's OAuth access and refresh tokens are JWTs issued by `hexpm` (Hexpm.OAuth.JWT). */
function hexpmJwt(match: RegExpExecArray): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(match[2]!, 'base64url').toString('utf8')) as { iss?: unknown };
    return claims.iss === 'hexpm' ? match[0] : undefined;
  } catch {
    return undefined;
  }
}

/** A header line of a PEM block (Proc-Type, DEK-Info, PGP's Version), skipped before the body. */
const PEM_HEADER = /^[A-Za-z-]{1,40}: [^\r\n\\]{0,200}/;
const PEM_BODY = /^[A-Za-z0-9+/]{40}/;
const PEM_GAP = /^(?:\s|\\[rn]){0,8}/;

/** A line of dots in a key block: the body was cut short for the documentation (base64 has no dot); `…` as Latin-1 reads it. */
const ELIDED = /(?:^|\n|\\n)[ \t]*(?:\.{3,}|\xe2\x80\xa6)[ \t]*(?:\r?\n|\\n)/;
/** How far after a BEGIN line an elision is looked for: a 2048-bit RSA key's body, about. */
const ELISION_WINDOW = 2048;

/**
 * The body after a BEGIN line (as in a file, or \n-escaped in JSON or a string); undefined for
 * a mention of the header alone, or for a block elided in documentation (`...` for most of it).
 */
function pemBody(match: RegExpExecArray, text: string): string | undefined {
  const after = match.index + match[0].length;
  let rest = text.slice(after, after + 1024);
  for (let headers = 0; headers <= 4; headers++) {
    rest = rest.slice(PEM_GAP.exec(rest)![0].length);
    const body = PEM_BODY.exec(rest);
    if (body) {
      const block = text.slice(after, after + ELISION_WINDOW);
      const end = block.indexOf('-----END');
      return ELIDED.test(end === -1 ? block : block.slice(0, end)) ? undefined : body[0];
    }
    const header = PEM_HEADER.exec(rest);
    if (!header) return undefined;
    rest = rest.slice(header[0].length);
  }
  return undefined;
}

const PRIVATE_KEY: PatternRule = {
  kind: 'private-key',
  pattern: /-----BEGIN (?:RSA |EC |DSA |ENCRYPTED |OPENSSH |PGP )?PRIVATE KEY(?: BLOCK)?-----/g,
  secret: pemBody,
};

// Stripe test-mode keys (sk_test_) are left alone: they reach no money and no live data, and
// they are all over examples and test configuration, where a finding would teach --no-scan.
const PATTERN_RULES: PatternRule[] = [
  { kind: 'hex-api-key', pattern: /(?<![0-9A-Za-z_])hex_[0-9a-f]{40}(?![0-9A-Za-z_])/g, secret: hexKey },
  { kind: 'hex-oauth-token', pattern: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,2000})\.(eyJ[A-Za-z0-9_-]{8,4000})\.[A-Za-z0-9_-]{20,1000}(?![A-Za-z0-9_-])/g, secret: hexpmJwt },
  { kind: 'aws-access-key-id', pattern: /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g, secret: (m) => (m[0].includes('EXAMPLE') ? undefined : m[0]) },
  { kind: 'google-api-key', pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g },
  // The storage emulator's account key is published in Azure's documentation.
  { kind: 'azure-storage-key', pattern: /AccountKey=([A-Za-z0-9+/]{86}==)/g, secret: (m, text) => (near(text, m.index).includes('devstoreaccount1') ? undefined : m[1]) },
  { kind: 'github-token', pattern: /(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g },
  { kind: 'github-token', pattern: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_])/g },
  { kind: 'gitlab-token', pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?(?![A-Za-z0-9_.-])/g },
  { kind: 'slack-token', pattern: /(?<![A-Za-z0-9-])xox[abprs]-[0-9]{1,20}-[0-9A-Za-z-]{10,250}(?![A-Za-z0-9-])/g },
  { kind: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/(services\/T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32})(?![A-Za-z0-9])/g, secret: (m) => m[1] },
  { kind: 'slack-webhook', pattern: /https:\/\/hooks\.slack\.com\/((?:workflows|triggers)\/T[A-Z0-9]{6,12}\/[A-Za-z0-9]{6,12}\/[0-9]{6,20}\/[A-Za-z0-9]{20,40})(?![A-Za-z0-9])/g, secret: (m) => m[1] },
  { kind: 'stripe-live-key', pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_live_[0-9A-Za-z]{20,247}(?![A-Za-z0-9_])/g },
  PRIVATE_KEY,
];

// --- the heuristics: names that look secret, values that look random ---

/** Lock files are full of checksums next to names; only the pattern rules read them. */
const LOCK_FILES = new Set(['mix.lock', 'rebar.lock', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'Gemfile.lock', 'poetry.lock', 'composer.lock', 'go.sum']);
/** `.env`, `.env.local`, `.env.production`…, but not the templates meant to be shipped. */
const ENV_FILE = /^\.env(?:\.[A-Za-z0-9_.-]+)?$/;
const ENV_TEMPLATE = /\.(?:example|sample|template|dist)$/;

/** Where a line may name a secret; only such lines are walked. */
const SECRET_HINT = /secret|token|passw|passphrase|pwd|api[_-]?key|apikey|private[_-]?key|credential|auth|access[_-]?key/gi;
/** An Elixir documentation heredoc: its examples are not the package's secrets. */
const DOC_HEREDOC = /@(?:moduledoc|doc|typedoc)[ \t]+(?:~[sS])?("""|''')/g;

const SECRET_WORDS = new Set(['secret', 'secrets', 'token', 'tokens', 'password', 'passwords', 'passwd', 'pwd', 'passphrase', 'credential', 'credentials', 'apikey', 'privatekey', 'accesskey', 'auth']);
const KEY_PAIRS = new Set(['api', 'private', 'access', 'signing', 'encryption', 'master', 'account', 'secret']);
/** A name ending in one of these holds something about a secret, not the secret. */
const NOT_SECRET_ENDINGS = new Set([
  'url', 'uri', 'urls', 'endpoint', 'host', 'path', 'file', 'filename', 'dir', 'type', 'name', 'field', 'header', 'length', 'size', 'env', 'var',
  'prefix', 'id', 'hash', 'digest', 'salt', 'expires', 'expiry', 'ttl', 'count', 'timeout', 'format', 'kind', 'mode', 'method', 'enabled',
  'required', 'param', 'label', 'regex', 'pattern', 'placeholder', 'example', 'hint', 'description', 'doc', 'schema', 'module', 'provider',
  'store', 'storage', 'location', 'algorithm', 'version', 'scope', 'scopes', 'policy', 'strategy', 'min', 'max', 'error', 'errors', 'message',
]);

function nameWords(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** Whether `name` looks like it holds a credential; in .env files a `…_KEY` does too. */
function secretName(name: string, envFile: boolean): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (last === undefined || NOT_SECRET_ENDINGS.has(last)) return false;
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  if (words.some((w, i) => w === 'key' && i > 0 && KEY_PAIRS.has(words[i - 1]!))) return true;
  return envFile && last === 'key';
}

const PLACEHOLDER = /\$\{|\{\{|#\{|%\{|<[^>]*>|^[$%]|changeme|change[_-]me|example|placeholder|your[_-]|replace[_-]?me|dummy|redacted|xxxx|\*\*\*\*|\.\.\.|^(?:true|false|nil|null|none|undefined)$/i;
/** Stripe's test-mode and publishable keys (see the pattern rules). */
const NOT_SECRET_KEYS = /^(?:sk|rk|pk)_test_|^pk_live_/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]+$/i;
const LEGACY_HEX_KEY = /^[0-9a-f]{32}$/;
const AWS_SECRET = /^[A-Za-z0-9/+]{40}$/;

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

/** Random enough to be a credential: long, mixed, and high in entropy (hex digits carry at most 4 bits). */
function looksRandom(value: string): boolean {
  if (value.length < 16 || value.length > MAX_VALUE || UUID.test(value) || /\s/.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  if (HEX.test(value)) return value.length >= 32 && shannonEntropy(value) >= 3.0;
  return shannonEntropy(value) >= 3.5;
}

interface Assignment {
  name: string;
  value: string;
  /** Offset in the line of the value. */
  at: number;
}

/** Character classes by code, looked up per character (a regex test per character costs more). */
const charClass = (chars: string) => {
  const table = new Uint8Array(128);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  return { test: (c: string | undefined) => c !== undefined && table[c.charCodeAt(0)] === 1 };
};
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const NAME_START = charClass(`${LETTERS}_`);
const NAME_CHAR = charClass(`${LETTERS}${DIGITS}_.-`);
const UNQUOTED_CHAR = charClass(`${LETTERS}${DIGITS}+/=_.~-`);
const UNQUOTED_END = charClass(' \t\r\n\f\v,;#)}]');

/**
 * `name = "value"`, `name: "value"`, `"name": "value"`, `name => 'value'`, `NAME=value`,
 * `@name "value"`: one walk over the line. A value's characters are not looked at again for
 * names, and a quote's closing position is searched once per quote character, so the walk is
 * linear in the line.
 */
function* assignments(line: string): Generator<Assignment> {
  const closing = { '"': -2, "'": -2 } as Record<string, number>;
  const closeAfter = (quote: string, from: number): number => {
    if (closing[quote]! < from && closing[quote]! !== -1) closing[quote] = line.indexOf(quote, from);
    return closing[quote]! >= from ? closing[quote]! : -1;
  };
  let i = 0;
  while (i < line.length) {
    if (!NAME_START.test(line[i]) || (i > 0 && (NAME_CHAR.test(line[i - 1]) || line[i - 1] === '$'))) {
      i++;
      continue;
    }
    const start = i;
    while (i < line.length && NAME_CHAR.test(line[i])) i++;
    const name = line.slice(start, i);
    if (name.length > MAX_NAME) continue;
    let j = i;
    const attribute = start > 0 && line[start - 1] === '@';
    const opening = start > 0 ? line[start - 1]! : '';
    if ((opening === '"' || opening === "'") && line[j] === opening) j++;
    let spaces = 0;
    while ((line[j] === ' ' || line[j] === '\t') && spaces < 16) j++, spaces++;
    let operator = '';
    if (line.startsWith('=>', j) || line.startsWith(':=', j)) operator = line.slice(j, j + 2);
    else if ((line[j] === ':' && line[j + 1] !== ':') || (line[j] === '=' && line[j + 1] !== '=')) operator = line[j]!;
    if (operator === '' && !(attribute && spaces > 0)) continue;
    j += operator.length;
    while ((line[j] === ' ' || line[j] === '\t') && j - i < 40) j++;
    const quote = line[j];
    if (quote === '"' || quote === "'") {
      const end = closeAfter(quote, j + 1);
      if (end === -1 || end - j - 1 > MAX_VALUE) continue;
      yield { name, value: line.slice(j + 1, end), at: j + 1 };
      i = end + 1;
    } else if (operator !== '' && quote !== undefined && UNQUOTED_CHAR.test(quote)) {
      let end = j;
      while (end < line.length && UNQUOTED_CHAR.test(line[end])) end++;
      if (end - j <= MAX_VALUE && (end === line.length || UNQUOTED_END.test(line[end]))) yield { name, value: line.slice(j, end), at: j };
      i = end;
    }
  }
}

// --- one file ---

function scanFile(file: ScanFile): SecretFinding[] {
  const data = Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
  // latin1: one character per byte, so offsets stay byte offsets and no input is invalid.
  const text = data.toString('latin1');
  const binary = data.subarray(0, BINARY_SNIFF).includes(0);
  const lines = new LineIndex(text);
  const findings: SecretFinding[] = [];
  const seen = new Set<string>();
  const flaggedLines = new Set<number>();
  const add = (kind: SecretKind, secret: string, offset: number) => {
    const line = lines.lineOf(offset);
    const key = `${kind}\0${secret}`;
    flaggedLines.add(line);
    if (seen.has(key)) return; // the same credential again in this file: its first place says enough
    seen.add(key);
    findings.push({ path: file.path, line, kind, preview: preview(secret) });
  };

  for (const rule of binary ? [PRIVATE_KEY] : PATTERN_RULES) {
    rule.pattern.lastIndex = 0;
    for (let match = rule.pattern.exec(text); match; match = rule.pattern.exec(text)) {
      const secret = rule.secret ? rule.secret(match, text) : match[0];
      if (secret === undefined) continue;
      // A service account's JSON carries its private key as "private_key": "-----BEGIN…".
      const kind = rule === PRIVATE_KEY && /"private_key"\s*:\s*"$/.test(text.slice(Math.max(0, match.index - 40), match.index)) ? 'gcp-service-account' : rule.kind;
      add(kind, secret, match.index);
    }
  }
  if (binary) return sorted(findings);

  const base = file.path.slice(file.path.lastIndexOf('/') + 1);
  const envFile = ENV_FILE.test(base) && !ENV_TEMPLATE.test(base);
  const lockFile = LOCK_FILES.has(base);
  const docRanges = /\.exs?$/.test(base) ? docHeredocs(text) : [];
  // Lines are walked in order, each once: `walkedTo` is where the last one ended, so finding a
  // line's start never looks back past it (a hint inside a walked or skipped line is passed over).
  let walkedTo = 0;
  const walkLine = (offset: number) => {
    if (offset < walkedTo) return;
    const start = Math.max(walkedTo, text.lastIndexOf('\n', offset - 1) + 1);
    let end = text.indexOf('\n', offset);
    if (end === -1) end = text.length;
    walkedTo = end + 1;
    if (end - start > MAX_LINE) return;
    const lineNumber = lines.lineOf(start);
    if (flaggedLines.has(lineNumber) || insideRanges(docRanges, start)) return;
    const line = text.slice(start, end);
    if (envFile && /^\s*#/.test(line)) return;
    for (const { name, value, at } of assignments(line)) {
      const kind = judge(name, value, envFile, lockFile);
      if (kind) add(kind, value, start + at);
    }
  };
  if (envFile) {
    for (let offset = 0; offset < text.length; ) {
      walkLine(offset);
      const next = text.indexOf('\n', offset);
      offset = next === -1 ? text.length : next + 1;
    }
  } else {
    SECRET_HINT.lastIndex = 0;
    for (let hint = SECRET_HINT.exec(text); hint; hint = SECRET_HINT.exec(text)) walkLine(hint.index);
  }
  return sorted(findings);
}

/** What an assignment of `value` to `name` is, if it is a secret. */
function judge(name: string, value: string, envFile: boolean, lockFile: boolean): SecretKind | undefined {
  if (!secretName(name, envFile) || value === '' || PLACEHOLDER.test(value) || NOT_SECRET_KEYS.test(value)) return undefined;
  if (envFile) return 'env-file';
  if (lockFile) return undefined;
  const words = nameWords(name);
  if (words.includes('aws') || words.join('_').includes('secret_access_key')) {
    if (AWS_SECRET.test(value) && shannonEntropy(value) >= 3.5) return 'aws-secret-access-key';
  }
  // hex.pm's keys before PR #1536: 32 lower-case hex digits, a credential only where one is assigned.
  if (LEGACY_HEX_KEY.test(value) && shannonEntropy(value) >= 3.0) return 'hex-api-key';
  return looksRandom(value) ? 'high-entropy-assignment' : undefined;
}

function preview(secret: string): string {
  return secret.slice(0, Math.min(4, Math.floor(secret.length / 3))) + MASK;
}

function sorted(findings: SecretFinding[]): SecretFinding[] {
  return findings.sort((a, b) => a.line - b.line);
}

/** Offsets [start, end) of the documentation heredocs of an Elixir file. */
function docHeredocs(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  DOC_HEREDOC.lastIndex = 0;
  for (let open = DOC_HEREDOC.exec(text); open; open = DOC_HEREDOC.exec(text)) {
    const bodyStart = open.index + open[0].length;
    const close = text.indexOf(open[1]!, bodyStart);
    const end = close === -1 ? text.length : close + 3;
    ranges.push([bodyStart, end]);
    DOC_HEREDOC.lastIndex = end;
  }
  return ranges;
}

function insideRanges(ranges: Array<[number, number]>, offset: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [start, end] = ranges[mid]!;
    if (offset < start) high = mid - 1;
    else if (offset >= end) low = mid + 1;
    else return true;
  }
  return false;
}

/** The text within 512 characters of `offset` (bounded, whatever the length of its line). */
const near = (text: string, offset: number): string => text.slice(Math.max(0, offset - 512), offset + 512);

/** Line numbers of offsets; the newlines are only indexed once a file has something to report. */
class LineIndex {
  private newlines?: number[];
  constructor(private readonly text: string) {}

  lineOf(offset: number): number {
    if (!this.newlines) {
      this.newlines = [];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.newlines.push(i);
    }
    let low = 0;
    let high = this.newlines.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.newlines[mid]! < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  }
}
