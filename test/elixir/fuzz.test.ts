// Fuzz: random and mutated Elixir source either parses or is refused with an ElixirSyntaxError —
// never another exception, never a stack overflow, never a hang (a case that never ends is stopped
// by the runner's watchdog, --test-timeout in test/run.mjs; no case is timed: speed is for bench/).
// fast-check with fixed seeds: 5,000 token soups, 5,000 mutated project files, 2,000 random texts.
// (The parser's agreement with real Elixir on such input was measured with Elixir itself while
// writing it; here only what needs no Elixir is checked.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { astToJson } from '../../src/elixir/ast.js';
import { ElixirSyntaxError } from '../../src/elixir/error.js';
import { parseElixir } from '../../src/elixir/parser.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'elixir');
const projects = readdirSync(FIXTURES)
  .filter((f) => f.startsWith('parse-') && f.endsWith('.exs'))
  .map((f) => readFileSync(join(FIXTURES, f), 'utf8'));

// Pieces of Elixir: tokens, half tokens, and the characters that change how the rest is read.
const PIECES = [
  'defmodule', 'Foo.MixProject', 'do', 'end', 'def', 'defp', 'project', 'fn', '->', 'when', 'in', 'not', 'and', 'or',
  'if', 'else', 'case', 'cond', 'with', 'rescue', 'after', 'true', 'nil', '@version', '@', 'a', '_b', 'c?', 'd!',
  'Mix', 'Foo', '__MODULE__', '__DIR__', '1', '1_000', '0x1F', '1.5e3', '?a', '?\\n', ':ok', ':"q#{1}"', 'key:', '"k":',
  '"', "'", '"""\n', "'''\n", '#{', '}', '\\', '\\n', '\\x41', '\\u{1F600}', '~w(', '~r/', '~S"""\n', ')', '(', '[', ']', '{',
  '%{', '%Foo{', '<<', '>>', ',', ';', '.', '..', '//', '.(', '|', '|>', '=>', '=', '==', '<>', '++', '--', '::', '\\\\',
  '&', '&1', '^', '-', '+', '*', '/', '!', '\n', '\r\n', ' ', '  ', '\t', '# comment\n', 'é', '日本', '😀', 'e\u0301', '\u202e',
];
const soup = fc
  .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 60 })
  .map((pieces) => pieces.join(''));

const edit = fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.constantFrom(...PIECES), fc.integer({ min: 0, max: 4 }));
const mutated = fc
  .tuple(fc.constantFrom(...projects), fc.array(edit, { minLength: 1, maxLength: 4 }))
  .map(([source, edits]) => {
    let s = source;
    for (const [at, length, piece, kind] of edits) {
      const i = at % (s.length + 1);
      if (kind === 0) s = s.slice(0, i) + s.slice(i + length); // delete
      else if (kind === 1) s = s.slice(0, i) + piece + s.slice(i); // insert
      else if (kind === 2) s = s.slice(0, i) + s.slice(i, i + length) + s.slice(i); // duplicate
      else if (kind === 3) s = s.slice(0, i); // truncate
      else s = s.slice(0, i) + piece + s.slice(i + length); // replace
    }
    return s;
  });

const text = fc.string({ unit: 'grapheme', maxLength: 200 });

/** Parses `source`: it returns a quoted form (the same twice), or throws an ElixirSyntaxError. */
function parsesOrRefuses(source: string): void {
  try {
    const json = astToJson(parseElixir(source, 'mix.exs'));
    assert.deepStrictEqual(astToJson(parseElixir(source, 'mix.exs')), json);
  } catch (e) {
    if (!(e instanceof ElixirSyntaxError)) throw e;
    assert.match(e.message, /^mix\.exs:\d+:\d+: \S/);
  }
}

describe('the Elixir parser on hostile input', () => {
  test('token soup', () => {
    fc.assert(fc.property(soup, parsesOrRefuses), { seed: 0xe11, numRuns: 5_000, endOnFailure: true });
  });

  test('mutated project files', () => {
    let parsed = 0;
    fc.assert(
      fc.property(mutated, (source) => {
        parsesOrRefuses(source);
        try {
          parseElixir(source);
          parsed++;
        } catch {
          // refused: counted by the difference
        }
      }),
      { seed: 0xe12, numRuns: 5_000, endOnFailure: true },
    );
    // Some edits leave valid Elixir (a duplicated space, a deleted comment); many break it.
    assert.ok(parsed > 250 && parsed < 4_750, `parsed ${parsed}`);
  });

  test('random text', () => {
    fc.assert(fc.property(text, parsesOrRefuses), { seed: 0xe13, numRuns: 2_000, endOnFailure: true });
  });
});
