import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { ExitStatus, UsageError } from '../../errors.js';
import { runDiffCommand } from '../../diff/command.js';
import { withReleasesUnpacked } from '../../diff/releases.js';
import { diffCommandArgv } from '../../diff/template.js';
import { diffTrees, renderChange, type TreeSide } from '../../diff/trees.js';
import { Repository, checkPackageName } from '../../repository/registry.js';
import { isValidVersion } from '../../repository/requirement.js';
import { repositoryReadChoice } from '../repository-choice.js';

// `hexts package diff NAME V1..V2` (mix hex.package diff): both releases fetched, verified and
// unpacked side by side, then compared by the built-in diff, or by diff_command as mix runs it.
// Exit 0: the releases are the same; 1: they differ (as diff and mix); with diff_command, its code.

export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const { organization, repo } = repositoryReadChoice(opts);
  const [name, ...rest] = args;
  const versions = parseVersions(checkPackageName(name!), rest);

  const config = await ctx.config();
  const command = config.resolve('diff_command');
  const setIn = command.source.kind === 'env' ? command.source.name : command.source.kind === 'file' ? command.source.path : 'diff_command';
  if (command.value !== undefined && ctx.globals.json) {
    throw new UsageError(`--json cannot be used with the diff command set in ${setIn}: its output is the program's`, 'Run without --json, or remove the setting.');
  }

  const credentials = organization ? await ctx.credentials() : undefined;
  const repository = await Repository.open(ctx, { organization, repo, credentials });
  const code = await withReleasesUnpacked(ctx, repository, name!, versions, async ({ parent, labels }) => {
    if (command.value !== undefined) {
      return runDiffCommand(ctx, diffCommandArgv(command.value, labels[0], labels[1]), parent, setIn);
    }
    const left: TreeSide = { root: `${parent}/${labels[0]}`, label: labels[0] };
    const right: TreeSide = { root: `${parent}/${labels[1]}`, label: labels[1] };
    if (ctx.globals.json) {
      const files = [];
      for await (const change of diffTrees(left, right)) {
        files.push({ path: change.path, status: change.status, old_mode: change.oldMode, new_mode: change.newMode, binary: change.binary, patch: renderChange(change, left, right).join('') });
      }
      ctx.out.json({ name, repository: repository.name, from: labels[0].slice(name!.length + 1), to: labels[1].slice(name!.length + 1), files });
      return files.length === 0 ? 0 : 1;
    }
    let differ = false;
    for await (const change of diffTrees(left, right)) {
      differ = true;
      await ctx.out.verbatim(renderChange(change, left, right, ctx.out.style));
    }
    return differ ? 1 : 0;
  });
  if (code !== 0) throw new ExitStatus(code);
}

/** mix's forms: `V1..V2`, or `V1 V2`; exact versions only. */
function parseVersions(name: string, rest: string[]): [string, string] {
  const versions = rest.length === 1 ? rest[0]!.split('..') : rest;
  if (rest.length === 1 && versions.length === 1) {
    throw new UsageError(
      `give two versions of ${name} to compare (${name} ${rest[0]}..VERSION)`,
      'mix\'s `diff APP VERSION`, against the dependency in deps/, is not something hexts does: compare two releases.',
    );
  }
  if (versions.length !== 2) throw new UsageError(`expected two versions, as ${name} 1.0.0..1.1.0 or ${name} 1.0.0 1.1.0`);
  for (const version of versions) {
    if (!isValidVersion(version)) throw new UsageError(`"${version}" is not a version`, `Give full versions: ${name} 1.0.0..1.1.0.`);
  }
  if (versions[0] === versions[1]) throw new UsageError(`both versions are ${versions[0]}: there is nothing to compare`);
  return [versions[0]!, versions[1]!];
}
