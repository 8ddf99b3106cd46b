import type { Command } from 'commander';
import type { Lazy } from '../cli.js';

// The command tree. Only this list loads at start-up: a command's options, arguments and
// subcommands are declared (by its define module) only when the command line names it,
// or for every command when `selected` is undefined (shell completion), and each
// command's code is imported only when it runs. That keeps `hexts --help` cheap.

interface TopCommand {
  name: string;
  alias?: string;
  description: string;
  define: () => Promise<{ define(command: Command, lazy: Lazy): void }>;
}

export const COMMANDS: TopCommand[] = [
  { name: 'user', description: 'register, log in and out, and manage your personal API keys', define: () => import('./user/define.js') },
  { name: 'organization', alias: 'org', description: 'organization access for people and CI: auth, deauth, list, keys', define: () => import('./organization/define.js') },
  { name: 'build', description: 'build the package tarball of the mix project in this directory', define: () => import('./build/define.js') },
  { name: 'publish', description: 'publish the package and its docs to hex.pm or an organization', define: () => import('./publish/define.js') },
  { name: 'package', description: 'fetch packages (verified against the signed registry) and search for them', define: () => import('./package/define.js') },
  { name: 'verify', description: 'prove a release is what its source builds: rebuild it here and compare checksums', define: () => import('./verify/define.js') },
  { name: 'docs', description: 'fetch a package\'s docs for reading offline, and open them (like mix hex.docs)', define: () => import('./docs/define.js') },
  { name: 'info', description: 'a package\'s description, releases, licenses and links, or one release\'s dependencies', define: () => import('./info/define.js') },
  { name: 'outdated', description: 'the project\'s dependencies with newer versions, from mix.exs and mix.lock (like mix hex.outdated)', define: () => import('./outdated/define.js') },
  { name: 'audit', description: 'retired releases and security advisories among the locked dependencies (like mix hex.audit)', define: () => import('./audit/define.js') },
  { name: 'owner', description: 'manage package owners: add, transfer, remove, list, and the packages you own', define: () => import('./owner/define.js') },
  { name: 'registry', description: 'build a static repository (signed registry files over a directory of tarballs), as mix hex.registry', define: () => import('./registry/define.js') },
  { name: 'retire', description: 'retire a release so that users are warned about it, or --unretire it', define: () => import('./retire/define.js') },
  { name: 'repo', description: 'repositories beyond hex.pm: add, set, remove, list, show (like mix hex.repo)', define: () => import('./repo/define.js') },
  { name: 'config', description: 'show or change settings; each shows where its value comes from', define: () => import('./config/define.js') },
  { name: 'completion', description: 'print a shell completion script: bash, zsh or fish', define: () => import('./completion/define.js') },
];

/** The command a command line addresses (`hexts [global options] NAME …`, `hexts help NAME`). */
export function selectedCommand(argv: string[]): string | undefined {
  const positional: string[] = [];
  for (let i = 0; i < argv.length && positional.length < 2; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (token === '--api-url') i++; // its value
    else if (!token.startsWith('-')) positional.push(token);
  }
  return positional[0] === 'help' ? positional[1] : positional[0];
}

export async function defineCommands(program: Command, lazy: Lazy, selected?: string): Promise<void> {
  program.addHelpText('after', `
Examples:
  hexts user auth                                   log in with your browser (OAuth device flow)
  hexts organization auth acme --key "$KEY"         give a build server access to acme's packages
  hexts organization key acme generate              make a key for that build server
  hexts publish --organization acme --yes           publish a private package from CI

Environment: HEX_API_URL, HEX_API_KEY, HEX_OTP, HEX_REPO_URL, HEX_CACERTS_PATH, HEX_HTTP_TIMEOUT,
HEX_HTTP_CONCURRENCY, http(s)_proxy/no_proxy, HEXTS_HOME, NO_COLOR (see README).

Exit codes: 0 done; 1 failed, or declined at a prompt ("Aborted."); 2 usage error (nothing
was sent); 130 interrupted (Ctrl-C).`);

  for (const top of COMMANDS) {
    const command = program.command(top.name).description(top.description);
    if (top.alias) command.alias(top.alias);
    if (selected === undefined || selected === top.name || selected === top.alias) (await top.define()).define(command, lazy);
  }
}
