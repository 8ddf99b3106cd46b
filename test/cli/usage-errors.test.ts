// Usage errors, everywhere (issue 13): every leaf command of the commander tree, given an
// unknown option, too few arguments, a value outside its choices, a bad --api-url, or a value
// its own code refuses, exits 2 with one `error:` line (and at most a hint after it) before
// the registry sees a single request. The leaves are read from the tree itself, so a new
// command is covered without a new line here; the values that only a command's code checks
// are listed below, and the list must name commands of the tree.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';

interface Leaf {
  path: string[];
  command: Command;
}

async function leaves(): Promise<Leaf[]> {
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const program = await buildProgram({ streams: { stdin: process.stdin, stdout: sink, stderr: sink } as never, env: {}, cwd: process.cwd() });
  const found: Leaf[] = [];
  const visit = (command: Command, path: string[]) => {
    if (command.commands.length === 0) found.push({ path, command });
    for (const sub of command.commands) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return found;
}

/** Values for a command's required arguments that commander takes: the first choice, or a plain name. */
const fillers = (command: Command): string[] =>
  command.registeredArguments.filter((a) => a.required).map((a) => a.argChoices?.[0] ?? 'alpha');

/** Values the commands' own code refuses (commander cannot know them). */
const REFUSED_BY_THE_COMMAND: Array<{ argv: string[]; error: RegExp; project?: boolean }> = [
  { argv: ['config', 'api_url', 'ftp://hex.example/api'], error: /^error: api_url must be an https:\/\/ URL/ },
  { argv: ['config', 'api_url', 'http://10.0.0.1/api'], error: /^error: api_url must be an https:\/\/ URL \(plain http:\/\/ only to this machine/ },
  { argv: ['config', 'repo_url', 'http://repo.example'], error: /^error: repo_url must be an https:\/\/ URL/ },
  { argv: ['user', 'register', '--username', 'zed', '--password-stdin'], error: /^error: without a terminal to ask on, user register needs --email$/m },
  { argv: ['user', 'register'], error: /^error: without a terminal to ask on, user register needs --username, --email, --password-stdin$/m },
  { argv: ['user', 'key', 'generate', '--permission', 'apix'], error: /^error: invalid permission "apix"/ },
  { argv: ['user', 'key', 'generate', '--expires', 'soon'], error: /^error: invalid --expires "soon"/ },
  { argv: ['user', 'key', 'revoke'], error: /^error: give the NAME of the key to revoke, or --all/ },
  { argv: ['organization', 'key', 'Acme', 'list'], error: /^error: invalid organization name "Acme"/ },
  { argv: ['publish', '--revert', 'banana'], error: /^error: invalid version "banana" for --revert/, project: true },
  { argv: ['publish', 'docs', '--revert', '1.0'], error: /^error: invalid version "1\.0" for --revert/, project: true },
  { argv: ['info', 'alpha', 'banana'], error: /^error: invalid version "banana"/ },
  { argv: ['retire', 'alpha', 'banana', 'renamed', '--message', 'use beta'], error: /^error: invalid version "banana"/ },
  { argv: ['retire', 'alpha', '1.0.0', 'renamed'], error: /^error: Missing required flag --message/ },
  { argv: ['package', 'fetch', 'alpha@'], error: /^error: "alpha@": nothing after @/ },
];

/** Questions with no terminal to ask them on: refused (exit 1) with the flag that answers them, also before any request. */
const NEED_A_TERMINAL: Array<{ argv: string[]; error: RegExp }> = [
  { argv: ['user', 'key', 'revoke', '--all'], error: /^error: revoking every key of your account needs confirmation, and there is no terminal to ask on$/ },
  { argv: ['organization', 'key', 'acme', 'revoke', '--all'], error: /^error: revoking every key of organization acme needs confirmation, and there is no terminal to ask on$/ },
  { argv: ['owner', 'remove', 'alpha', 'bob'], error: /^error: removing bob from the owners of alpha needs confirmation/ },
  { argv: ['owner', 'transfer', 'alpha', 'bob'], error: /^error: transferring alpha to bob needs confirmation/ },
];

let registry: Registry;
let env: Record<string, string | undefined>;
let tree: Leaf[];
const cleanups: Array<() => void> = [];

before(async () => {
  tree = await leaves();
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.createUser({ username: 'bob', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  await registry.publish(await makeTarball({ name: 'alpha', version: '1.0.0' }), { publisher: 'alice' });
  const h = scratchHome();
  cleanups.push(h.cleanup);
  // A key that may do everything: a command that got past its checks would reach the registry.
  env = cliEnv(registry, h.home, { HEX_API_KEY: registry.createKey({ user: 'alice' }, { name: 'all' }) });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

/** Runs `argv` and checks: exit `code` (2), one `error:` line with at most a hint after it, nothing on stdout, no request. */
async function expectRefused(argv: string[], error: RegExp, { code = 2, cwd }: { code?: number; cwd?: string } = {}): Promise<void> {
  registry.clearRequests();
  const result = await runCli(argv, { env, cwd });
  const what = `hexts ${argv.join(' ')}`;
  assert.equal(result.code, code, `${what}\n${result.stderr}`);
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  const at = lines.findIndex((l) => l.startsWith('error:'));
  assert.match(lines[at] ?? '', error, `${what}\n${result.stderr}`);
  assert.equal(lines.filter((l) => l.startsWith('error:')).length, 1, `${what}\n${result.stderr}`);
  assert.ok(lines.length - at <= 2, `${what}: more than an error and a hint\n${result.stderr}`);
  assert.equal(result.stdout, '', what);
  assert.deepEqual(registry.requests().map((r) => `${r.method} ${r.path}`), [], `${what} sent requests`);
}

test('the tree has the leaves this file relies on', () => {
  const paths = tree.map((l) => l.path.join(' '));
  assert.ok(paths.length >= 20, paths.join(', '));
  for (const { argv } of [...REFUSED_BY_THE_COMMAND, ...NEED_A_TERMINAL]) {
    assert.ok(paths.some((p) => argv.join(' ').startsWith(p)), `no leaf for ${argv.join(' ')}`);
  }
});

test('every leaf: an unknown option', async () => {
  for (const { path, command } of tree) {
    await expectRefused([...path, ...fillers(command), '--no-such-option'], /^error: unknown option '--no-such-option'$/);
  }
});

test('every leaf with required arguments: none given', async () => {
  for (const { path, command } of tree) {
    const first = command.registeredArguments.find((a) => a.required);
    if (first) await expectRefused(path, new RegExp(`^error: missing required argument '${first.name()}'$`));
  }
});

test('every leaf: a value outside an argument\'s or an option\'s choices', async () => {
  let checked = 0;
  for (const { path, command } of tree) {
    for (const [index, argument] of command.registeredArguments.entries()) {
      if (!argument.argChoices) continue;
      checked++;
      const before = command.registeredArguments.slice(0, index).map((a) => a.argChoices?.[0] ?? 'alpha');
      await expectRefused([...path, ...before, 'bogus'], new RegExp(`^error: command-argument value 'bogus' is invalid for argument '${argument.name()}'\\. Allowed choices are`));
    }
    for (const option of command.options) {
      if (!option.argChoices) continue;
      checked++;
      await expectRefused([...path, ...fillers(command), option.long!, 'bogus'], new RegExp(`^error: option '${option.flags}' argument 'bogus' is invalid\\. Allowed choices are`));
    }
  }
  assert.ok(checked >= 4, `only ${checked} choices found`);
});

test('every leaf: --api-url that is not https (or http to this machine)', async () => {
  for (const { path, command } of tree) {
    for (const bad of ['ftp://hex.example/api', 'http://10.0.0.1/api', 'not a url']) {
      await expectRefused(['--api-url', bad, ...path, ...fillers(command)], new RegExp(`^error: option '--api-url <url>' argument '${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' is invalid\\. It must be`));
    }
  }
});

test('values the commands themselves refuse', async () => {
  const project = makeProject({ app: 'alpha', version: '1.1.0' });
  cleanups.push(project.cleanup);
  for (const { argv, error, project: inProject } of REFUSED_BY_THE_COMMAND) {
    await expectRefused(argv, error, { cwd: inProject ? project.dir : undefined });
  }
});

test('questions without a terminal: refused with exit 1 and the flag to pass, before any request', async () => {
  for (const { argv, error } of NEED_A_TERMINAL) await expectRefused(argv, error, { code: 1 });
});
