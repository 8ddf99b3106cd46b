// metadata.config's requirements read back as hex_core normalizes them, for both readers of
// tarballs built elsewhere (a static repository's, publish --tarball's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErlMap, TRUE, atom, binary, tuple, type Term } from '../../src/erlang/term.js';
import { field, requirementTerms, RequirementsShapeError } from '../../src/package/requirements-terms.js';

const pair = (key: string, value: Term) => tuple(binary(key), value);
/** Each requirement as `name: requirement` for a compact comparison. */
const summary = (value: Term) =>
  requirementTerms(value).map(({ name, fields }) => `${Buffer.from(name).toString()}: ${Buffer.from(field(fields, 'requirement') as Uint8Array).toString()}`);

test('mix\'s list of proplists, each with its name; the name is not among the fields', () => {
  const value = [
    [pair('app', binary('jason')), pair('name', binary('jason')), pair('optional', TRUE), pair('repository', binary('hexpm')), pair('requirement', binary('~> 1.4'))],
    [pair('name', binary('decimal')), pair('requirement', binary('>= 2.0.0'))],
  ];
  assert.deepEqual(summary(value), ['jason: ~> 1.4', 'decimal: >= 2.0.0']);
  const [jason] = requirementTerms(value);
  assert.equal(field(jason!.fields, 'name'), undefined);
  assert.equal(field(jason!.fields, 'optional'), TRUE);
});

test('rebar3\'s {Name, Fields} list and a map of them read the same', () => {
  const fields = [pair('app', binary('cowlib')), pair('optional', atom('false')), pair('requirement', binary('2.12.1'))];
  assert.deepEqual(summary([tuple(binary('cowlib'), fields)]), ['cowlib: 2.12.1']);
  assert.deepEqual(summary(new ErlMap([[binary('cowlib'), new ErlMap(fields.map((t) => [t.elements[0]!, t.elements[1]!]))]])), ['cowlib: 2.12.1']);
  assert.deepEqual(requirementTerms([]), []);
});

test('of two with one name the last wins, in the place of the first; of two fields with one key, the last', () => {
  const value = [
    [pair('name', binary('a')), pair('requirement', binary('~> 1.0'))],
    [pair('name', binary('b')), pair('requirement', binary('~> 2.0')), pair('requirement', binary('~> 2.1'))],
    [pair('name', binary('a')), pair('requirement', binary('~> 1.5'))],
  ];
  assert.deepEqual(summary(value), ['a: ~> 1.5', 'b: ~> 2.1']);
});

test('shapes Hex cannot read are refused, saying what is wrong', () => {
  const refused = (value: Term, message: RegExp) => assert.throws(() => requirementTerms(value), (err: unknown) => err instanceof RequirementsShapeError && message.test(err.message));
  refused([[pair('requirement', binary('~> 1.0'))]], /^a dependency has no name$/);
  refused([tuple(atom('jason'), [])], /^a dependency name is not a string$/);
  refused([tuple(binary('jason'), binary('~> 1.0'))], /^dependency jason is not a list of fields$/);
  refused(binary('jason'), /^not a list of dependencies$/);
});
