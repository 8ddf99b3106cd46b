// The requirements of a built package's metadata.config, read back as hex_core's unpack
// normalizes them: shared by what reads tarballs built elsewhere (a static repository's
// tarballs, publish --tarball), each of which makes its own record of them.
import { ErlMap, Tuple, termKey, type Term } from '../erlang/term.js';

/** The requirements are not in a shape Hex reads; the message says what is wrong. */
export class RequirementsShapeError extends Error {}

export interface RequirementTerms {
  /** The package name, as written. */
  name: Uint8Array;
  /** The requirement's other fields (app, optional, repository, requirement). */
  fields: Array<[Term, Term]>;
}

/**
 * mix's list of proplists, each with its name, or rebar3's `{Name, Fields}` list (or map), as
 * one list in order of first appearance; of two with one name the last wins, as in the map
 * hex_core makes of them.
 */
export function requirementTerms(value: Term): RequirementTerms[] {
  const byName = new Map<string, [Term, Term]>();
  for (const [name, fields] of requirementEntries(value)) byName.set(termKey(name), [name, fields]);
  return [...byName.values()].map(([name, fieldsTerm]) => {
    if (!(name instanceof Uint8Array)) throw new RequirementsShapeError('a dependency name is not a string');
    const fields = pairs(fieldsTerm);
    if (fields === undefined) throw new RequirementsShapeError(`dependency ${Buffer.from(name).toString('utf8')} is not a list of fields`);
    return { name, fields };
  });
}

function requirementEntries(value: Term): Array<[Term, Term]> {
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    return value.map((requirement) => {
      const fields = pairs(requirement);
      const name = fields && field(fields, 'name');
      if (!fields || name === undefined) throw new RequirementsShapeError('a dependency has no name');
      return [name, new ErlMap(fields.filter(([key]) => !isKey(key, 'name')))];
    });
  }
  const entries = pairs(value);
  if (entries === undefined) throw new RequirementsShapeError('not a list of dependencies');
  return entries;
}

/** A list of 2-tuples or a map, as its key-value pairs; anything else undefined. */
function pairs(term: Term): Array<[Term, Term]> | undefined {
  if (term instanceof ErlMap) return term.entries;
  if (!Array.isArray(term) || !term.every((e) => e instanceof Tuple && e.elements.length === 2)) return undefined;
  return (term as Tuple[]).map((t) => [t.elements[0]!, t.elements[1]!]);
}

/** The last value under a binary key (maps:from_list keeps the last). */
export function field(entries: Array<[Term, Term]>, key: string): Term | undefined {
  return entries.findLast(([k]) => isKey(k, key))?.[1];
}

const isKey = (term: Term, key: string) => term instanceof Uint8Array && Buffer.from(term).toString('utf8') === key;
