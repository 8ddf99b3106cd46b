import { Argument, type Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { keyOptions, otpOption, toolchainOptions } from '../options.js';

export function define(command: Command, lazy: Lazy): void {
  toolchainOptions(otpOption(keyOptions(command)))
    .addArgument(new Argument('[what]', 'publish only the package, or only the docs (default: both)').choices(['package', 'docs']))
    .option('--organization <org>', 'publish to this organization\'s private repository (overrides package[:organization])')
    .option('--repo <name>', 'publish to a repository added with `hexts repo add` (through its --api-url), or hexpm:ORG')
    .option('--replace', 'overwrite an existing release (public packages: within an hour of publishing)')
    .option('--revert <version>', 'delete a release and its docs (with `docs`: only its docs) instead of publishing')
    .option('--dry-run', 'show what would be published (or, with --revert, deleted), then stop: nothing is sent, no credentials needed')
    .option('-y, --yes', 'publish without asking (for CI)')
    .option('--docs-dir <dir>', 'where the built docs are (default doc/, else docs/)')
    .option('--no-progress', 'no upload progress bar')
    .option('--no-scan', 'do not scan the files for secrets before publishing (loudly warned)')
    .option('--to-dir <public_dir>', 'publish the package into a static repository directory instead (see `hexts registry build`): no API, no credentials')
    .option('--private-key <path>', 'with --to-dir: the PEM file of the RSA key that signs that repository')
    .option('--tarball <file>', 'publish this package tarball, byte for byte, as `hexts build` (or `mix hex.build`) wrote it, instead of building one: no mix.exs needed')
    .option('--expect-checksum <sha256>', 'with --tarball: refuse unless the file\'s SHA-256 is this "Package checksum" (the one that was reviewed)')
    .addHelpText('after', `
Everything local (reading mix.exs, validation, building the tarballs) happens before any
credential is asked for. Without a terminal, --yes is needed. hexts does not run \`mix docs\`:
build the docs first, or publish the package alone with \`hexts publish package\`.

Before anything is sent (and before any credential is asked for), every file going into the
package and the docs is scanned for secrets: API keys and tokens (Hex, AWS, Google, Azure,
GitHub, GitLab, Slack, Stripe), private keys, .env files and random-looking values assigned to
credential names. A finding stops the publish and names its file, line and kind (never the
secret). A false positive is ignored in mix.exs, as hex.pm's own scan ignores it:
  package: [secret_scan: [ignore: ["test/fixtures/**"]]]
(globs on the whole path: * within a directory, ** across, ? one character); --no-scan skips
the scan.

With --to-dir the tarball goes to PUBLIC_DIR/tarballs/NAME-VERSION.tar of a repository made
by \`hexts registry build\` (its name is read from PUBLIC_DIR/names), which is then rebuilt
and signed with --private-key. A different tarball of the same release is replaced only with
--replace. No docs, no API, no credentials, no confirmation.

With --tarball the package is not built here: the file is read and checked (its inner
checksum, metadata and paths) and shown before any credential is asked for, and exactly
its bytes are published; with --expect-checksum, a file that is not the reviewed one is
refused. Its organization is --organization (mix keeps it out of the metadata). It carries
no docs: publish them with \`hexts publish docs\` from the source tree.

Examples:
  hexts publish --dry-run                          see exactly what would be published
  hexts publish                                    package and docs, after a confirmation
  hexts publish package --organization acme --yes  a private package from CI
  hexts publish package --repo internal --yes      to a self-hosted repository (hexts repo add)
  hexts publish --revert 1.2.3                     delete a release (within the allowed window)
  hexts build                                      in CI: writes pkg-1.0.0.tar, prints its checksum
  hexts publish --tarball pkg-1.0.0.tar --expect-checksum 3f1c…
                                                   then a human with 2FA publishes exactly that file
  hexts publish package --to-dir public --private-key private_key.pem
                                                   add the release to a static repository`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
