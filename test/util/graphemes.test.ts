// countGraphemes: the same count as Intl.Segmenter run over the whole string (which V8 makes
// quadratic), for text built from the pieces that make clusters long or tricky; and a limit
// check that stops early whatever the input's size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { countGraphemes } from '../../src/util/graphemes.js';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const reference = (text: string) => {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
};

const PIECES = [
  'a', 'Z', ' ', '\r', '\n', '\r\n', 'é', 'e\u0301', '\u0301', '\u0308', // combining marks, CRLF
  '\u{1F468}', '\u200D', '\u{1F469}', '\u{1F467}', '\u{1F3FD}', '\uFE0F', '\u{1F468}\u200D', // emoji, ZWJ, skin tone, variation selector
  '\u{1F1EB}', '\u{1F1F7}', // regional indicators: pairs make flags
  '\u1100', '\u1161', '\u11A8', '\uAC00', // Hangul jamo and a syllable
  '\u0915', '\u094D', '\u0937', // Devanagari consonants and virama (conjuncts)
  '\uD800', '\uDC00', // lone surrogates
  '\u0600', // prepend
];
const text = (maxPieces: number) => fc.array(fc.constantFrom(...PIECES), { maxLength: maxPieces, size: 'max' }).map((p) => p.join(''));

test('counts as the segmenter does over the whole string, across window edges', () => {
  fc.assert(fc.property(text(400), (s) => countGraphemes(s) === reference(s)), { numRuns: 2000 });
});

test('long clusters: longer than a window, at its edges, one after another', () => {
  const marks = (n: number) => '\u0301'.repeat(n);
  for (const s of [
    `a${marks(5000)}`,
    `${'x'.repeat(63)}a${marks(200)}b`,
    `a${marks(1000)}${'b'.repeat(1000)}`,
    `${'\u{1F468}\u200D'.repeat(300)}\u{1F467}!`,
    `${'\u{1F1EB}'.repeat(301)}`,
    `a${marks(70)}`.repeat(50),
  ]) {
    assert.equal(countGraphemes(s), reference(s), JSON.stringify(s.slice(0, 20)));
  }
});

test('with a limit, counting stops just past it: any number above means too long', () => {
  assert.equal(countGraphemes('x'.repeat(300), 300), 300);
  assert.ok(countGraphemes('x'.repeat(1_000_000), 300) > 300);
  assert.ok(countGraphemes('e\u0301'.repeat(500_000), 140) > 140);
  assert.equal(countGraphemes(`a${'\u0301'.repeat(1_000_000)}`, 300), 1);
  assert.equal(countGraphemes('ab', 140), 2);
  assert.equal(countGraphemes(''), 0);
});
