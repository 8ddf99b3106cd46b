import type { Command } from 'commander';
import type { RetirementReason } from '../../api/releases.js';
import type { Lazy } from '../../cli.js';
import { keyOptions, otpOption } from '../options.js';

/** The reasons hex.pm accepts (api.md §4), in mix's order; commander refuses others with exit 2. */
const RETIREMENT_REASONS: RetirementReason[] = ['renamed', 'deprecated', 'security', 'invalid', 'other'];

export function define(retire: Command, lazy: Lazy): void {
  otpOption(keyOptions(retire))
    .argument('<package>', 'package name')
    .argument('<version>', 'the release to retire')
    .addArgument(retire.createArgument('[reason]', 'why it is retired').choices(RETIREMENT_REASONS))
    .option('--message <text>', 'what users should know, 3 to 140 characters (required to retire)')
    .option('--unretire', 'mark the release as no longer retired')
    .option('--organization <org>', 'the organization whose repository holds the package (private packages)')
    .option('--repo <name>', 'a repository added with `hexts repo add`, through its --api-url (or hexpm:ORG)')
    .option('--to-dir <public_dir>', 'retire it in a static repository directory instead (see `hexts registry build`): no API, no credentials')
    .option('--private-key <path>', 'with --to-dir: the PEM file of the RSA key that signs that repository')
    .addHelpText('after', `
A retired release can still be used; mix warns about it when it resolves dependencies.

Reasons:
  renamed      the package has a new name (say which in the message)
  deprecated   the package is deprecated (name the replacement, if any, in the message)
  security     the release has security issues
  invalid      the release is broken, e.g. it does not compile
  other        anything else (explain in the message)

Examples:
  hexts retire my_pkg 1.2.0 security --message "CVE-2026-1234, use 1.2.1"
  hexts retire my_pkg 0.1.0 renamed --message "now published as my_package"
  hexts retire my_pkg 1.2.0 --unretire
  hexts retire my_pkg 1.2.0 invalid --message "broken build" --to-dir public --private-key private_key.pem

With --to-dir the retirement is kept in PUBLIC_DIR/retirements.json (mix hex.registry build has
nowhere to keep one) and the repository is rebuilt, signed with --private-key.`)
    .action(lazy(() => import('./run.js')));
}
