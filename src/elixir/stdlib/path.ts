// Path and File: pure path arithmetic, and reads that stay inside the project. Writes are
// refused: reading a project definition never changes the disk.
import { posix } from 'node:path';
import { Atom, Tuple, atom } from '../../erlang/term.js';
import { wildcard, type WildcardFs } from '../../package/files.js';
import { ElixirException, LimitError, OutsideModelError, argumentError } from '../errors.js';
import { FileAccessError, type Runtime } from '../runtime.js';
import { FALSE, NIL, TRUE, bool, isBinary, isKeyword, type Value } from '../values.js';
import { listToString } from './kernel.js';
import { define, need, type StdFn } from './table.js';

/** IO.chardata_to_string for a path argument. */
function pathArg(v: Value, name: string, rt: Runtime): string {
  if (isBinary(v)) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return listToString(v, rt).toString('utf8');
  if (v instanceof Atom) need(false, name);
  need(false, name);
}

const out = (s: string) => Buffer.from(s, 'utf8');

// ------------------------------------------------------------ Path

function removeTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.replace(/\/+$/, '') || '/' : p;
}

export function pathJoin(left: string, right: string): string {
  const r = right.replace(/^\/+/, '');
  if (left === '') return removeTrailingSlash(r);
  if (r === '') return removeTrailingSlash(left);
  return removeTrailingSlash(left.replace(/\/+$/, '') + '/' + r);
}

