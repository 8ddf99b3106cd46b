import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';

export function define(command: Command, lazy: Lazy): void {
  command
    .option('-o, --output <path>', 'where to write the tarball (default NAME-VERSION.tar; with --unpack, the directory)')
    .option('--unpack', 'write the package\'s files and hex_metadata.config to a directory instead of a tarball')
    .option('--organization <org>', 'build for this organization (overrides package[:organization])')
    .addHelpText('after', `
Reads mix.exs without Elixir, validates the package as mix hex.build does (and its name and
version as hex.pm will) and writes a tarball byte-identical to mix's. Files inside directories
are taken in sorted order (mix uses the file system's order, which is the same on most
projects).

Examples:
  hexts build                      write NAME-VERSION.tar and print its checksum
  hexts build --unpack -o /tmp/p   look at exactly what would be published
  hexts build --json               the result, or the failure, as one JSON object`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
