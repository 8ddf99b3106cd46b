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
