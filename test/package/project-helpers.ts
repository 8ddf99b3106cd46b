// Shared by the test/package tests: temporary projects and an Elixir-like rendering of terms.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { Atom, ErlFloat, ErlMap, Tuple, type Term } from '../../src/erlang/term.js';
import { MixRegex } from '../../src/package/mixexs/index.js';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test file finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-package-'));
  made.push(dir);
  return dir;
}

/** A temporary project with these files (paths relative to it; a trailing / makes a directory). */
export function tempProject(files: Record<string, string | Uint8Array>): string {
  const dir = tempDir();
  for (const [path, content] of Object.entries(files)) {
    if (path.endsWith('/')) {
      mkdirSync(join(dir, path), { recursive: true });
      continue;
    }
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/**
 * A mix.exs whose project/0 returns `body` (a keyword list's contents), with module code
 * after it (`extra`) and on line 3, before it (`prelude`).
 */
export function mixExs(body: string, extra = '', prelude = ''): string {
  return `defmodule Sample.MixProject do\n  use Mix.Project\n${prelude}\n  def project do\n    [\n${body}\n    ]\n  end\n${extra}\nend\n`;
}

/** Renders a term roughly the way Elixir's inspect does, to compare against readable expectations. */
export function show(t: Term): string {
  if (t instanceof MixRegex) return `~r/${t.source}/${t.modifiers}`;
  if (t instanceof Atom) return /^[A-Za-z_][A-Za-z0-9_@]*[?!]?$/.test(t.name) || t.name.startsWith('Elixir.') ? `:${t.name}` : `:${JSON.stringify(t.name)}`;
  if (t instanceof Uint8Array) return JSON.stringify(Buffer.from(t).toString('utf8'));
  if (t instanceof ErlFloat) return `${t.value}f`;
  if (typeof t === 'number' || typeof t === 'bigint') return String(t);
  if (Array.isArray(t)) return `[${t.map(show).join(', ')}]`;
  if (t instanceof Tuple) return `{${t.elements.map(show).join(', ')}}`;
  if (t instanceof ErlMap) return `%{${t.entries.map(([k, v]) => `${show(k)} => ${show(v)}`).join(', ')}}`;
  throw new Error('not a term');
}
