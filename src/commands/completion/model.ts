import type { Command, Help, Option } from 'commander';

// What shell completion needs to know about each command, read from commander itself (the
// whole tree, every command's define module run), so the scripts never drift from the CLI.

/** One command's completion data, in the flat form the scripts hold. */
export interface CompletionTable {
  /** Its canonical path from the top, joined with spaces ('' for hexts itself): what the scripts switch on. */
  key: string;
  subcommands: Array<{ name: string; description: string }>;
  aliases: Array<{ alias: string; name: string }>;
  /** Every spelling of every option: its own, then those of the commands above it (commander accepts them anywhere). */
  options: Array<{ name: string; description: string }>;
  /** Options that take a value: `@files`, the choices separated by spaces, or '' for free text. */
  values: Array<{ name: string; spec: string }>;
  /** Choices of each positional argument, separated by spaces ('' for free text). */
  arguments: string[];
  /** The last argument repeats. */
  variadic: boolean;
}

// Placeholders that name files: `--key-file <path>`, `-o, --output <path>`.
const FILE_VALUE = /<(path|file|dir)[^>]*>/;

// Every name and choice goes unquoted into word lists of three shells: plain words only.
const WORD = /^[A-Za-z0-9][A-Za-z0-9_.@+-]*$|^--?[A-Za-z0-9][A-Za-z0-9-]*$/;

function word(text: string): string {
  if (!WORD.test(text)) throw new Error(`completion: "${text}" is not a plain word`);
  return text;
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

interface OptionSpec {
  names: string[];
  description: string;
  /** What the option's value completes to (see CompletionTable.values), if it takes one. */
  value?: string;
}

function optionSpec(help: Help, option: Option): OptionSpec {
  const takesValue = option.required || option.optional;
  return {
    names: [option.short, option.long].filter((n): n is string => typeof n === 'string').map(word),
    description: oneLine(help.optionDescription(option)),
    value: !takesValue ? undefined : FILE_VALUE.test(option.flags) ? '@files' : (option.argChoices ?? []).map(word).join(' '),
  };
}

/** The tables of `program` and every command under it, hexts itself first. */
export function completionTables(program: Command): CompletionTable[] {
  const help = program.createHelp();
  const tables: CompletionTable[] = [];
  const walk = (command: Command, path: string[], inherited: OptionSpec[], argumentChoices?: string[]) => {
    const own = help.visibleOptions(command).map((o) => optionSpec(help, o));
    const ownNames = new Set(own.flatMap((o) => o.names));
    const options = [...own, ...inherited.filter((o) => !o.names.some((n) => ownNames.has(n)))];
    const subcommands = help.visibleCommands(command);
    tables.push({
      key: path.join(' '),
      subcommands: subcommands.map((s) => ({ name: word(s.name()), description: oneLine(help.subcommandDescription(s)) })),
      aliases: subcommands.flatMap((s) => s.aliases().map((alias) => ({ alias: word(alias), name: s.name() }))),
      options: options.flatMap((o) => o.names.map((name) => ({ name, description: o.description }))),
      values: options.flatMap((o) => (o.value === undefined ? [] : o.names.map((name) => ({ name, spec: o.value! })))),
      arguments: argumentChoices ? [argumentChoices.join(' ')] : command.registeredArguments.map((a) => (a.argChoices ?? []).map(word).join(' ')),
      variadic: command.registeredArguments.at(-1)?.variadic ?? false,
    });
    // What reaches the commands below: these options but help, which each command has for itself.
    const passed = [...command.options.filter((o) => !o.hidden).map((o) => optionSpec(help, o)), ...inherited];
    for (const sub of subcommands) {
      // commander's implicit `help [command]` (not in .commands) completes the names of its siblings.
      const implicitHelp = !command.commands.includes(sub);
      const siblings = subcommands.filter((s) => command.commands.includes(s)).map((s) => s.name());
      walk(sub, [...path, sub.name()], passed, implicitHelp ? siblings : undefined);
    }
  };
  walk(program, [], []);
  return tables;
}

/** A string in single quotes for bash and zsh. */
export const posixQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * The walk over the words before the cursor, the same shell code in bash and zsh: options
 * and their values are skipped, subcommand names descend into their table (_hexts_spec),
 * and n counts the positional arguments. `range` is the loop's (( … )) clause and
 * `subcommandNames` the expansion that lists the current table's subcommand names.
 */
export function walkWords(range: string, subcommandNames: string): string {
  return `  for ((${range})); do
    word=\${words[i]}
    if [[ -n $expect ]]; then
      expect=''
      continue
    fi
    if ((!dashdash)); then
      case $word in
        --) dashdash=1; continue ;;
        -?*) _hexts_value_of "$word" && expect=$word; continue ;;
      esac
      if ((n == 0)); then
        for entry in ${subcommandNames} "\${_hexts_aliases[@]}"; do
          if [[ \${entry%%=*} == "$word" ]]; then
            cmdpath=\${cmdpath:+$cmdpath }\${entry#*=}
            _hexts_spec "$cmdpath"
            continue 2
          fi
        done`;
}

/**
 * _hexts_spec (the table, with each command's entry as `entries` renders it for the shell)
 * and _hexts_value_of: the same shell code in bash and zsh.
 */
export function tableFunctions(entries: string): string {
  return `# Sets the _hexts_* arrays for the command named by the path in $1.
_hexts_spec() {
  case $1 in
${entries}
    *) return 1 ;;
  esac
}

# Sets REPLY to what the option $1 of the current command takes, or fails if it takes nothing.
_hexts_value_of() {
  local entry
  for entry in "\${_hexts_vals[@]}"; do
    if [[ \${entry%%=*} == "$1" ]]; then
      REPLY=\${entry#*=}
      return 0
    fi
  done
  return 1
}`;
}
