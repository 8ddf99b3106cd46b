import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { toolchainOptions } from '../options.js';

export function define(command: Command, lazy: Lazy): void {
  toolchainOptions(command)
    .option('-o, --output <path>', 'where to write the tarball (default NAME-VERSION.tar; with --unpack, the directory)')
    .option('--unpack', 'write the package\'s files and hex_metadata.config to a directory instead of a tarball')
    .option('--organization <org>', 'build for this organization (overrides package[:organization])')
    .option('--scan', 'scan the files for secrets first, as publish does: a finding fails the build')
    .addHelpText('after', `
Reads mix.exs without Elixir, validates the package as mix hex.build does (and its name and
version as hex.pm will) and writes a tarball byte-identical to mix's. Files inside directories
are taken in sorted order (mix uses the file system's order, which is the same on most
projects).

mix.exs is evaluated as \`mix hex.build\` would evaluate it: Mix.env() is MIX_ENV (default dev),
System.version() and System.otp_release() are the stated toolchain (--elixir-version,
--otp-release), modules of dependencies are not loaded. Nothing outside the project is read,
nothing is run or written, and hexts's own secrets (HEX_API_KEY, HEX_OTP, HEXTS_*, proxy URLs)
read as unset. --verbose lists every answer that came from these assumptions.

With --scan the package's files are scanned for secrets as \`hexts publish\` scans them; a
finding is reported (file, line, kind; never the secret) and nothing is written. Ignore false
positives in mix.exs: package: [secret_scan: [ignore: ["test/fixtures/**"]]].

Examples:
  hexts build --scan               check for secrets, as publish will
  hexts build                      write NAME-VERSION.tar and print its checksum
  hexts build --unpack -o /tmp/p   look at exactly what would be published
  hexts build --json               the result, or the failure, as one JSON object`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
