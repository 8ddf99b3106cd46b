import type { Command } from 'commander';
import type { CommandRunner, Lazy } from '../cli.js';

/** --key, --key -, --key-file: an API key for this run instead of the stored credentials. */
function keyOptions(command: Command): Command {
  return command
    .option('--key <key>', 'API key to use (`-` reads it from stdin, keeping it out of the process list)')
    .option('--key-file <path>', 'read the API key from a file');
}

const otpOption = (command: Command): Command =>
  command.option('--otp <code>', 'two-factor authentication code (also HEX_OTP; asked for on a terminal)');

/** Picks one export of a command module as its runner. */
const pick = <M>(load: () => Promise<M>, name: keyof M) => async () => ({ run: (await load())[name] as CommandRunner });

// The command tree. No command code is loaded here; and a group's subcommands are only
// declared when the command line names that group (or `selected` is undefined, as for
// shell completion), which keeps `hexts --help` and every start-up cheap.

/** The group a command line addresses (`hexts [global options] GROUP …`, `hexts help GROUP`). */
export function selectedGroup(argv: string[]): string | undefined {
  const positional: string[] = [];
  for (let i = 0; i < argv.length && positional.length < 2; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (token === '--api-url') i++; // its value
    else if (!token.startsWith('-')) positional.push(token);
  }
  return positional[0] === 'help' ? positional[1] : positional[0];
}

export function defineCommands(program: Command, lazy: Lazy, selected?: string): void {
  const wanted = (name: string, alias?: string) => selected === undefined || selected === name || selected === alias;

  program.addHelpText('after', `
Examples:
  hexts user auth                                   log in with your browser (OAuth device flow)
  hexts organization auth acme --key "$KEY"         give a build server access to acme's packages
  hexts organization key acme generate              make a key for that build server
  hexts publish --organization acme --yes           publish a private package from CI

Environment: HEX_API_URL, HEX_API_KEY, HEX_OTP, HEX_REPO_URL, HEX_CACERTS_PATH, HEX_HTTP_TIMEOUT,
HEX_HTTP_CONCURRENCY, http(s)_proxy/no_proxy, HEXTS_HOME, NO_COLOR (see README).`);

  const user = program.command('user').description('register, log in and out, and manage your personal API keys');
  if (wanted('user')) defineUser(user, lazy);

  program.command('organization').alias('org').description('organization access for people and CI: auth, deauth, list, keys');
  program.command('build').description('build the package tarball of the mix project in this directory');
  program.command('publish').description('publish the package and its docs to hex.pm or an organization');
  program.command('package').description('fetch and search packages');
  program.command('info').description('show information about a package or release');
  program.command('owner').description('manage package owners');
  program.command('retire').description('retire or unretire a release');

  program
    .command('config')
    .description('show or change settings; each shows where its value comes from')
    .argument('[key]', 'the setting to show or change')
    .argument('[value]', 'the new value (written to the hexts config file)')
    .option('--delete', 'remove KEY from the config file')
    .addHelpText('after', `
Precedence: flag > environment > config file > default. Secrets are never shown here.

Examples:
  hexts config                         list every setting and its source
  hexts config api_url                 print one value
  hexts config http_timeout 60         set a value in the config file
  hexts config http_timeout --delete   remove it again`)
    .action(lazy(() => import('./config.js')));

  program.command('completion').description('print a shell completion script (bash, zsh, fish)');
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function defineUser(user: Command, lazy: Lazy): void {
  user
    .command('register')
    .description('create an account on the registry (then confirm the email and run `hexts user auth`)')
    .option('--username <name>', 'username (asked for on a terminal)')
    .option('--email <address>', 'email address (asked for on a terminal)')
    .option('--password-stdin', 'read the password from stdin')
    .action(lazy(() => import('./user/register.js')));
  keyOptions(user.command('auth'))
    .description('log in: OAuth device flow in the browser, or store an existing API key with --key')
    .option('--password', 'legacy username/password login, for registries that still accept Basic auth')
    .option('--username <name>', 'username for --password')
    .option('--password-stdin', 'read the --password password from stdin')
    .option('--no-browser', 'do not open a browser; just print the URL and code')
    .option('--insecure-storage', 'store credentials in a plain-text file instead of the OS keychain')
    .addHelpText('after', `
Examples:
  hexts user auth                        log in through the browser (device flow)
  echo "$KEY" | hexts user auth --key -  store an existing API key (checked first)`)
    .action(lazy(() => import('./user/auth.js')));
  keyOptions(user.command('whoami'))
    .description('show the logged-in user, organizations, and where the credential comes from')
    .action(lazy(() => import('./user/whoami.js')));
  user
    .command('deauth')
    .description('log out: revoke the OAuth token and remove every credential stored for this registry')
    .action(lazy(() => import('./user/deauth.js')));
  const userKey = user.command('key').description('manage your personal API keys');
  const userKeys = () => import('./user/key.js');
  otpOption(keyOptions(userKey.command('generate')))
    .description('create an API key; prints only the secret on stdout (KEY=$(hexts user key generate))')
    .option('--key-name <name>', 'name of the new key (default hexts-<hostname>)')
    .option('--permission <permission>', 'api, api:read, api:write, repository:ORG, repositories, docs:ORG, package:NAME (repeatable; default api)', collect)
    .option('--expires <duration>', 'expire the key after a duration (30d, 12h, 2w) or at a date (2027-01-31)')
    .action(lazy(pick(userKeys, 'generate')));
  keyOptions(userKey.command('list'))
    .description('list your API keys: name, permissions, created, last use, expiry')
    .action(lazy(pick(userKeys, 'list')));
  otpOption(keyOptions(userKey.command('revoke')))
    .description('revoke a key by NAME, or every key with --all')
    .argument('[name]', 'the key to revoke')
    .option('--all', 'revoke all your keys')
    .action(lazy(pick(userKeys, 'revoke')));
}