/** Removes `.` and resolves `..` lexically (never above the root), as Path.expand does. */
function normalize(absolute: string): string {
  const parts: string[] = [];
  for (const part of absolute.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}

function expandHome(p: string, rt: Runtime): string {
  if (p === '~' || p.startsWith('~/')) {
    const home = rt.getEnv('HOME');
    if (home === undefined) throw new ElixirException('RuntimeError', 'could not find the user home, please set the HOME environment variable');
    rt.assume(`Path.expand of "~" uses HOME (${home})`);
    return home + p.slice(1);
  }
  return p;
}

function expand(p: string, base: string, rt: Runtime): string {
  const home = expandHome(p, rt);
  if (home.startsWith('/')) return normalize(home);
  return normalize(posix.join(expandHome(base, rt).startsWith('/') ? expandHome(base, rt) : posix.join(rt.cwd, base), home));
}

function absname(p: string, base: string): string {
  if (p.startsWith('/')) return absnameClean(p);
  return absnameClean(pathJoin(base, p));
}

// Path.absname keeps `..` but drops `.` segments and repeated slashes.
function absnameClean(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return '/' + parts.join('/');
}

function basename(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

function dirname(p: string): string {
  const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
  const i = trimmed.lastIndexOf('/');
  if (i < 0) return '.';
  if (i === 0) return '/';
  return trimmed.slice(0, i).replace(/\/+$/, '') || '/';
}

function extname(p: string): string {
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

function rootname(p: string, ext?: string): string {
  const e = ext ?? extname(p);
  return e !== '' && p.endsWith(e) && (ext === undefined || basename(p) !== e) ? p.slice(0, p.length - e.length) : p;
}

function split(p: string): string[] {
  if (p === '') return [];
  const parts = p.split('/').filter((s) => s !== '');
  return p.startsWith('/') ? ['/', ...parts] : parts;
}

function relativeTo(p: string, from: string): string {
  const a = split(absnameClean(p.startsWith('/') ? p : '/' + p));
  const b = split(absnameClean(from.startsWith('/') ? from : '/' + from));
  if (!p.startsWith('/') || !from.startsWith('/')) return p;
  if (b.length > a.length || !b.every((s, i) => a[i] === s)) return p;
  const rest = a.slice(b.length);
  return rest.length === 0 ? '.' : rest.join('/');
}

/** Path.wildcard, through the project's files: listings outside the project come back empty. */
function pathWildcard(pattern: string, matchDot: boolean, rt: Runtime): string[] {
  rt.tick(10);
  const fs: WildcardFs = {
    list: (dir) => {
      rt.tick();
      try {
        return rt.files.list(dir);
      } catch {
        return [];
      }
    },
    isDirectory: (path) => rt.files.stat(path) === 'directory',
    exists: (path) => rt.files.stat(path) !== undefined,
    realpath: (path) => (rt.files.stat(path) === undefined ? undefined : path),
  };
  if (pattern.startsWith('/')) {
    if (!rt.files.inside(pattern.replace(/[*?[{].*$/s, '') || '/')) rt.assume(`Path.wildcard("${pattern}") lists nothing: hexts reads only inside the project`);
    return wildcard('/', pattern, { fs, matchDot }).map((p) => '/' + p);
  }
  return wildcard(rt.cwd, pattern, { fs, matchDot });
}

const PATH: Record<string, StdFn> = {
  'join/1': ([l], rt) => {
    need(Array.isArray(l) && l.length > 0, 'Path.join/1');
    const parts = (l as Value[]).map((p) => pathArg(p, 'Path.join/1', rt));
    return out(parts.slice(1).reduce((acc, p) => pathJoin(acc, p), removeTrailingSlash(parts[0]!)));
  },
  'join/2': ([a, b], rt) => out(pathJoin(pathArg(a!, 'Path.join/2', rt), pathArg(b!, 'Path.join/2', rt))),
  'expand/1': ([p], rt) => out(expand(pathArg(p!, 'Path.expand/1', rt), rt.cwd, rt)),
  'expand/2': ([p, base], rt) => out(expand(pathArg(p!, 'Path.expand/2', rt), pathArg(base!, 'Path.expand/2', rt), rt)),
  'absname/1': ([p], rt) => out(absname(pathArg(p!, 'Path.absname/1', rt), rt.cwd)),
  'absname/2': ([p, base], rt) => out(absname(pathArg(p!, 'Path.absname/2', rt), absname(pathArg(base!, 'Path.absname/2', rt), rt.cwd))),
  'basename/1': ([p], rt) => out(basename(pathArg(p!, 'Path.basename/1', rt))),
  'basename/2': ([p, e], rt) => {
    const base = basename(pathArg(p!, 'Path.basename/2', rt));
    const ext = pathArg(e!, 'Path.basename/2', rt);
    return out(ext !== '' && base.endsWith(ext) && base !== ext ? base.slice(0, base.length - ext.length) : base);
  },
  'dirname/1': ([p], rt) => out(dirname(pathArg(p!, 'Path.dirname/1', rt))),
  'extname/1': ([p], rt) => out(extname(pathArg(p!, 'Path.extname/1', rt))),
  'rootname/1': ([p], rt) => out(rootname(pathArg(p!, 'Path.rootname/1', rt))),
  'rootname/2': ([p, e], rt) => out(rootname(pathArg(p!, 'Path.rootname/2', rt), pathArg(e!, 'Path.rootname/2', rt))),
  'split/1': ([p], rt) => split(pathArg(p!, 'Path.split/1', rt)).map(out),
  'type/1': ([p], rt) => atom(pathArg(p!, 'Path.type/1', rt).startsWith('/') ? 'absolute' : 'relative'),
  'relative_to/2': ([p, from], rt) => out(relativeTo(pathArg(p!, 'Path.relative_to/2', rt), pathArg(from!, 'Path.relative_to/2', rt))),
  'relative_to_cwd/1': ([p], rt) => out(relativeTo(pathArg(p!, 'Path.relative_to_cwd/1', rt), rt.cwd)),
  'relative/1': ([p], rt) => out(pathArg(p!, 'Path.relative/1', rt).replace(/^\/+/, '')),
  'wildcard/1': ([p], rt) => pathWildcard(pathArg(p!, 'Path.wildcard/2', rt), false, rt).map(out),
  'wildcard/2': ([p, o], rt) => {
    const matchDot = isKeyword(o!) && o.some((t) => t.elements[0] === atom('match_dot') && t.elements[1] === TRUE);
    return pathWildcard(pathArg(p!, 'Path.wildcard/2', rt), matchDot, rt).map(out);
  },
};
define('Path', PATH);

// ------------------------------------------------------------ File

const REASONS: Record<string, string> = {
  enoent: 'no such file or directory',
  eisdir: 'illegal operation on a directory',
  eacces: 'permission denied',
  enotdir: 'not a directory',
  eio: 'I/O error',
};

function resolvePath(p: string, rt: Runtime): string {
  return p.startsWith('/') ? normalize(p) : normalize(posix.join(rt.cwd, p));
}

/** Reads a file of the project; a file outside it is refused, a special file too. */
function readFile(p: string, rt: Runtime, what: 'File.read!/1' | 'File.read/1'): Buffer | FileAccessError {
  const absolute = resolvePath(p, rt);
  if (!rt.files.inside(absolute)) {
    if (what === 'File.read/1') {
      rt.assume(`File.read("${p}") reads as missing ({:error, :enoent}): hexts reads only files inside the project`);
      return new FileAccessError('enoent');
    }
    throw new OutsideModelError(`File.read!("${p}"): the file is outside the project, and hexts reads only files inside it`, 'Copy what mix.exs needs into the project.');
  }
  try {
    return rt.files.read(absolute);
  } catch (e) {
    if (e instanceof FileAccessError) {
      if (e.reason === 'efbig') throw new LimitError(`${what} of "${p}": the file is larger than mix.exs may read (16 MB)`);
      if (e.reason === 'special') throw new OutsideModelError(`${what} of "${p}": it is not a regular file (a FIFO, socket or device), and hexts reads only regular files`);
      return e;
    }
    throw e;
  }
}

function fileType(p: string, rt: Runtime): 'file' | 'directory' | 'other' | undefined {
  const absolute = resolvePath(p, rt);
  if (!rt.files.inside(absolute)) {
    rt.assume(`"${p}" reads as missing: hexts looks only inside the project`);
    return undefined;
  }
  return rt.files.stat(absolute);
}

function listDir(p: string, rt: Runtime): string[] | FileAccessError {
  const absolute = resolvePath(p, rt);
  if (!rt.files.inside(absolute)) {
    rt.assume(`File.ls("${p}") reads as missing: hexts lists only inside the project`);
    return new FileAccessError('enoent');
  }
  try {
    return rt.files.list(absolute);
  } catch (e) {
    if (e instanceof FileAccessError) return e;
    throw e;
  }
}

const fileError = (action: string, p: string, reason: string) =>
  new ElixirException('File.Error', `could not ${action} "${p}": ${REASONS[reason] ?? reason}`, { path: Buffer.from(p), reason: atom(reason), action: Buffer.from(action) });

const writes = (fn: string): StdFn => () => {
  throw new OutsideModelError(`${fn}: it changes files, and reading mix.exs never writes`, 'Do it in a Mix task or alias instead of at load time.');
};

const FILE: Record<string, StdFn> = {
  'read!/1': ([p], rt) => {
    const path = pathArg(p!, 'File.read!/1', rt);
    const r = readFile(path, rt, 'File.read!/1');
    if (r instanceof FileAccessError) throw fileError('read file', path, r.reason);
    return r;
  },
  'read/1': ([p], rt) => {
    const path = pathArg(p!, 'File.read/1', rt);
    const r = readFile(path, rt, 'File.read/1');
    return r instanceof FileAccessError ? new Tuple([atom('error'), atom(r.reason)]) : new Tuple([atom('ok'), r]);
  },
  'exists?/1': ([p], rt) => bool(fileType(pathArg(p!, 'File.exists?/1', rt), rt) !== undefined),
  'exists?/2': ([p], rt) => bool(fileType(pathArg(p!, 'File.exists?/2', rt), rt) !== undefined),
  'regular?/1': ([p], rt) => bool(fileType(pathArg(p!, 'File.regular?/1', rt), rt) === 'file'),
  'regular?/2': ([p], rt) => bool(fileType(pathArg(p!, 'File.regular?/2', rt), rt) === 'file'),
  'dir?/1': ([p], rt) => bool(fileType(pathArg(p!, 'File.dir?/1', rt), rt) === 'directory'),
  'dir?/2': ([p], rt) => bool(fileType(pathArg(p!, 'File.dir?/2', rt), rt) === 'directory'),
  'ls/0': (_, rt) => lsResult(listDir('.', rt)),
  'ls/1': ([p], rt) => lsResult(listDir(pathArg(p!, 'File.ls/1', rt), rt)),
  'ls!/0': (_, rt) => lsBang('.', rt),
  'ls!/1': ([p], rt) => lsBang(pathArg(p!, 'File.ls!/1', rt), rt),
  'cwd/0': (_, rt) => new Tuple([atom('ok'), out(rt.cwd)]),
  'cwd!/0': (_, rt) => out(rt.cwd),
};
for (const fn of [
  'write/2', 'write/3', 'write!/2', 'write!/3', 'mkdir/1', 'mkdir!/1', 'mkdir_p/1', 'mkdir_p!/1', 'rm/1', 'rm!/1', 'rm_rf/1',
  'rm_rf!/1', 'cp/2', 'cp/3', 'cp!/2', 'cp!/3', 'cp_r/2', 'cp_r/3', 'cp_r!/2', 'cp_r!/3', 'rename/2', 'rename!/2', 'touch/1',
  'touch!/1', 'chmod/2', 'chmod!/2', 'ln_s/2', 'ln_s!/2', 'cd/1', 'cd!/1', 'cd!/2', 'open/2', 'open!/2', 'stream!/1',
  'stream!/2', 'stream!/3',
]) {
  FILE[fn] = writes(`File.${fn}`);
}
define('File', FILE);

function lsResult(r: string[] | FileAccessError): Value {
  return r instanceof FileAccessError ? new Tuple([atom('error'), atom(r.reason)]) : new Tuple([atom('ok'), r.map(out)]);
}

function lsBang(p: string, rt: Runtime): Value {
  const r = listDir(p, rt);
  if (r instanceof FileAccessError) throw fileError('list directory', p, r.reason);
  return r.map(out);
}

// Erlang's file and filename modules, the parts mix.exs files use.
define(':filename', {
  'basename/1': ([p], rt) => erlangPath(p!, basename(pathArg(p!, ':filename.basename/1', rt))),
  'dirname/1': ([p], rt) => erlangPath(p!, dirname(pathArg(p!, ':filename.dirname/1', rt))),
  'join/2': ([a, b], rt) => erlangPath(a!, pathJoin(pathArg(a!, ':filename.join/2', rt), pathArg(b!, ':filename.join/2', rt))),
  'extension/1': ([p], rt) => erlangPath(p!, extname(pathArg(p!, ':filename.extension/1', rt))),
});

// filename functions answer in the argument's kind: a binary for a binary, a charlist otherwise.
function erlangPath(arg: Value, result: string): Value {
  return isBinary(arg) ? out(result) : Array.from(result, (c) => c.codePointAt(0)!);
}

void FALSE;
void NIL;
void argumentError;
