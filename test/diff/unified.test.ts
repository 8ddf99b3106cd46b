// The unified diff of two texts (src/diff/lines.ts, unified.ts): applied to the old text, its
// hunks give the new one, for texts of any shape; a single change is found as one; the hunks
// match GNU diff -u's where the smallest diff is unique; and inputs built to defeat the
// algorithm (no line that occurs once, every line changed) still give a correct diff.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { hunkHeader, splitLines, unifiedHunks, type Hunk } from '../../src/diff/unified.js';

/** The old text with the hunks applied, checking each context and removed line as patch would. */
function apply(oldText: string, hunks: Hunk[]): string {
  const lines = splitLines(oldText);
  const out: string[] = [];
  let at = 0;
  for (const hunk of hunks) {
    const start = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
    assert.ok(start >= at, 'hunks in order, not overlapping');
    out.push(...lines.slice(at, start));
    at = start;
    let oldCount = 0;
    let newCount = 0;
    for (const line of hunk.lines) {
      if (line.kind !== '+') {
        assert.equal(lines[at], line.text, `line ${at + 1} as the hunk says`);
        at++;
        oldCount++;
      }
      if (line.kind !== '-') {
        out.push(line.text);
        newCount++;
      }
    }
    assert.deepEqual([oldCount, newCount], [hunk.oldCount, hunk.newCount], 'counts in the header');
  }
  return out.concat(lines.slice(at)).join('');
}

const LINES = ['a\n', 'b\n', 'c\n', 'a', 'b', '\n', 'd\r\n', 'x\n'];
const textOf = fc.array(fc.constantFrom(...LINES), { maxLength: 60 }).map((l) => l.join(''));

test('applied to the old text, the hunks give the new one', () => {
  fc.assert(
    fc.property(textOf, textOf, (a, b) => {
      assert.equal(apply(a, unifiedHunks(a, b)), b);
    }),
    { numRuns: 3000, seed: 17 },
  );
});

test('one changed line in a long file: one hunk, one line out and one in, three lines of context', () => {
  const old = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`);
  const changed = [...old];
  changed[500] = 'changed\n';
  const hunks = unifiedHunks(old.join(''), changed.join(''));
  assert.equal(hunks.length, 1);
  assert.equal(hunkHeader(hunks[0]!), '@@ -498,7 +498,7 @@');
  assert.deepEqual(hunks[0]!.lines.filter((l) => l.kind !== ' '), [{ kind: '-', text: 'line 500\n' }, { kind: '+', text: 'changed\n' }]);
});

test('the same hunks as GNU diff -u where the smallest diff is unique', (t) => {
  if (spawnSync('diff', ['--version']).status !== 0) return t.skip('no diff here');
  const dir = mkdtempSync(join(tmpdir(), 'hexts-udiff-'));
  try {
    const cases: Array<[string, string]> = [
      ['1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n', '0\n1\n2\n3\n4\nFIVE\n6\n7\n8\n9\n10\n11\n12'],
      ['a\nb\nc\n', 'a\nc\n'],
      ['', 'new\n'],
      ['old\n', ''],
      [Array.from({ length: 40 }, (_, i) => `${i}\n`).join(''), Array.from({ length: 40 }, (_, i) => (i === 5 || i === 30 ? `x${i}\n` : `${i}\n`)).join('')],
    ];
    for (const [a, b] of cases) {
      writeFileSync(join(dir, 'a'), a);
      writeFileSync(join(dir, 'b'), b);
      const gnu = spawnSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' }).stdout.split('\n').slice(2).join('\n');
      const ours = unifiedHunks(a, b).map((h) => `${hunkHeader(h)}\n${h.lines.map((l) => l.kind + (l.text.endsWith('\n') ? l.text : `${l.text}\n\\ No newline at end of file\n`)).join('')}`).join('');
      assert.equal(ours, gnu, JSON.stringify([a, b]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('built to defeat it: 200 000 lines with no line that occurs once, every other one changed — still a diff that applies', () => {
  const a = Array.from({ length: 200_000 }, (_, i) => `${i % 7}\n`).join('');
  const b = Array.from({ length: 200_000 }, (_, i) => (i % 2 ? `${i % 7}\n` : `${i % 5}x\n`)).join('');
  assert.equal(apply(a, unifiedHunks(a, b)), b);
});
