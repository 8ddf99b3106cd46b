// Grapheme clusters, as Elixir's String.length and Ecto's validate_length count characters.
//
// V8 copies the whole input into every segment Intl.Segmenter hands out, so iterating the
// segments of a long string is quadratic: 50,000 characters take seconds and 200,000 exhaust
// the heap. Here the segmenter only ever sees a short window of the text; each window's last
// cluster may go on past it, so the next window starts there. The segmenter decides each
// boundary from what precedes it and the one code point after it, so every boundary but the
// window's last is as it would be in the whole text.

const WINDOW = 64;

let segmenter: Intl.Segmenter | undefined;

/**
 * The number of grapheme clusters in `text`, in time linear in its length. Counting stops once
 * it passes `atMost`: a limit check needs no more, and so costs little whatever the input.
 */
export function countGraphemes(text: string, atMost = Infinity): number {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  let count = 0;
  let start = 0;
  let size = WINDOW;
  while (start < text.length && count <= atMost) {
    let end = Math.min(text.length, start + size);
    // A window never splits a surrogate pair: a cut code point would make a boundary before it.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1)) && isLowSurrogate(text.charCodeAt(end))) end++;
    const widened = size > WINDOW;
    let whole = 0; // clusters of the window known to be complete: every one but the last
    let next = 0; // where, in the window, the last cluster seen starts
    for (const { index } of segmenter.segment(text.slice(start, end))) {
      if (index === 0) continue;
      whole++;
      next = index;
      // A widened window holds one long cluster: once it ends, the rest goes to small windows.
      if (widened) break;
    }
    if (end === text.length && !(widened && next > 0)) return count + whole + 1;
    if (whole === 0) {
      size *= 2; // one cluster fills the window
      continue;
    }
    count += whole;
    start += next;
    size = WINDOW;
  }
  return count;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
