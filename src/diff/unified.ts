import { diffLines } from './lines.js';

// The hunks of a unified diff (diff -u, git diff) of two texts, with three lines of context.
// A line keeps its "\n": so the last line of a text without a final newline differs from the
// same line with one, and is followed by "\ No newline at end of file", as diff prints it.

export interface HunkLine {
  kind: ' ' | '-' | '+';
  /** The line with its "\n", if it has one. */
  text: string;
}

export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: HunkLine[];
}

export const CONTEXT_LINES = 3;

/** `text` cut after each "\n"; the last line lacks it when the text does not end with one. */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
    lines.push(text.slice(start, end + 1));
    start = end + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

export function unifiedHunks(oldText: string, newText: string, context = CONTEXT_LINES): Hunk[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const { removed, added } = diffLines(a, b);
  const hunks: Hunk[] = [];
  // Equal lines since the last change, as [old index, new index]: at most 2 × context are kept
  // while a hunk is open (they may join it to the next change), else the last `context`.
  let pending: Array<[number, number]> = [];
  let hunk: { lines: HunkLine[]; oldFirst: number; newFirst: number; oldCount: number; newCount: number } | null = null;

  const close = () => {
    if (!hunk) return;
    for (const [i] of pending.slice(0, context)) {
      hunk.lines.push({ kind: ' ', text: a[i]! });
      hunk.oldCount++;
      hunk.newCount++;
    }
    hunks.push({
      // An empty side starts at the line before (0 for the start of the file), as diff writes it.
      oldStart: hunk.oldCount === 0 ? hunk.oldFirst : hunk.oldFirst + 1,
      oldCount: hunk.oldCount,
      newStart: hunk.newCount === 0 ? hunk.newFirst : hunk.newFirst + 1,
      newCount: hunk.newCount,
      lines: hunk.lines,
    });
    hunk = null;
  };
  const change = (i: number, j: number) => {
    if (!hunk) {
      const [oldFirst, newFirst] = pending[0] ?? [i, j];
      hunk = { lines: [], oldFirst, newFirst, oldCount: 0, newCount: 0 };
    }
    for (const [pi] of pending) {
      hunk.lines.push({ kind: ' ', text: a[pi]! });
      hunk.oldCount++;
      hunk.newCount++;
    }
    pending = [];
    return hunk;
  };

  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && removed[i]) {
      const h = change(i, j);
      h.lines.push({ kind: '-', text: a[i++]! });
      h.oldCount++;
    } else if (j < b.length && added[j]) {
      const h = change(i, j);
      h.lines.push({ kind: '+', text: b[j++]! });
      h.newCount++;
    } else {
      pending.push([i++, j++]);
      if (hunk && pending.length > 2 * context) close();
      if (!hunk) while (pending.length > context) pending.shift();
    }
  }
  close();
  return hunks;
}

/** `@@ -1,3 +1,4 @@`: a count of 1 is left out, as diff does. */
export function hunkHeader(hunk: Hunk): string {
  const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
  return `@@ -${range(hunk.oldStart, hunk.oldCount)} +${range(hunk.newStart, hunk.newCount)} @@`;
}
