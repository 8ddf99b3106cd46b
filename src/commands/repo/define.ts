import { Option, type Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { pick } from '../options.js';

/** The options `add` and `set` share: mix hex.repo's, and where to publish. */
function repoOptions(command: Command): Command {
  return command
    .option('--public-key <path>', 'PEM file with the key the repository\'s files must be signed with')
    .option('--fetch-public-key <fingerprint>', 'download URL/public_key and keep it only if its fingerprint is this one (SHA256:…, as mix and ssh-keygen print it)')
    .option('--auth-key <key>', 'the key the repository wants in Authorization (`-` reads it from stdin); kept in the OS keychain')
    .option('--oauth-exchange', 'exchange the auth key for a short-lived token first (at --oauth-exchange-url)')
    .option('--no-oauth-exchange', 'send the auth key as it is (the default for repositories other than hexpm)')
    .option('--oauth-exchange-url <url>', 'the API whose /oauth/token exchanges the auth key')
    .option('--api-url <url>', 'the repository\'s API, for `hexts publish --repo NAME` and `retire --repo NAME`')
    .addOption(new Option('--publish <mode>', 'how its API takes releases: releases (hex.pm\'s route) or legacy (mini_repo\'s POST …/publish)').choices(['releases', 'legacy']))
    .option('--mix', 'also write the repository into mix\'s hex.config, as `mix hex.repo` does, for `mix deps.get`')
    .option('--insecure-storage', 'store the auth key in a plain-text file instead of the OS keychain');
}

export function define(repo: Command, lazy: Lazy): void {
  repoOptions(repo.command('add'))
    .description('add a repository (self-hosted, mini_repo, a static directory on a web server, a vendor\'s)')
    .argument('<name>', 'the name dependencies use (`repo: "NAME"` in mix.exs)')
    .argument('<url>', 'where its names, versions, packages/ and tarballs/ are; `https://user:password@…` means Basic auth (kept in the keychain, never shown)')
    .addHelpText('after', `
A repository's files are signed: give its key with --public-key, or --fetch-public-key with
the fingerprint its operators publish (hexts downloads the key and keeps it only if it
matches). With neither, the key is pinned the first time it is used.

Examples:
  hexts repo add oban https://getoban.pro/repo --fetch-public-key SHA256:4hK… --auth-key "$OBAN_LICENSE_KEY"
  hexts repo add internal https://hex.example.com/repos/internal --public-key internal.pem --auth-key - < key.txt
  hexts repo add static https://files.example.com/hex --public-key public_key --mix
  hexts package fetch pro_lib --repo oban`)
    .action(lazy(pick(() => import('./add.js'), 'add')));
  repoOptions(repo.command('set'))
    .description('change an added repository: each option given replaces that setting')
    .argument('<name>', 'repository name')
    .option('--url <url>', 'a new URL')
    .action(lazy(pick(() => import('./add.js'), 'set')));
  repo.command('remove')
    .description('forget an added repository and its auth key')
    .argument('<name>', 'repository name')
    .option('--mix', 'also remove it from mix\'s hex.config')
    .action(lazy(() => import('./remove.js')));
  repo.command('list')
    .description('the repositories this machine knows: hexpm, organizations, added ones')
    .action(lazy(pick(() => import('./list.js'), 'list'), { json: true }));
  repo.command('doctor')
    .description('check a repository step by step: connection, key, signatures, its name in the signed files, auth key')
    .argument('<name>', 'an added repository, or hexpm')
    .addHelpText('after', `
Each check prints ok or FAIL with what likely fixes it; the exit code is 1 if any failed. It
ends with the settings Dependabot needs to read the same repository.

Examples:
  hexts repo doctor oban
  hexts repo doctor internal --json`)
    .action(lazy(() => import('./doctor.js'), { json: true }));
  repo.command('show')
    .description('one repository: URL, key fingerprint, where its auth key is kept (the key itself is never shown)')
    .argument('<name>', 'repository name (hexpm, hexpm:ORG, or an added one)')
    .option('--url', 'print only the URL')
    .option('--public-key', 'print only the public key (PEM)')
    .option('--auth-key', 'print only where the auth key is kept')
    .option('--oauth-exchange', 'print only whether the key is exchanged')
    .option('--oauth-exchange-url', 'print only the exchange URL')
    .action(lazy(pick(() => import('./list.js'), 'show'), { json: true }));
}
