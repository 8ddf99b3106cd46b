import { tmpdir } from 'node:os';
import { encodeMetadata } from '../src/erlang/pretty.js';
import { binary, FALSE, TRUE, tuple, type Term } from '../src/erlang/term.js';
import { createDocsTarball } from '../src/package/docs-tarball.js';
import { createPackageTarball } from '../src/package/tarball.js';

// Builds small release tarballs for the registry's tests with the project's own tarball
// writer, from a plain description of metadata.config.

export interface Dependency {
  name: string;
  requirement: string;
  optional?: boolean;
  app?: string;
  repository?: string;
}

export interface TarballSpec {
  name: string;
  version: string;
  app?: string;
  /** null leaves the field out. */
  description?: string | null;
  licenses?: string[] | null;
  links?: Record<string, string>;
  buildTools?: string[] | null;
  files?: string[];
  requirements?: Dependency[];
  /** Raw extra fields (already Erlang terms), e.g. to put in a wrong type. */
  raw?: Array<[string, Term]>;
}

const list = (items: string[]): Term => items.map((s) => binary(s));

export async function makeTarball(spec: TarballSpec): Promise<Buffer> {
  const app = spec.app ?? spec.name;
  const source = `lib/${app}.ex`;
  const pairs: Array<[string, Term]> = [];
  pairs.push(['app', binary(app)]);
  if (spec.buildTools !== null) pairs.push(['build_tools', list(spec.buildTools ?? ['mix'])]);
  if (spec.description !== null) pairs.push(['description', binary(spec.description ?? `The ${spec.name} package.`)]);
  pairs.push(['elixir', binary('~> 1.14')]);
  pairs.push(['files', list(spec.files ?? ['lib', source, 'mix.exs'])]);
  if (spec.licenses !== null) pairs.push(['licenses', list(spec.licenses ?? ['MIT'])]);
  pairs.push(['links', Object.entries(spec.links ?? { GitHub: `https://github.com/example/${spec.name}` }).map(([k, v]) => tuple(binary(k), binary(v)))]);
  pairs.push(['name', binary(spec.name)]);
  pairs.push([
    'requirements',
    (spec.requirements ?? []).map((d) => [
      tuple(binary('app'), binary(d.app ?? d.name)),
      tuple(binary('name'), binary(d.name)),
      tuple(binary('optional'), d.optional ? TRUE : FALSE),
      tuple(binary('repository'), binary(d.repository ?? 'hexpm')),
      tuple(binary('requirement'), binary(d.requirement)),
    ]),
  ]);
  pairs.push(['version', binary(spec.version)]);
  for (const [key, value] of spec.raw ?? []) {
    const index = pairs.findIndex(([k]) => k === key);
    if (index >= 0) pairs[index] = [key, value];
    else pairs.push([key, value]);
  }
  const result = await createPackageTarball({
    metadataConfig: encodeMetadata(pairs),
    files: [
      { path: source, contents: Buffer.from(`defmodule ${app} do\nend\n`) },
      { path: 'mix.exs', contents: Buffer.from('# mix\n') },
    ],
    root: tmpdir(),
  });
  return result.tarball!;
}

/** Docs as `mix hex.publish docs` uploads them: an index.html naming the release. */
export function makeDocsTarball(name: string, version: string): Promise<Buffer> {
  return createDocsTarball([{ path: 'index.html', contents: Buffer.from(`<!DOCTYPE html>\n<title>${name} v${version}</title>\n<h1>${name} v${version}</h1>\n`) }]);
}
