// The package file list, expanded the way `mix hex.build` does it: each `files:` pattern
// through Path.wildcard (sorted; `*` and `?` never match dotfiles), every directory listed
// and then walked depth-first, pre-order; `.DS_Store` and `exclude_patterns` dropped; then
// duplicates removed, keeping the first.
//
// One deliberate difference: mix walks directories in raw readdir order (File.ls!), which on
// ext4 is hash order and so differs between machines. hexts sorts each directory's entries
// by UTF-8 bytes, which makes builds reproducible; the reference corpus was built from
// names whose readdir order equals that sorted order. `listDir` lets a caller supply
// another order (a test can feed the order mix saw).
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { CliError } from '../errors.js';

/** A string (the path contains it) or a regex (it matches the path), as `path =~ pattern`. */
export type ExcludePattern = string | { test(path: string): boolean };

export interface ExpandOptions {
  /** The names in a directory, in walking order. Defaults to sorted by UTF-8 bytes. */
  listDir?: (absoluteDir: string) => string[];
}

export const compareBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function sortedListDir(dir: string): string[] {
  return readdirSync(dir).sort(compareBytes);
}

/**
 * The files and directories a package holds, relative to `root` (the project directory).
 * A path that leaves the project stays absolute, as in mix; {@link checkFileSafety} rejects it.
 */
export function expandFiles(root: string, patterns: string[], excludePatterns: ExcludePattern[], options: ExpandOptions = {}): string[] {
  const listDir = options.listDir ?? sortedListDir;
  const base = resolve(root);
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = (absolute: string) => {
    const normalized = resolve(absolute);
    if (!seen.has(normalized)) {
      seen.add(normalized);
      out.push(normalized);
    }
    if (isDirectoryNoFollow(absolute)) {
      for (const name of listDirOrFail(listDir, absolute)) visit(posix.join(absolute, name));
    }
  };
  for (const pattern of patterns) {
    for (const match of wildcard(base, pattern)) visit(posix.join(base, match));
  }
  return out
    .map((p) => relativeInside(base, p))
    .filter((p) => posix.basename(p) !== '.DS_Store' && !excludePatterns.some((x) => (typeof x === 'string' ? p.includes(x) : x.test(p))));
}

