// `hexts completion bash|zsh|fish`: every command, subcommand, alias, option and choice of
// the commander tree is in each script, and each shell's own machinery completes with it:
// bash's completion function with COMP_WORDS set, fish's `complete -C`, zsh's function with
// its completion builtins stood in for, and all three interactively in tmux, pressing Tab.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli.js';
import { runCli } from '../helpers/cli.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missing = (shell: string) => (has(shell) ? false : `${shell} is not installed`);

/** What commander itself says each command accepts: the expectations, read without the completion code. */
interface Expected {
  path: string[];
  subcommands: string[];
  aliases: Array<[string, string]>;
  flags: string[];
  valueChoices: Array<[string, string[]]>;
  fileFlags: string[];
  argumentChoices: Array<[number, string[]]>;
}

async function expectations(): Promise<Expected[]> {
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const program = await buildProgram({ streams: { stdin: process.stdin, stdout: sink, stderr: sink } as never, env: {}, cwd: process.cwd() });
  const help = program.createHelp();
  const out: Expected[] = [];
  // The implicit `help` command has no parent of its own: the walk passes it along.
  const visit = (command: Command, path: string[], parent: Command | null) => {
    const options = [...help.visibleOptions(command)];
    for (let above = parent; above; above = above.parent) options.push(...above.options.filter((o) => !o.hidden));
    const subs = help.visibleCommands(command);
    const isImplicitHelp = parent !== null && !parent.commands.includes(command);
    out.push({
      path,
      subcommands: subs.map((c) => c.name()),
      aliases: subs.flatMap((c) => c.aliases().map((a): [string, string] => [a, c.name()])),
      flags: [...new Set(options.flatMap((o) => [o.short, o.long].filter((n): n is string => !!n)))],
      valueChoices: options.filter((o) => o.argChoices).flatMap((o) => [o.short, o.long].filter((n): n is string => !!n).map((n): [string, string[]] => [n, o.argChoices!])),
      fileFlags: options.filter((o) => /<path>/.test(o.flags)).map((o) => o.long!),
      argumentChoices: isImplicitHelp
        ? [[0, parent.commands.map((c) => c.name())]]
        : command.registeredArguments.flatMap((a, i): Array<[number, string[]]> => (a.argChoices ? [[i, a.argChoices]] : [])),
    });
    for (const sub of subs) visit(sub, [...path, sub.name()], command);
  };
  visit(program, [], null);
  return out;
}

let tree: Expected[];
const scripts = {} as Record<Shell, string>;
let scratch: string;

before(async () => {
  tree = await expectations();
  scratch = mkdtempSync(join(tmpdir(), 'hexts-completion-'));
  for (const shell of SHELLS) {
    const result = await runCli(['completion', shell]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    scripts[shell] = result.stdout;
    writeFileSync(join(scratch, `hexts.${shell}`), result.stdout);
  }
  mkdirSync(join(scratch, 'zfunc'));
  writeFileSync(join(scratch, 'zfunc', '_hexts'), scripts.zsh);
  mkdirSync(join(scratch, 'keys'));
  writeFileSync(join(scratch, 'keys', 'only.key'), 'x');
});
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the tree has the commands this issue added, with their choices', () => {
  const find = (path: string) => tree.find((t) => t.path.join(' ') === path);
  assert.deepEqual(find('owner')?.subcommands, ['add', 'transfer', 'remove', 'list', 'packages', 'help']);
  assert.deepEqual(find('owner add')?.valueChoices, [['--level', ['full', 'maintainer']]]);
  assert.deepEqual(find('retire')?.argumentChoices, [[2, ['renamed', 'deprecated', 'security', 'invalid', 'other']]]);
  assert.deepEqual(find('completion')?.argumentChoices, [[0, ['bash', 'zsh', 'fish']]]);
});

test('an unknown shell is a usage error', async () => {
  const result = await runCli(['completion', 'tcsh']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Allowed choices are bash, zsh, fish/);
});

/** The part of a script that describes one command (the scripts switch on the command's path). */
function block(shell: Shell, key: string): string {
  const script = scripts[shell];
  const start = shell === 'fish' ? script.indexOf(`\n        case '${key}'\n`) : script.indexOf(`\n    '${key}')\n`);
  assert.ok(start >= 0, `${shell}: no entry for "${key}"`);
  const end = shell === 'fish' ? script.indexOf('\n        case ', start + 1) : script.indexOf(';;', start);
  return script.slice(start, end);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const shell of SHELLS) {
  test(`${shell}: every command, subcommand, alias, flag and choice of the tree is in the script`, () => {
    for (const command of tree) {
      const text = block(shell, command.path.join(' '));
      const quoted = (word: string) => new RegExp(`'${escape(word)}['=:]`);
      for (const word of [...command.subcommands, ...command.flags]) assert.match(text, quoted(word), `${shell} ${command.path.join(' ')}: ${word}`);
      for (const [alias, name] of command.aliases) assert.ok(text.includes(`'${alias}=${name}'`), `${shell}: alias ${alias}`);
      for (const [flag, choices] of command.valueChoices) assert.ok(text.includes(`'${flag}=${choices.join(' ')}'`), `${shell}: ${flag} choices`);
      for (const flag of command.fileFlags) assert.ok(text.includes(`'${flag}=@files'`), `${shell}: ${flag} files`);
      for (const [, choices] of command.argumentChoices) assert.ok(text.includes(`'${choices.join(' ')}'`), `${shell}: argument choices ${choices}`);
    }
  });
}

