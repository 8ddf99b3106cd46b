import type { Command } from 'commander';
import type { CommandRunner } from '../cli.js';

// Options and helpers shared by the command definitions.

/** --key, --key -, --key-file: an API key for this run instead of the stored credentials. */
export function keyOptions(command: Command): Command {
  return command
    .option('--key <key>', 'API key to use (`-` reads it from stdin, keeping it out of the process list)')
    .option('--key-file <path>', 'read the API key from a file');
}

export const otpOption = (command: Command): Command =>
  command.option('--otp <code>', 'two-factor authentication code (also HEX_OTP; asked for on a terminal)');

/** Picks one export of a command module as its runner. */
export const pick = <M>(load: () => Promise<M>, name: keyof M) => async () => ({ run: (await load())[name] as CommandRunner });

/** Collects a repeatable option's values. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
