// Which lines of two texts differ: the common lines kept, as few others marked as the work
// allows. Common prefixes and suffixes are cut first; then, as patience diff does, the lines
// that occur exactly once on each side are matched in order (their longest increasing run)
// and the gaps between them are worked on the same way; a gap with no such line goes to
// Myers's O(ND) algorithm. All of it draws on one budget proportional to the input's size:
// once it is spent, what remains is marked changed whole (a correct diff, if not the
// smallest), so that no input, however made, takes more than linear-ish time.

export interface LineChanges {
  /** 1 for each line of the old side that is not in the new one. */
  removed: Uint8Array;
  /** 1 for each line of the new side that is not in the old one. */
  added: Uint8Array;
}

/** Per line of input, this many steps of work, plus a fixed allowance for small inputs. */
const BUDGET_PER_LINE = 64;
const BUDGET_BASE = 4_000_000;
/** Myers's trace costs memory in D²: past this many edits in one gap, the gap is marked whole. */
const MAX_EDITS = 2048;

export function diffLines(oldLines: readonly string[], newLines: readonly string[]): LineChanges {
  // Lines become numbers, so that comparing two is one integer comparison.
  const ids = new Map<string, number>();
  const numbered = (lines: readonly string[]) => {
    const out = new Int32Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      let n = ids.get(lines[i]!);
      if (n === undefined) ids.set(lines[i]!, (n = ids.size));
      out[i] = n;
    }
    return out;
  };
  const a = numbered(oldLines);
  const b = numbered(newLines);
  const work = new LineDiff(a, b, ids.size, BUDGET_BASE + BUDGET_PER_LINE * (a.length + b.length));
  work.run();
  return { removed: work.removed, added: work.added };
}

type Range = [aLo: number, aHi: number, bLo: number, bHi: number];

class LineDiff {
  readonly removed: Uint8Array;
  readonly added: Uint8Array;
  // Per line id, within the range being worked on: how often it occurs on each side, and where
  // (its last occurrence). Zeroed again after each use, so each use costs the range's size.
  private readonly countA: Int32Array;
  private readonly countB: Int32Array;
  private readonly lastA: Int32Array;

  constructor(
    private readonly a: Int32Array,
    private readonly b: Int32Array,
    distinct: number,
    private budget: number,
  ) {
    this.removed = new Uint8Array(a.length);
    this.added = new Uint8Array(b.length);
    this.countA = new Int32Array(distinct);
    this.countB = new Int32Array(distinct);
    this.lastA = new Int32Array(distinct);
  }

  run(): void {
    const ranges: Range[] = [[0, this.a.length, 0, this.b.length]];
    for (let range = ranges.pop(); range; range = ranges.pop()) this.range(range, ranges);
  }

  private range([aLo, aHi, bLo, bHi]: Range, more: Range[]): void {
    const { a, b } = this;
    while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo]) aLo++, bLo++;
    while (aLo < aHi && bLo < bHi && a[aHi - 1] === b[bHi - 1]) aHi--, bHi--;
    if (aLo === aHi || bLo === bHi || this.budget <= 0) return this.replace(aLo, aHi, bLo, bHi);
    this.budget -= aHi - aLo + (bHi - bLo);
    const anchors = this.uniqueAnchors(aLo, aHi, bLo, bHi);
    if (anchors.length > 0) {
      let i = aLo;
      let j = bLo;
      for (let p = 0; p < anchors.length; p += 2) {
        more.push([i, anchors[p]!, j, anchors[p + 1]!]);
        i = anchors[p]! + 1;
        j = anchors[p + 1]! + 1;
      }
      more.push([i, aHi, j, bHi]);
      return;
    }
    if (!this.myers(aLo, aHi, bLo, bHi)) this.replace(aLo, aHi, bLo, bHi);
  }

  private replace(aLo: number, aHi: number, bLo: number, bHi: number): void {
    this.removed.fill(1, aLo, aHi);
    this.added.fill(1, bLo, bHi);
  }

  /**
   * The lines that occur once on each side of the range, paired, reduced to their longest run
   * that is increasing on both sides (patience sorting, n log n): index in a, index in b, …
   */
  private uniqueAnchors(aLo: number, aHi: number, bLo: number, bHi: number): number[] {
    const { a, b, countA, countB, lastA } = this;
    for (let i = aLo; i < aHi; i++) {
      countA[a[i]!]!++;
      lastA[a[i]!] = i;
    }
    for (let j = bLo; j < bHi; j++) countB[b[j]!]!++;
    // Unique pairs in the order of b, with the longest run increasing in a kept as it grows.
    const pairA: number[] = [];
    const pairB: number[] = [];
    for (let j = bLo; j < bHi; j++) {
      const line = b[j]!;
      if (countA[line] === 1 && countB[line] === 1) {
        pairA.push(lastA[line]!);
        pairB.push(j);
      }
    }
    for (let i = aLo; i < aHi; i++) countA[a[i]!] = 0;
    for (let j = bLo; j < bHi; j++) countB[b[j]!] = 0;
    if (pairA.length === 0) return [];

    const tails: number[] = []; // per run length, the pair that ends the run with the smallest a
    const previous = new Int32Array(pairA.length).fill(-1);
    for (let p = 0; p < pairA.length; p++) {
      const ai = pairA[p]!;
      let lo = 0;
      let hi = tails.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pairA[tails[mid]!]! < ai) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) previous[p] = tails[lo - 1]!;
      tails[lo] = p;
    }
    const run: number[] = new Array(tails.length * 2);
    let at = run.length;
    for (let p = tails[tails.length - 1]!; p >= 0; p = previous[p]!) {
      run[--at] = pairB[p]!;
      run[--at] = pairA[p]!;
    }
    return run;
  }

  /**
   * Myers's greedy O(ND) diff of the range, marking what it finds. Its steps (diagonals tried,
   * equal lines followed) are paid from the budget; false when they would overspend it, or the
   * edits would pass MAX_EDITS.
   */
  private myers(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
    const { a, b } = this;
    const n = aHi - aLo;
    const m = bHi - bLo;
    const max = Math.min(n + m, MAX_EDITS);
    const offset = max + 1;
    const v = new Int32Array(2 * max + 3);
    const trace: Int32Array[] = [];
    let steps = 0;
    let found = -1;
    search: for (let d = 0; d <= max; d++) {
      trace.push(v.slice(offset - d - 1, offset + d + 2));
      steps += d + 1;
      for (let k = -d; k <= d; k += 2) {
        let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
        let y = x - k;
        const from = x;
        while (x < n && y < m && a[aLo + x] === b[bLo + y]) x++, y++;
        steps += x - from;
        v[offset + k] = x;
        if (x >= n && y >= m) {
          found = d;
          break search;
        }
      }
      if (steps > this.budget) break;
    }
    this.budget -= steps;
    if (found < 0) return false;
    // Back from the end: each step of d came from the diagonal above or below.
    let x = n;
    let y = m;
    for (let d = found; d > 0; d--) {
      const before = trace[d]!; // v as it was when round d began, for k in [-d-1, d+1]
      const at = (k: number) => before[k + d + 1]!;
      const k = x - y;
      const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
      const prevK = down ? k + 1 : k - 1;
      const prevX = at(prevK);
      const prevY = prevX - prevK;
      // The snake (equal lines) back to where the edit ended, then the edit itself.
      while (x > prevX + (down ? 0 : 1) && y > prevY + (down ? 1 : 0)) x--, y--;
      if (down) this.added[bLo + prevY] = 1;
      else this.removed[aLo + prevX] = 1;
      x = prevX;
      y = prevY;
    }
    return true;
  }
}
