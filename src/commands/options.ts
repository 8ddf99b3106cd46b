import type { Command } from 'commander';
import type { CommandRunner } from '../cli.js';
import { DEFAULT_ELIXIR_VERSION, DEFAULT_OTP_RELEASE, type ToolchainChoice } from '../elixir/assumptions.js';

// Options and helpers shared by the command definitions.

/** --key, --key -, --key-file: an API key for this run instead of the stored credentials. */
export function keyOptions(command: Command): Command {
  return command
    .option('--key <key>', 'API key to use (`-` reads it from stdin, keeping it out of the process list)')
    .option('--key-file <path>', 'read the API key from a file');
}

export const otpOption = (command: Command): Command =>
  command.option('--otp <code>', 'two-factor authentication code (also HEX_OTP; asked for on a terminal)');

/** --elixir-version, --otp-release: the toolchain mix.exs is read as (build and publish). */
export const toolchainOptions = (command: Command): Command =>
  command
    .option('--elixir-version <version>', `the Elixir version mix.exs sees in System.version() (default ${DEFAULT_ELIXIR_VERSION}, or HEXTS_ELIXIR_VERSION)`)
    .option('--otp-release <release>', `the Erlang/OTP release mix.exs sees in System.otp_release() (default ${DEFAULT_OTP_RELEASE}, or HEXTS_OTP_RELEASE)`);

/** The toolchain options given to a command, as the package pipeline takes them. */
export function toolchainChoice(opts: Record<string, unknown>): ToolchainChoice {
  return {
    elixirVersion: typeof opts.elixirVersion === 'string' ? opts.elixirVersion : undefined,
    otpRelease: typeof opts.otpRelease === 'string' ? opts.otpRelease : undefined,
  };
}

/** Picks one export of a command module as its runner. */
export const pick = <M>(load: () => Promise<M>, name: keyof M) => async () => ({ run: (await load())[name] as CommandRunner });

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** --repo NAME: a repository other than the one --organization names (hexpm, hexpm:ORG, or one added with `hexts repo add`). */
export const repoOption = (command: Command): Command =>
  command.option('--repo <name>', 'read from this repository: hexpm, hexpm:ORG, or one added with `hexts repo add`');

