import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { keyOptions } from '../options.js';

export function define(pkg: Command, lazy: Lazy): void {
  keyOptions(pkg.command('fetch'))
    .description('download packages, checked against the signed registry, and save or unpack them')
    .argument('<packages...>', 'NAME, NAME@VERSION or NAME@REQUIREMENT (e.g. "plug@~> 1.14"); mix\'s `NAME VERSION` works too')
    .option('--organization <org>', 'fetch from this organization\'s private repository')
    .option('--repo <name>', 'fetch from this repository: hexpm, hexpm:ORG, or one added with `hexts repo add`')
    .option('--unpack', 'extract the files (and hex_metadata.config) instead of saving the tarball')
    .option('-o, --output <path>', 'directory to save into (default: here); with --unpack and one package, the directory to unpack into (default NAME-VERSION); `-` writes the tarball to stdout')
    .option('--no-progress', 'no download progress bar (it shows on a terminal only, for tarballs of 1 MiB or more)')
    .addHelpText('after', `
Without a version, the newest stable version that is not retired is fetched; a requirement
picks the newest matching version that is not retired (pre-releases only when the requirement
names one). Each tarball's checksums are checked against the signed registry before anything is
written. Several packages are fetched in parallel (HEX_HTTP_CONCURRENCY, default 8).

For an organization, the key given with --key (or HEX_API_KEY) is used, else the organization's
stored key (hexts organization auth), else your login; --verbose says which.

Examples:
  hexts package fetch jason                             jason-1.4.4.tar, here
  hexts package fetch jason 1.4.4                       as mix writes it (same as jason@1.4.4)
  hexts package fetch "plug@~> 1.14" telemetry@1.2.1    several at once
  hexts package fetch billing --organization acme --unpack
  hexts package fetch pro_lib --repo oban                 a repository added with hexts repo add
  hexts package fetch jason --output - | tar -xO metadata.config`)
    .action(lazy(() => import('./fetch.js'), { json: true }));
  keyOptions(pkg.command('diff'))
    .description('compare two releases of a package: both fetched and checked against the signed registry, then diffed')
    .argument('<name>', 'the package')
    .argument('<versions...>', 'V1..V2, or V1 V2 (exact versions)')
    .option('--organization <org>', 'compare releases of this organization\'s private package')
    .option('--repo <name>', 'read from this repository: hexpm, hexpm:ORG, or one added with `hexts repo add`')
    .addHelpText('after', `
Both releases are downloaded, checked against both checksums of the signed registry and unpacked
(with hex_metadata.config, as mix writes it) into NAME-V1 and NAME-V2 in a temporary directory,
which is removed afterwards, whatever happens (Ctrl-C included).

The built-in diff prints a unified diff in git's format (\`git diff --no-index --no-prefix\`, what mix
runs by default), three lines of context; it takes time in proportion to the files' size however
they differ. A file that is not UTF-8 text (or holds a NUL byte) is named, not printed. On a
terminal, control characters in the files show as \\xNN and lines are coloured; piped or redirected,
the output is exact (\`| git apply\` and \`| patch -p1\` take it). --json: each changed file with its patch.

Like mix, diff_command (\`hexts config diff_command ...\` or HEX_DIFF_COMMAND) runs another program
instead, in the temporary directory, with __PATH1__ and __PATH2__ replaced by NAME-V1 and NAME-V2.
Its words are split as a shell splits them (quotes, backslashes), but no shell runs it: no
variables, globs or pipes. Its output is passed through as it is.

Exit codes: 0 the releases are the same, 1 they differ (as diff and mix) or something failed (an
error: line says what), 2 usage error; with diff_command, the program's own code.

Examples:
  hexts package diff jason 1.4.3..1.4.4
  hexts package diff jason 1.4.3 1.4.4 | less -R
  hexts package diff billing 0.2.0..0.3.0 --organization acme
  HEX_DIFF_COMMAND="meld __PATH1__ __PATH2__" hexts package diff plug 1.14.0..1.15.0
  hexts config diff_command "git diff --no-index --color=always __PATH1__ __PATH2__"`)
    .action(lazy(() => import('./diff.js'), { json: true }));
  keyOptions(pkg.command('search'))
    .description('search packages by name and description (your organizations\' too when logged in)')
    .argument('<query>', 'what to look for, in the registry\'s search syntax (json, name:phx_*, depends:plug)')
    .option('--organization <org>', 'search only this organization\'s packages')
    .option('--repo <name>', 'search the package names of a repository added with `hexts repo add` (or hexpm:ORG)')
    .addHelpText('after', `
Examples:
  hexts package search json
  hexts package search billing --organization acme --json`)
    .action(lazy(() => import('./search.js'), { json: true }));
}
