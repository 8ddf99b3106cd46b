import { Argument, type Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { collect, keyOptions, otpOption } from '../options.js';

export function define(organization: Command, lazy: Lazy): void {
  keyOptions(organization.command('auth'))
    .description('give this machine access to an organization\'s packages (checked, then stored in the keychain)')
    .argument('<organization>', 'organization name')
    .option('--insecure-storage', 'store the key in a plain-text file instead of the OS keychain')
    .option('--mix', 'also write the key into mix\'s hex.config ($HEX_HOME, or MIX_XDG, or ~/.hex) for `mix deps.get`')
    .addHelpText('after', `
With --key (or --key -, --key-file) the key is checked with the registry and stored only if
it is accepted. Without a key, the logged-in user (hexts user auth) creates an
organization-owned repository key for this machine; that needs the write role.

Examples:
  hexts organization auth acme --key "$HEX_ORG_KEY"       on a build server
  echo "$HEX_ORG_KEY" | hexts organization auth acme --key -   same, key kept out of ps
  hexts organization auth acme                            as a logged-in member
  hexts organization auth acme --key "$HEX_ORG_KEY" --mix  and let mix deps.get use it too`)
    .action(lazy(() => import('./auth.js')));
  otpOption(keyOptions(organization.command('deauth')))
    .description('forget the stored key of an organization (--revoke also revokes it on the registry)')
    .argument('<organization>', 'organization name')
    .option('--revoke', 'revoke the key on the registry too')
    .action(lazy(() => import('./deauth.js')));
  keyOptions(organization.command('list'))
    .description('organizations with keys stored here, and your memberships and roles')
    .action(lazy(() => import('./list.js'), { json: true }));
  otpOption(keyOptions(organization.command('key')))
    .description('manage an organization\'s keys: generate, list, revoke')
    .argument('<organization>', 'organization name')
    .addArgument(new Argument('<action>', 'what to do').choices(['generate', 'list', 'revoke']))
    .argument('[name]', 'for revoke: the key to revoke')
    .option('--key-name <name>', 'generate: name of the new key (default hexts-<hostname>)')
    .option('--permission <permission>', 'generate: api, api:read, api:write, repository:ORG, repositories, docs:ORG (repeatable; default repository:ORG)', collect)
    .option('--expires <duration>', 'generate: expire the key after a duration (30d, 12h, 2w) or at a date')
    .option('--all', 'revoke: revoke every key of the organization')
    .option('--yes', 'revoke --all: do not ask for confirmation (needed without a terminal)')
    .addHelpText('after', `
generate prints only the new secret on stdout, once; everything else goes to stderr.

Examples:
  KEY=$(hexts organization key acme generate --key-name ci)
  hexts organization key acme generate --permission api:write --permission repository:acme --expires 90d
  hexts organization key acme list
  hexts organization key acme revoke ci`)
    .action(lazy(() => import('./key.js'), { json: true }));
}
