import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';

export function define(outdated: Command, lazy: Lazy): void {
  outdated
    .argument('[app]', 'one dependency: its newest version and every requirement on it')
    .option('--all', 'indirect dependencies too, not only those mix.exs lists')
    .option('--pre', 'count pre-releases as newer versions (always so for a dependency locked at one)')
    .option('--within-requirements', 'fail only when a dependency could be updated without changing a requirement')
    .addOption(outdated.createOption('--sort <column>', 'order the rows by this column').choices(['status']))
    .option('--only <envs>', 'only dependencies declared with this only: environment (comma-separated: dev,test)')
    .option('--no-fail', 'only report: exit 0 even when something is outdated')
    .addHelpText('after', `
Like mix hex.outdated: reads mix.exs and mix.lock (no Elixir needed, nothing of the project is
run) and each locked package's signed registry record, from its own repository: hexpm, an
organization's (hexpm:ORG, with this machine's credentials) or one added with \`hexts repo add\`.

Status: Up-to-date; Update possible (every requirement allows the newest version: mix deps.update
takes it); Update not possible (a requirement keeps it back). The exit code is 1 when a dependency
is outdated (with --within-requirements: when one could be updated), so CI can fail on it;
--no-fail only reports. --json prints the rows as data.

Examples:
  hexts outdated
  hexts outdated --all --sort status
  hexts outdated jason                  every requirement on jason, and whether it allows the newest
  hexts outdated --within-requirements  in CI: fail only on updates mix.exs allows`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
