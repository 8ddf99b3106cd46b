import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { keyOptions, repoOption, toolchainOptions } from '../options.js';

export function define(command: Command, lazy: Lazy): void {
  command
    .argument('<release>', 'NAME@VERSION, the release to check (an exact version)')
    .option('--source <dir>', 'the project to rebuild it from (default: here)')
    .option('--organization <org>', 'the release is in this organization\'s private repository');
  keyOptions(toolchainOptions(repoOption(command)))
    .addHelpText('after', `
Proves that a published release is what its source builds: the release's tarball is downloaded
and checked against the signed registry, the project is built as \`mix hex.build\` would build it,
and the two tarballs' checksums are compared. A match means every byte of the release (files,
modes, metadata) comes from that source; nothing else was slipped in.

Two things mix takes from the machine that built a release are taken from the release itself:
the order of the files of each directory (mix lists them in the file system's order) and the
order of metadata.config's keys (which differs on OTP 26 and later). Files of the source that the
release does not have still count: they show as "only in source". Modes count too: files checked
out under umask 002 are group-writable (100664), and mix would have packed them so; check out
under umask 022 to rebuild a release made that way.

mix.exs is read as for \`hexts build\` (--elixir-version, --otp-release and MIX_ENV: the toolchain
mix.exs sees); nothing is compiled or run.

On a mismatch: the first difference (a metadata.config key or the first entry of the archive that
differs), then each file that differs (only in the release, only in the source, content with a
unified diff for text, mode such as 100644 → 100755, order) and each metadata field that differs.

For an organization, the key given with --key (or HEX_API_KEY) is used, else the organization's
stored key (hexts organization auth), else your login; --verbose says which.

Exit codes: 0 the release matches its source, 1 it does not (or something failed), 2 usage error.

Examples:
  git checkout v1.2.3 && hexts verify foo@1.2.3
  hexts verify foo@1.2.3 --source ../foo
  hexts verify billing@0.3.0 --organization acme --json`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
