import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Context } from './context.js';
import type { Env, Streams } from './io/output.js';
import { defineCommands, selectedCommand } from './commands/tree.js';
import { endpointUrlProblem } from './util/net.js';
import { VERSION } from './version.js';

// Only commander and the command tree load at start-up; everything else (HTTP, prompts,
// keychain, tar, gzip) is imported inside the command that needs it, so `hexts --help`
// costs little more than starting node.

export interface RunIO {
  streams: Streams;
  env: Env;
  cwd: string;
}

/** The options and positional arguments commander parsed for one command. */
export interface Invocation {
  args: string[];
  opts: Record<string, unknown>;
  /** Where each option's value came from (cli, env, default…), as commander tracks it. */
  fromCli(name: string): boolean;
}

export type CommandRunner = (ctx: Context, invocation: Invocation) => Promise<void>;
export type CommandLoader = () => Promise<{ run: CommandRunner }>;

/** Wraps a lazily loaded command module as a commander action. */
export type Lazy = (load: CommandLoader) => (...params: unknown[]) => Promise<void>;

/** The program for `argv`; with `argv` undefined, the whole tree (for completion scripts). */
export async function buildProgram(io: RunIO, argv?: string[]): Promise<Command> {
  const program = new Command('hexts')
    .description('A command-line client for Hex package registries (hex.pm and self-hosted), mirroring `mix hex.*`.')
    .version(VERSION, '-V, --version', 'print the hexts version')
    .addOption(new Option('--api-url <url>', 'Hex API URL (default https://hex.pm/api; env HEX_API_URL)').argParser(checkedApiUrl))
    .option('--json', 'print data as JSON (commands whose output is data)')
    .option('--no-color', 'no colour in the output (also NO_COLOR=1)')
    .option('--verbose', 'log each HTTP request and response status on stderr (secrets redacted)')
    .helpOption('-h, --help', 'show help for a command')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => void io.streams.stdout.write(text),
      writeErr: (text) => void io.streams.stderr.write(text),
    })
    .exitOverride();

  const lazy: Lazy = (load) => async (...params) => {
    const command = params[params.length - 1] as Command;
    const opts = command.optsWithGlobals();
    // The context and the command's code load side by side.
    const [{ Context }, { run }] = await Promise.all([import('./context.js'), load()]);
    const ctx = new Context(io.streams, io.env, io.cwd, {
      apiUrl: opts.apiUrl as string | undefined,
      json: opts.json === true,
      color: opts.color !== false,
      verbose: opts.verbose === true,
    });
    try {
      await run(ctx, {
        args: command.args,
        opts,
        fromCli: (name) => command.getOptionValueSource(name) === 'cli',
      });
    } finally {
      await ctx.dispose();
    }
  };

  await defineCommands(program, lazy, argv === undefined ? undefined : selectedCommand(argv) ?? '');
  return program;
}

/** --api-url is checked as it is parsed, so that a bad one is a usage error before anything runs. */
function checkedApiUrl(value: string): string {
  const problem = endpointUrlProblem(value);
  if (problem) throw new InvalidArgumentError(`It ${problem}.`);
  return value;
}

/**
 * Runs hexts with `argv` (without node and script) and returns the exit code: 0, 1 (failed,
 * or declined at a prompt), 2 for usage errors, 130 for Ctrl-C at a prompt.
 */
export async function main(argv: string[], io: RunIO): Promise<number> {
  const program = await buildProgram(io, argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message and the pointer to --help. Help that was
      // asked for (--help, `hexts help [COMMAND]`) and --version end with commander's 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    const { reportError } = await import('./report.js');
    return reportError(err, io, { verbose: argv.includes('--verbose'), color: !argv.includes('--no-color') });
  }
}
