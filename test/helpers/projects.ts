import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProjectSpec {
  app: string;
  version: string;
  /** package[:organization] */
  organization?: string;
  /** Dependency tuples as Elixir source, e.g. `{:jason, "~> 1.4"}`. */
  deps?: string[];
  /** Write doc/index.html (and one more page). */
  docs?: boolean;
  description?: string;
  /** package[:licenses]; default ["MIT"]. */
  licenses?: string[];
  /** package[:name], when it differs from the app. */
  name?: string;
}

/** A small mix project on disk, for publish and fetch tests; removed by the returned cleanup. */
export function makeProject(spec: ProjectSpec): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `hexts-project-${spec.app}-`));
  const module = spec.app.split('_').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('');
  const organization = spec.organization ? `,\n        organization: "${spec.organization}"` : '';
  const name = spec.name === undefined ? '' : `name: ${JSON.stringify(spec.name)},\n        `;
  const licenses = `[${(spec.licenses ?? ['MIT']).map((l) => JSON.stringify(l)).join(', ')}]`;
  writeFileSync(join(dir, 'mix.exs'), `defmodule ${module}.MixProject do
  use Mix.Project

  def project do
    [
      app: :${spec.app},
      version: "${spec.version}",
      elixir: "~> 1.14",
      description: "${spec.description ?? `The ${spec.app} package.`}",
      package: [
        ${name}licenses: ${licenses},
        links: %{"GitHub" => "https://github.com/example/${spec.app}"}${organization}
      ],
      deps: [${(spec.deps ?? []).join(', ')}]
    ]
  end
end
`);
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', `${spec.app}.ex`), `defmodule ${module} do\n  def version, do: "${spec.version}"\nend\n`);
  writeFileSync(join(dir, 'README.md'), `# ${spec.app}\n`);
  if (spec.docs) {
    mkdirSync(join(dir, 'doc'));
    writeFileSync(join(dir, 'doc', 'index.html'), `<h1>${spec.app} ${spec.version}</h1>\n`);
    writeFileSync(join(dir, 'doc', `${module}.html`), `<p>${module}</p>\n`);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
