// Shared by the test/package tests: temporary projects and an Elixir-like rendering of terms.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { Atom, ErlFloat, ErlMap, Tuple, type Term } from '../../src/erlang/term.js';
import { resolveAssumptions } from '../../src/elixir/assumptions.js';
import { readMixProject } from '../../src/elixir/mix-project.js';
import { ElixirRegex } from '../../src/elixir/regex.js';
import { isFun } from '../../src/elixir/values.js';

/** The toolchain the reference builds were made with (mix's outputs in the corpus). */
export const ASSUMED = resolveAssumptions({}, { elixirVersion: '1.14.0', otpRelease: '25' });

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

/** What an Elixir expression evaluates to, written in the project/0 of a project in `dir` (files there are readable). */
export function valueOf(expr: string, options: { dir?: string; extra?: string; prelude?: string; env?: Record<string, string> } = {}): Term {
  const dir = options.dir ?? tempDir();
  writeFileSync(join(dir, 'mix.exs'), mixExs(`      v: ${expr}`, options.extra, options.prelude));
  const { project } = readMixProject(dir, { env: options.env ?? {}, assumptions: ASSUMED });
  return ((project as Term[])[0] as Tuple).elements[1]!;
}

/** Renders a term roughly the way Elixir's inspect does, to compare against readable expectations. */
export function show(t: Term): string {
  if (t instanceof ElixirRegex) return `~r/${t.source}/${t.modifiers}`;
  if (isFun(t)) return `&/${t.arity}`;
  if (t instanceof Atom) return /^[A-Za-z_][A-Za-z0-9_@]*[?!]?$/.test(t.name) || t.name.startsWith('Elixir.') ? `:${t.name}` : `:${JSON.stringify(t.name)}`;
  if (t instanceof Uint8Array) return JSON.stringify(Buffer.from(t).toString('utf8'));
  if (t instanceof ErlFloat) return `${t.value}f`;
  if (typeof t === 'number' || typeof t === 'bigint') return String(t);
  if (Array.isArray(t)) return `[${t.map(show).join(', ')}]`;
  if (t instanceof Tuple) return `{${t.elements.map(show).join(', ')}}`;
  if (t instanceof ErlMap) return `%{${t.entries.map(([k, v]) => `${show(k)} => ${show(v)}`).join(', ')}}`;
  throw new Error('not a term');
}
