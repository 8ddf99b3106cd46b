// The block `mix hex.build` prints before building: `Building NAME VERSION`, the
// dependencies, the organization and each metadata field, with mix's rendering quirks
// (a map starts on the next line, nested maps get no extra indentation, `Links: ` keeps
// its trailing space).
import { ErlMap, type Term } from '../erlang/term.js';
import { isKeyword as isKeywordList, makeMap, truthy } from '../elixir/values.js';
import { DEFAULT_REPO, META_FIELDS, PackageError, toElixirString, type Meta, type Requirement } from './metadata.js';

export interface Summary {
  /** Lines for stdout, without line endings. */
  stdout: string[];
  /** Lines for stderr: mix reports an empty file list there (`No files`). */
  stderr: string[];
}

/** `heading` replaces mix's `Building NAME VERSION` where nothing is built (publish --tarball). */
export function renderSummary(name: string, version: string, meta: Meta, requirements: Requirement[], organization?: string, heading = `Building ${name} ${version}`): Summary {
  const out = [heading];
  const stderr: string[] = [];
  if (requirements.length > 0) {
    out.push('  Dependencies:');
    for (const r of requirements) {
      // mix compares the name (a string) with the app (an atom), so `(app: …)` always shows.
      const repo = r.repository !== DEFAULT_REPO ? ` (repo: ${r.repository})` : '';
      const optional = truthy(r.optional) ? ' (optional)' : '';
      out.push(`    ${r.name} ${text(r.requirement)} (app: ${r.app})${repo}${optional}`);
    }
  }
  if (organization !== undefined) out.push(`  Organization: ${organization}`);
  for (const key of META_FIELDS) {
    const value = meta.get(key);
    if (key === 'files') {
      const files = Array.isArray(value) ? value : [];
      if (files.length === 0) stderr.push('No files');
      else out.push('  Files:', ...files.map((f) => `    ${text(f)}`));
      continue;
    }
    if (value === undefined || !truthy(value)) continue;
    const label = key.replaceAll('_', ' ');
    out.push(...`  ${label[0]!.toUpperCase()}${label.slice(1)}: ${format(value)}`.split('\n'));
  }
  return { stdout: out, stderr };
}

function format(value: Term): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '';
    if (isKeywordList(value)) return format(makeMap(value.map((t) => [t.elements[0]!, t.elements[1]!])));
    return value.map(text).join(', ');
  }
  if (value instanceof ErlMap) return '\n    ' + value.entries.map(([k, v]) => `${text(k)}: ${format(v)}`).join('\n    ');
  return text(value);
}

function text(t: Term): string {
  const s = toElixirString(t);
  if (!s) throw new PackageError('Invalid package metadata: a value cannot be printed as text');
  return s.toString('utf8');
}
