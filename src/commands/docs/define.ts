import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { keyOptions } from '../options.js';

const VERIFIED = `
What is checked: the release is looked up in the repository's signed registry (a version it does
not list is refused), the docs come from that repository over verified TLS (an organization's with
its credentials), and the tarball is unpacked by the same safe reader as packages: no path or
symlink that leads outside the directory, at most 16 MiB compressed and 128 MiB unpacked, the
directory complete or not at all. What cannot be: the docs' contents. The registry signs
checksums of release tarballs only, none of docs (mix checks nothing at all), so a repository
that is compromised could serve other docs for a genuine release.`;

export function define(docs: Command, lazy: Lazy): void {
  keyOptions(docs.command('fetch'))
    .description('download a release\'s docs into $HEXTS_HOME/docs/REPO/NAME/VERSION')
    .argument('<name>', 'the package')
    .argument('[version]', 'an exact version (default: the newest stable release that is not retired)')
    .option('--organization <org>', 'the docs of this organization\'s private package')
    .option('--repo <name>', 'read from this repository: hexpm, hexpm:ORG, or one added with `hexts repo add`')
    .addHelpText('after', `
Docs already fetched are not fetched again ("Docs already fetched: DIR").
${VERIFIED}

Examples:
  hexts docs fetch jason
  hexts docs fetch plug 1.15.3
  hexts docs fetch billing --organization acme --json`)
    .action(lazy(() => import('./fetch.js'), { json: true }));
  keyOptions(docs.command('open'))
    .description('open a release\'s docs offline in the browser, fetching them first if they are not here')
    .argument('<name>', 'the package')
    .argument('[version]', 'an exact version (default: the newest fetched here, else the newest stable release)')
    .option('--organization <org>', 'the docs of this organization\'s private package')
    .option('--repo <name>', 'read from this repository: hexpm, hexpm:ORG, or one added with `hexts repo add`')
    .addHelpText('after', `
Opens DIR/index.html with the desktop's opener (xdg-open, open, or Windows' URL handler), given as a
file:// URL and never through a shell. Without a desktop (no DISPLAY or WAYLAND_DISPLAY on Linux),
the URL is printed on stdout instead. Without VERSION and with docs of NAME already here, the
newest of those opens with no network at all (as mix hex.docs offline).
${VERIFIED}

Examples:
  hexts docs open jason
  hexts docs open plug 1.15.3`)
    .action(lazy(() => import('./open.js')));
}
