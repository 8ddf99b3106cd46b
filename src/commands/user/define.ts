import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { collect, keyOptions, otpOption, pick } from '../options.js';

export function define(user: Command, lazy: Lazy): void {
  user
    .command('register')
    .description('create an account on the registry (then confirm the email and run `hexts user auth`)')
    .option('--username <name>', 'username (asked for on a terminal)')
    .option('--email <address>', 'email address (asked for on a terminal)')
    .option('--password-stdin', 'read the password from stdin')
    .action(lazy(() => import('./register.js')));
  keyOptions(user.command('auth'))
    .description('log in: OAuth device flow in the browser, or store an existing API key with --key')
    .option('--password', 'legacy username/password login, for registries that still accept Basic auth')
    .option('--username <name>', 'username for --password')
    .option('--password-stdin', 'read the --password password from stdin')
    .option('--sso <organization>', 'take your login through the single sign-on of an organization that requires it (repeatable)', collect)
    .option('--no-browser', 'do not open a browser; just print the URL and code')
    .option('--insecure-storage', 'store credentials in a plain-text file instead of the OS keychain')
    .addHelpText('after', `
Examples:
  hexts user auth                        log in through the browser (device flow)
  echo "$KEY" | hexts user auth --key -  store an existing API key (checked first)
  hexts user auth --sso acme             sign in at acme's identity provider (single sign-on)`)
    .action(lazy(() => import('./auth.js')));
  keyOptions(user.command('whoami'))
    .description('show the logged-in user, organizations, and where the credential comes from')
    .action(lazy(() => import('./whoami.js'), { json: true }));
  user
    .command('deauth')
    .description('log out: revoke the OAuth token and remove every credential stored for this registry')
    .action(lazy(() => import('./deauth.js')));
  const userKey = user.command('key').description('manage your personal API keys');
  const userKeys = () => import('./key.js');
  otpOption(keyOptions(userKey.command('generate')))
    .description('create an API key; prints only the secret on stdout (KEY=$(hexts user key generate))')
    .option('--key-name <name>', 'name of the new key (default hexts-<hostname>)')
    .option('--permission <permission>', 'api, api:read, api:write, repository:ORG, repositories, docs:ORG, package:NAME (repeatable; default api)', collect)
    .option('--expires <duration>', 'expire the key after a duration (30d, 12h, 2w) or at a date (2027-01-31)')
    .action(lazy(pick(userKeys, 'generate')));
  keyOptions(userKey.command('list'))
    .description('list your API keys: name, permissions, created, last use, expiry')
    .action(lazy(pick(userKeys, 'list'), { json: true }));
  otpOption(keyOptions(userKey.command('revoke')))
    .description('revoke a key by NAME, or every key with --all')
    .argument('[name]', 'the key to revoke')
    .option('--all', 'revoke all your keys')
    .option('--yes', 'with --all: do not ask for confirmation (needed without a terminal)')
    .action(lazy(pick(userKeys, 'revoke')));
}