/** One completion request: the words before the cursor and the word being completed. */
interface Query {
  words: string[];
  current: string;
  expected: string[];
}

/** Every command: its subcommands (or first argument's choices), its flags, option values, argument choices. */
function queries(shell: Shell): Query[] {
  const list: Query[] = [];
  for (const command of tree) {
    const first = command.argumentChoices.find(([i]) => i === 0)?.[1] ?? [];
    list.push({ words: command.path, current: '', expected: command.subcommands.length ? command.subcommands : first });
    list.push({ words: command.path, current: '-', expected: command.flags });
    for (const [flag, choices] of command.valueChoices) {
      list.push({ words: [...command.path, flag], current: '', expected: choices });
      // --flag=value: fish replaces the whole word, bash and zsh what follows the =.
      if (flag.startsWith('--')) list.push({ words: command.path, current: `${flag}=`, expected: shell === 'fish' ? choices.map((c) => `${flag}=${c}`) : choices });
    }
    for (const [index, choices] of command.argumentChoices) {
      list.push({ words: [...command.path, ...Array(index).fill('x')], current: '', expected: choices });
    }
  }
  const owner = tree.find((t) => t.path.join(' ') === 'owner')!.subcommands;
  const orgKey = tree.find((t) => t.path.join(' ') === 'organization key')!;
  list.push(
    { words: ['org'], current: '', expected: tree.find((t) => t.path.join(' ') === 'organization')!.subcommands },
    { words: ['org', 'key', 'acme'], current: '', expected: orgKey.argumentChoices[0]![1] },
    { words: ['--api-url', 'https://hex.example/api', 'owner'], current: '', expected: owner },
    { words: ['--json', 'owner'], current: 'tr', expected: ['transfer'] },
    { words: ['owner', 'add', 'pkg', 'alice'], current: '', expected: [] },
    { words: ['owner', 'add', '--key'], current: '', expected: [] },
    { words: ['owner', 'add', '--', 'pkg'], current: '-', expected: [] },
    { words: ['retire', 'pkg', '1.0.0'], current: 's', expected: ['security'] },
    { words: ['user', 'auth', '--key-file'], current: `${scratch}/keys/`, expected: [`${scratch}/keys/only.key`] },
  );
  return list;
}

const posix = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
const fishQuote = (word: string) => `'${word.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const SEPARATOR = '@@end@@';

/** Runs every query through the shell in one process; returns the candidates of each. */
function complete(shell: Shell, list: Query[]): string[][] {
  const file = join(scratch, `hexts.${shell}`);
  let program: string;
  if (shell === 'bash') {
    // COMP_WORDS as bash makes them: split at blanks, and around = and : (COMP_WORDBREAKS).
    const bashWords = (line: string) =>
      line.split(/\s+/).flatMap((w) => w.split(/([=:]+)/).filter((piece, _, pieces) => piece !== '' || pieces.length === 1));
    program = `source ${posix(file)}
