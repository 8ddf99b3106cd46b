import { termToJson } from '../src/erlang/json.js';
import { Atom, ErlMap, Tuple, type Term } from '../src/erlang/term.js';
import { TarballError } from '../src/package/tar/error.js';
import { unpackPackageTarball } from '../src/package/unpack.js';

// Reads an uploaded release with the project's tarball reader and turns metadata.config into
// the map hex_tarball:unpack gives hexpm: binary keys, `requirements` as name → fields (from
// mix's list-of-proplists or rebar3's kvlist form), `links` and `extra` as maps, and
// `build_tools` guessed from the top-level files when absent.

export interface ReleaseTarball {
  meta: Record<string, unknown>;
  innerChecksum: string;
  outerChecksum: string;
}

export type ReadResult = ReleaseTarball | { error: string };

/** `metadataOnly` skips unpacking contents.tar.gz (hexpm's parse before authorizing /publish). */
export async function readReleaseTarball(body: Buffer, metadataOnly = false): Promise<ReadResult> {
  try {
    const unpacked = await unpackPackageTarball(body, { output: metadataOnly ? 'none' : 'memory' });
    return {
      meta: normalizeMetadata(unpacked.metadata),
      innerChecksum: unpacked.innerChecksum.toLowerCase(),
      outerChecksum: unpacked.outerChecksum,
    };
  } catch (err) {
    if (err instanceof TarballError) return { error: err.message };
    if (err instanceof TypeError) return { error: 'error reading package metadata: invalid terms' };
    throw err;
  }
}

const BUILD_TOOL_FILES: Array<[string, string]> = [
  ['mix.exs', 'mix'],
  ['rebar.config', 'rebar3'],
  ['rebar.config.script', 'rebar3'],
  ['rebar', 'rebar3'],
  ['rebar.lock', 'rebar3'],
  ['Makefile', 'make'],
  ['Makefile.win', 'make'],
  ['erlang.mk', 'make'],
];

function normalizeMetadata(pairs: Array<[Term, Term]>): Record<string, unknown> {
  const meta: Record<string, Term> = {};
  for (const [key, value] of pairs) meta[keyName(key)] = value;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (key === 'requirements') out[key] = normalizeRequirements(value);
    else if (key === 'links' || key === 'extra') out[key] = termToJson(tryIntoMap(value));
    else out[key] = termToJson(value);
  }
  if (!Array.isArray(out.build_tools) && Array.isArray(out.files)) {
    const base = (out.files as unknown[]).filter((f): f is string => typeof f === 'string' && !f.includes('/'));
    out.build_tools = [...new Set(BUILD_TOOL_FILES.filter(([file]) => base.includes(file)).map(([, tool]) => tool))].sort();
  }
  return out;
}

function keyName(key: Term): string {
  if (key instanceof Atom) return key.name;
  if (key instanceof Uint8Array) return Buffer.from(key).toString('utf8');
  return String(termToJson(key));
}

function isPairList(value: Term): value is Tuple[] {
  return Array.isArray(value) && value.every((e) => e instanceof Tuple && e.elements.length === 2);
}

/** try_into_map: a list of 2-tuples becomes a map; anything else stays as it is. */
function tryIntoMap(value: Term): Term {
  return isPairList(value) ? new ErlMap(value.map((t) => [t.elements[0]!, t.elements[1]!])) : value;
}

function normalizeRequirements(value: Term): unknown {
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    // mix: [[{app, …}, {name, …}, {optional, …}, {repository, …}, {requirement, …}], …]
    const entries: Array<[Term, Term]> = [];
    for (const requirement of value) {
      if (!isPairList(requirement)) return termToJson(value);
      const fields = requirement.filter((t) => keyName(t.elements[0]!) !== 'name').map((t): [Term, Term] => [t.elements[0]!, t.elements[1]!]);
      const name = requirement.find((t) => keyName(t.elements[0]!) === 'name')?.elements[1];
      if (name === undefined) return termToJson(value);
      entries.push([name, new ErlMap(fields)]);
    }
    return termToJson(new ErlMap(entries));
  }
  if (isPairList(value)) {
    return termToJson(new ErlMap(value.map((t): [Term, Term] => [t.elements[0]!, tryIntoMap(t.elements[1]!)])));
  }
  return termToJson(value);
}