function relativeInside(base: string, absolute: string): string {
  const rel = relative(base, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return absolute;
  return rel.split(sep).join('/');
}

function isDirectoryNoFollow(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function listDirOrFail(listDir: (dir: string) => string[], dir: string): string[] {
  try {
    return listDir(dir);
  } catch (e) {
    throw new CliError(`could not list directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

// ------------------------------------------------------------ Path.wildcard

/** What Path.wildcard reads of the file system (the mix.exs evaluator passes its own, bounded to the project). */
export interface WildcardFs {
  /** The names in a directory (symlinks followed); [] when it cannot be listed. */
  list(dir: string): string[];
  isDirectory(path: string): boolean;
  exists(path: string): boolean;
  /** The path with symlinks resolved, to stop at a symlink loop; undefined when it does not exist. */
  realpath(path: string): string | undefined;
}

const nodeWildcardFs: WildcardFs = {
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
  isDirectory,
  exists,
  realpath: (path) => {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  },
};

/**
 * Elixir's Path.wildcard/1 (Erlang's filelib:wildcard with dotfiles hidden from listings, or
 * shown with `matchDot`), for `pattern` joined onto `root` as Path.join does. Returns paths
 * relative to `root`, sorted.
 */
export function wildcard(root: string, pattern: string, options: { fs?: WildcardFs; matchDot?: boolean } = {}): string[] {
  const walk: Walk = { fs: options.fs ?? nodeWildcardFs, matchDot: options.matchDot ?? false, walking: new Set() };
  const parts = pattern.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return walk.fs.exists(root) ? ['.'] : []; // the project directory itself
  const compiled = parts.map(compilePart);
  const literalPrefix: string[] = [];
  while (compiled.length > 0 && typeof compiled[0] === 'string') literalPrefix.push(compiled.shift() as string);
  const results: string[] = [];
  const start = literalPrefix.join('/');
  if (compiled.length === 0) {
    if (walk.fs.exists(posix.join(root, start))) results.push(start);
  } else {
    matchParts(walk, root, start, compiled, results);
  }
  return results.sort(compareBytes);
}

interface Walk {
  fs: WildcardFs;
  matchDot: boolean;
  walking: Set<string>;
}

const DOUBLE_STAR = Symbol('**');
type CompiledPart = string | RegExp | typeof DOUBLE_STAR;

function compilePart(part: string): CompiledPart {
  if (part === '**') return DOUBLE_STAR;
  const { source, literal } = globToRegex(part);
  return literal ?? new RegExp(`^${source}$`, 'su');
}

/** One path component of a glob: `*`, `?`, `[…]`, `{a,b}` and `\` escapes. */
function globToRegex(part: string): { source: string; literal?: string } {
  let source = '';
  let literal: string | undefined = '';
  const escape = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/gu, '\\$&');
  for (let i = 0; i < part.length; ) {
    const c = String.fromCodePoint(part.codePointAt(i)!);
    if (c === '\\' && i + 1 < part.length) {
      const next = String.fromCodePoint(part.codePointAt(i + 1)!);
      source += escape(next);
      if (literal !== undefined) literal += next;
      i += 1 + next.length;
      continue;
    }
    if (c === '*' || c === '?') {
      source += c === '*' ? '.*' : '.';
      literal = undefined;
      i++;
      continue;
    }
    if (c === '[') {
      const close = part.indexOf(']', i + 2);
      if (close > 0) {
        source += '[' + charClass(part.slice(i + 1, close)) + ']';
        literal = undefined;
        i = close + 1;
        continue;
      }
    }
    if (c === '{') {
      const alternatives = splitAlternatives(part, i + 1);
      if (alternatives) {
        // filelib appends the rest of the component to every alternative.
        const rest = globToRegex(part.slice(alternatives.end + 1)).source;
        source += '(?:' + alternatives.items.map((a) => globToRegex(a).source + rest).join('|') + ')';
        return { source };
      }
    }
    source += escape(c);
    if (literal !== undefined) literal += c;
    i += c.length;
  }
  return literal !== undefined ? { source, literal } : { source };
}

function charClass(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) {
      const escaped = body[++i]!;
      out += /[\\\]\[^-]/.test(escaped) ? '\\' + escaped : escaped;
    } else if (c === '-' && i > 0 && i < body.length - 1) {
      out += '-';
    } else {
      out += /[\\\]\[^-]/.test(c) ? '\\' + c : c;
    }
  }
  return out;
}

function splitAlternatives(part: string, from: number): { items: string[]; end: number } | undefined {
  const items: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = from; i < part.length; i++) {
    const c = part[i]!;
    if (c === '\\' && i + 1 < part.length) {
      current += c + part[++i];
    } else if (c === '{') {
      depth++;
      current += c;
    } else if (c === '}' && depth > 0) {
      depth--;
      current += c;
    } else if (c === '}') {
      items.push(current);
      return { items, end: i };
    } else if (c === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  return undefined;
}

function matchParts(walk: Walk, root: string, base: string, parts: CompiledPart[], results: string[]): void {
  if (parts.length === 0) {
    results.push(base);
    return;
  }
  const [part, ...rest] = parts;
  const dir = posix.join(root, base || '.');
  if (part === DOUBLE_STAR) {
    doubleStar(walk, root, base, rest, results);
    return;
  }
  if (part === '..') {
    if (walk.fs.isDirectory(dir)) matchParts(walk, root, posix.join(base || '.', '..'), rest, results);
    return;
  }
  for (const name of visibleEntries(walk, dir)) {
    if (typeof part === 'string' ? name === part : part.test(name)) matchParts(walk, root, join(base, name), rest, results);
  }
}

/** `**`: every entry at any depth below `base` (not `base` itself) that the rest matches. */
function doubleStar(walk: Walk, root: string, base: string, rest: CompiledPart[], results: string[]): void {
  const dir = posix.join(root, base || '.');
  const real = walk.fs.realpath(dir);
  if (real === undefined) return;
  if (walk.walking.has(real)) return; // a symlink loop: filelib would recurse until the path is too long
  walk.walking.add(real);
  for (const name of visibleEntries(walk, dir)) {
    const path = join(base, name);
    doubleStar(walk, root, path, rest, results);
    const [next, ...after] = rest;
    if (next === undefined) results.push(path);
    else if (next === DOUBLE_STAR || (typeof next === 'string' ? name === next : next.test(name))) {
      matchParts(walk, root, path, after, results);
    }
  }
  walk.walking.delete(real);
}

const join = (base: string, name: string) => (base ? `${base}/${name}` : name);

// Listings follow symlinks and hide dotfiles (unless match_dot), like Path.wildcard's list_dir.
function visibleEntries(walk: Walk, dir: string): string[] {
  const names = walk.fs.list(dir);
  return walk.matchDot ? names : names.filter((name) => !name.startsWith('.'));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------ safety

/**
 * The first path hex_core would refuse to put in the tarball, as mix reports it: paths
 * outside the project, symlinks pointing outside it, and special files (fifos, sockets,
 * devices).
 */
export function checkFileSafety(root: string, files: string[]): string | undefined {
  const base = realpathOrSelf(resolve(root));
  for (const file of files) {
    if (!safeRelative(file)) return `Creating tarball failed: unsafe path in tarball: ${file}`;
    const absolute = posix.join(resolve(root), file);
    let stats;
    try {
      stats = lstatSync(absolute);
    } catch {
      continue; // vanished: reading it will fail later with a clearer error
    }
    if (stats.isSymbolicLink()) {
      const target = readlinkSync(absolute);
      const dir = posix.dirname(file);
      if (isAbsolute(target) || !safeRelative(posix.join(dir === '.' ? '' : dir, target) || '.')) {
        return `Creating tarball failed: unsafe symlink in tarball: ${file} -> ${target}`;
      }
    } else if (!stats.isFile() && !stats.isDirectory()) {
      const type = stats.isBlockDevice() || stats.isCharacterDevice() ? 'device' : 'other';
      return `Creating tarball failed: unsupported file type in tarball: ${file} (${type})`;
    }
    // Symlinked directories on the way (or a symlink chain) must not lead outside either.
    const real = realpathOrSelf(absolute);
    if (real !== base && !real.startsWith(base + sep)) return `Creating tarball failed: unsafe path in tarball: ${file}`;
  }
  return undefined;
}

/** Relative and never climbing above its root (`a/../b` is fine). */
function safeRelative(path: string): boolean {
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path)) return false;
  let depth = 0;
  for (const part of path.split(/[/\\]/)) {
    if (part === '' || part === '.') continue;
    depth += part === '..' ? -1 : 1;
    if (depth < 0) return false;
  }
  return true;
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // a dangling symlink: its target was checked above
  }
}