q() { COMP_LINE=$1; COMP_POINT=\${#1}; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _hexts; printf '%s\\n' "\${COMPREPLY[@]}"; echo ${SEPARATOR}; }
${list.map((q) => ['hexts', ...q.words, q.current].join(' ')).map((line) => `q ${posix(line)} ${bashWords(line).map(posix).join(' ')}`).join('\n')}`;
  } else if (shell === 'zsh') {
    // Outside a completion widget the completion builtins do nothing: stand-ins print what
    // _hexts offers, filtered by the typed PREFIX as zsh would (file names through a glob).
    program = `compdef() { : }
source ${posix(file)}
_describe() { print -rl -- \${(M)\${(@)\${(P)\${@[-1]}}%%:*}:#$PREFIX*}; }
compadd() { [[ $1 == -- ]] && shift; print -rl -- \${(M)@:#$PREFIX*}; }
compset() { [[ $1 == -P ]] && PREFIX=\${PREFIX#*=}; }
_files() { print -rl -- $PREFIX*(N); }
q() { words=("$@"); CURRENT=$#; PREFIX=$words[CURRENT]; _hexts; echo ${SEPARATOR}; }
${list.map((q) => `q hexts ${[...q.words, q.current].map(posix).join(' ')}`).join('\n')}`;
  } else {
    program = `source ${fishQuote(file)}
${list.map((q) => `complete -C ${fishQuote(['hexts', ...q.words, q.current].join(' '))}; echo ${SEPARATOR}`).join('\n')}`;
  }
  const args = shell === 'bash' ? ['--norc', '--noprofile', '-c', program] : shell === 'zsh' ? ['-f', '-c', program] : ['--no-config', '-c', program];
  const run = spawnSync(shell, args, { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: scratch } });
  assert.equal(run.status, 0, run.stderr);
  const answers = run.stdout.split(`${SEPARATOR}\n`).slice(0, list.length);
  assert.equal(answers.length, list.length, run.stdout);
  // fish prints "word<TAB>description" and may add a trailing / to directories.
  return answers.map((a) => a.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]!));
}

const sorted = (words: string[]) => [...new Set(words)].sort();

for (const shell of SHELLS) {
  test(`${shell}: the shell's completion gives, for every command, exactly what commander accepts`, { skip: missing(shell) }, () => {
    const list = queries(shell);
    const answers = complete(shell, list);
    list.forEach((q, i) => {
      assert.deepEqual(sorted(answers[i]!), sorted(q.expected), `${shell}: hexts ${[...q.words, q.current].join(' ')}`);
    });
  });

  test(`${shell}: the script parses`, { skip: missing(shell) }, () => {
    const check = shell === 'bash' ? ['-n'] : shell === 'zsh' ? ['-n'] : ['--no-execute'];
    const run = spawnSync(shell, [...check, join(scratch, `hexts.${shell}`)], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });
}

describe('pressing Tab in an interactive shell (tmux)', { skip: !has('tmux') && 'tmux is not installed' }, () => {
  const socket = () => join(scratch, 'tmux.sock');
  const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket(), ...args], { encoding: 'utf8' });
  after(() => tmux('kill-server'));

  /** The last non-empty line of the pane, once it matches `expected` or after 1 min (a hang watchdog, not a speed target). */
  async function screenLine(session: string, expected: RegExp): Promise<string> {
    let line = '';
    for (let waited = 0; waited < 60_000; waited += 50) {
      line = tmux('capture-pane', '-p', '-t', session).stdout.split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
      if (expected.test(line)) break;
      await sleep(50);
    }
    return line;
  }

  // tmux drops trailing spaces, so the space a shell adds after a unique match does not show.
  const CASES: Array<[string, RegExp]> = [
    ['hexts ow', /hexts owner$/],
    ['hexts owner tr', /hexts owner transfer$/],
    ['hexts org key acme g', /hexts org key acme generate$/],
    ['hexts owner add my_pkg alice --level=m', /--level=maintainer$/],
    ['hexts retire my_pkg 1.0.0 sec', /hexts retire my_pkg 1\.0\.0 security$/],
    ['hexts --api-url https://hex.example/api comp', /hexts --api-url https:\/\/hex\.example\/api completion$/],
    ['hexts user auth --key-f', /hexts user auth --key-file$/],
  ];

  /** Each shell started bare, then loading the script the way the README says. */
  const SETUPS: Array<{ name: string; shell: Shell; command: string; load: () => string }> = [
    { name: 'bash, sourced', shell: 'bash', command: 'bash --norc --noprofile', load: () => `source ${posix(join(scratch, 'hexts.bash'))}` },
    { name: 'zsh, sourced after compinit', shell: 'zsh', command: 'zsh -f', load: () => `autoload -Uz compinit && compinit -u -D && source ${posix(join(scratch, 'hexts.zsh'))}` },
    { name: 'zsh, as _hexts in $fpath', shell: 'zsh', command: 'zsh -f', load: () => `fpath=(${posix(join(scratch, 'zfunc'))} $fpath) && autoload -Uz compinit && compinit -u -D` },
    { name: 'fish, sourced', shell: 'fish', command: 'fish --no-config', load: () => `source ${posix(join(scratch, 'hexts.fish'))}` },
  ];

  for (const [index, { name, shell, command, load }] of SETUPS.entries()) {
    test(name, { skip: missing(shell) }, async () => {
      const session = `s${index}`;
      const home = join(scratch, `home-${session}`);
      mkdirSync(home, { recursive: true });
      const env = `env -i PATH=${posix(process.env.PATH ?? '')} HOME=${posix(home)} XDG_CONFIG_HOME=${posix(home)} XDG_DATA_HOME=${posix(home)} TERM=xterm PS1='$ '`;
      assert.equal(tmux('new-session', '-d', '-x', '220', '-y', '40', '-s', session, `${env} ${command}`).status, 0);
      await screenLine(session, /[$>#]$/);
      tmux('send-keys', '-t', session, `${load()}; clear`, 'Enter');
      await sleep(300);
      for (const [typed, expected] of CASES) {
        tmux('send-keys', '-t', session, '-l', typed);
        tmux('send-keys', '-t', session, 'Tab');
        const line = await screenLine(session, expected);
        assert.match(line, expected, `${name}: ${typed}<Tab>`);
        tmux('send-keys', '-t', session, 'C-u');
      }
      // A file name after --key-file.
      tmux('send-keys', '-t', session, '-l', `hexts user auth --key-file ${scratch}/keys/o`);
      tmux('send-keys', '-t', session, 'Tab');
      assert.match(await screenLine(session, /only\.key/), /keys\/only\.key/);
      tmux('kill-session', '-t', session);
    });
  }
});
