import { Command, CommanderError, Option } from 'commander';
import type { Context } from './context.js';
import { redactKeys } from './credentials/redact.js';
import { ExitStatus, UsageError } from './errors.js';
import type { Env, Streams } from './io/output.js';
import { defineCommands, selectedCommand } from './commands/tree.js';
import { endpointUrlProblem, redactUrl } from './util/net.js';
import { VERSION } from './version.js';

// Only commander and the command tree load at start-up; everything else (HTTP, prompts,
// keychain, tar, gzip) is imported inside the command that needs it, so `hexts --help`
// costs little more than starting node.

export interface RunIO {
  streams: Streams;
  env: Env;
  cwd: string;
  /**
   * Called when a command has succeeded, with the options given on its command line that it
   * never read: each one was ignored silently, which is a defect in hexts. Tests set it; the
   * tracking costs nothing when it is absent.
   */
  onUnreadOptions?: (flags: string[]) => void;
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

/**
 * Wraps a lazily loaded command module as a commander action. `json`: the command prints data,
 * so --json applies to it; any other command refuses --json as a usage error.
 */
export type Lazy = (load: CommandLoader, output?: { json?: boolean }) => (...params: unknown[]) => Promise<void>;

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
      // commander quotes a bad argument, which may be a key given in the wrong place
      writeErr: (text) => void io.streams.stderr.write(redactKeys(text)),
    })
    .exitOverride();

  const lazy: Lazy = (load, output = {}) => async (...params) => {
    const command = params[params.length - 1] as Command;
    const values = command.optsWithGlobals();
    if (values.json === true && !output.json) throw new UsageError(`--json: \`${commandPath(command)}\` has no JSON output`, 'Run it without --json.');
    // With the hook set, every read of an option is recorded (the globals through ctx.globals).
    const read = new Set<string>();
    const track = <T extends object>(target: T): T => (io.onUnreadOptions ? recordingReads(target, read) : target);
    // The context and the command's code load side by side.
    const [{ Context }, { run }] = await Promise.all([import('./context.js'), load()]);
    const opts = track(values);
    const ctx = new Context(io.streams, io.env, io.cwd, track({
      apiUrl: values.apiUrl as string | undefined,
      json: values.json === true,
      color: values.color !== false,
      verbose: values.verbose === true,
    }), opts);
    // An exit status is an outcome (the releases differ), not a failure: the options count.
    let status: ExitStatus | undefined;
    try {
      await run(ctx, {
        args: command.args,
        opts,
        fromCli: (name) => command.getOptionValueSource(name) === 'cli',
      });
    } catch (err) {
      if (!(err instanceof ExitStatus)) throw err;
      status = err;
    } finally {
      await ctx.dispose();
    }
    io.onUnreadOptions?.(unreadOptions(command, read));
    if (status) throw status;
  };

  await defineCommands(program, lazy, argv === undefined ? undefined : selectedCommand(argv) ?? '');
  return program;
}

/** `target`, recording the name of each property read from it into `read`. */
function recordingReads<T extends object>(target: T, read: Set<string>): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(object, key, receiver);
    },
  });
}

/**
 * Only turns something off: honoured when that something does not happen (--yes where nothing
 * is asked, --no-progress where nothing is uploaded), so never reported as ignored.
 */
const onlyTurnsOff = (option: Option) => option.negate || option.long === '--yes';

/**
 * The options given on `command`'s command line that it never read. The global --api-url,
 * --verbose and --no-color are read by the context; --json counts only where the command reads it.
 */
function unreadOptions(command: Command, read: Set<string>): string[] {
  const unread = command.options
    .filter((o) => command.getOptionValueSource(o.attributeName()) === 'cli' && !onlyTurnsOff(o) && !read.has(o.attributeName()))
    .map((o) => o.long!);
  if (command.getOptionValueSourceWithGlobals('json') === 'cli' && !read.has('json')) unread.push('--json');
  return unread;
}

/** `hexts user key generate`, as a user types it. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}


/**
 * --api-url is checked as it is parsed, so that a bad one is a usage error before anything
 * runs. In commander's words, but not by commander, which would echo a password in the URL.
 */
function checkedApiUrl(value: string): string {
  const problem = endpointUrlProblem(value);
  if (problem) throw new UsageError(`option '--api-url <url>' argument '${redactUrl(value)}' is invalid. It ${problem}.`);
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
