import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Style, Text } from '../io/output.js';
import { hunkHeader, unifiedHunks, type Hunk } from './unified.js';

// A unified diff of two directory trees in git's format (`git diff --no-index --no-prefix`, the
// command mix runs): files in byte order of their paths, `new file mode`/`deleted file mode`/
// `old mode` lines, /dev/null for the missing side. A file is text when it is valid UTF-8
// without a NUL byte; any other is named ("Binary files … differ"), never printed. A symlink
// is compared by its target, as git does (mode 120000). Directories count only by their files.

export interface TreeSide {
  /** The directory to read. */
  root: string;
  /** Its name in the diff (`plug-1.14.0`): paths are printed as LABEL/PATH. */
  label: string;
}

export type ChangeStatus = 'added' | 'removed' | 'modified';

export interface FileChange {
  path: string;
  status: ChangeStatus;
  /** git's modes: 100644, 100755 or 120000; null for the missing side. */
  oldMode: string | null;
  newMode: string | null;
  binary: boolean;
  /** Empty for a binary file, or one whose mode alone changed. */
  hunks: Hunk[];
}

interface Entry {
  mode: string;
  full: string;
}

export async function* diffTrees(left: TreeSide, right: TreeSide): AsyncGenerator<FileChange> {
  const [before, after] = await Promise.all([listTree(left.root), listTree(right.root)]);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  for (const path of paths) {
    const old = before.get(path);
    const now = after.get(path);
    // A file that became a symlink (or the reverse) is one removed and one added, as in git.
    if (old && now && (old.mode === LINK) !== (now.mode === LINK)) {
      yield await compare(path, old, undefined);
      yield await compare(path, undefined, now);
      continue;
    }
    const change = await compare(path, old, now);
    if (change.status !== 'modified' || change.binary || change.hunks.length > 0 || change.oldMode !== change.newMode) yield change;
  }
}

const LINK = '120000';

async function compare(path: string, old: Entry | undefined, now: Entry | undefined): Promise<FileChange> {
  const [oldBytes, newBytes] = await Promise.all([old ? contents(old) : Buffer.alloc(0), now ? contents(now) : Buffer.alloc(0)]);
  const status: ChangeStatus = !old ? 'added' : !now ? 'removed' : 'modified';
  const change: FileChange = { path, status, oldMode: old?.mode ?? null, newMode: now?.mode ?? null, binary: false, hunks: [] };
  if (status === 'modified' && oldBytes.equals(newBytes)) return change;
  const oldText = asText(oldBytes);
  const newText = asText(newBytes);
  if (oldText === null || newText === null) return { ...change, binary: true };
  return { ...change, hunks: unifiedHunks(oldText, newText) };
}

function contents(entry: Entry): Promise<Buffer> {
  return entry.mode === LINK ? readlink(entry.full, { encoding: 'buffer' }) : readFile(entry.full);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of a file that is valid UTF-8 with no NUL in it; null for any other (binary). */
export function asText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Every file and symlink under `root`, by path relative to it (with /). */
async function listTree(root: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  const walk = async (relative: string): Promise<void> => {
    for (const name of await readdir(join(root, relative))) {
      const path = relative === '' ? name : `${relative}/${name}`;
      const full = join(root, path);
      const stats = await lstat(full);
      if (stats.isDirectory()) await walk(path);
      else if (stats.isSymbolicLink()) entries.set(path, { mode: LINK, full });
      else if (stats.isFile()) entries.set(path, { mode: stats.mode & 0o100 ? '100755' : '100644', full });
    }
  };
  await walk('');
  return entries;
}

/**
 * One file's part of the diff, styled for a terminal (headers bold, removed lines red, added
 * lines green); every line ends with "\n". With `style` left out, plain strings.
 */
export function renderChange(change: FileChange, left: TreeSide, right: TreeSide, style: Style = PLAIN): Text[] {
  const oldName = quotePath(`${left.label}/${change.path}`);
  const newName = quotePath(`${right.label}/${change.path}`);
  const header: string[] = [`diff --git ${oldName} ${newName}\n`];
  if (change.status === 'added') header.push(`new file mode ${change.newMode}\n`);
  else if (change.status === 'removed') header.push(`deleted file mode ${change.oldMode}\n`);
  else if (change.oldMode !== change.newMode) header.push(`old mode ${change.oldMode}\n`, `new mode ${change.newMode}\n`);
  const from = change.status === 'added' ? '/dev/null' : oldName;
  const to = change.status === 'removed' ? '/dev/null' : newName;
  if (change.binary) header.push(`Binary files ${from} and ${to} differ\n`);
  else if (change.hunks.length > 0) header.push(`--- ${from}\n`, `+++ ${to}\n`);
  // Styles end before each newline, so that none runs into the next line.
  const out: Text[] = header.flatMap((line) => [style.bold(line.slice(0, -1)), '\n']);
  for (const hunk of change.hunks) {
    out.push(style.dim(hunkHeader(hunk)), '\n');
    for (const line of hunk.lines) {
      const complete = line.text.endsWith('\n');
      const text = line.kind + (complete ? line.text.slice(0, -1) : line.text);
      out.push(line.kind === '-' ? style.red(text) : line.kind === '+' ? style.green(text) : text);
      out.push(complete ? '\n' : '\n\\ No newline at end of file\n');
    }
  }
  return out;
}

const PLAIN = new Proxy({}, { get: () => (text: Text) => text }) as Style;

/**
 * A path as git writes it in a diff: in double quotes, with C escapes, when it holds a control
 * character, a quote or a backslash (a newline in a file name must not start a line of the diff).
 */
export function quotePath(path: string): string {
  if (!/[\u0000-\u001f\u007f"\\]/.test(path)) return path;
  const escapes: Record<string, string> = { '\u0007': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\' };
  return `"${path.replace(/[\u0000-\u001f\u007f"\\]/g, (c) => escapes[c] ?? `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)}"`;
}
