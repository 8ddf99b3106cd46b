// Prompts on a real terminal (issue 13), the built binary in tmux: an answered prompt ends
// its line; declining (no, Ctrl-D) prints `Aborted.` and exits 1 without an `error:`; Ctrl-C
// exits 130 without one, at a prompt and while a command runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { scratchHome } from '../helpers/cli.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { hasTmux, Terminal } from '../helpers/terminal.js';
import { makeTarball } from '../../registry/tarballs.js';

let registry: Registry;
const cleanups: Array<() => void> = [];

/** A private HOME, and alice's key unless `withKey` is false. */
function env(withKey = true): Record<string, string | undefined> {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  const key = withKey ? registry.createKey({ user: 'alice' }, { name: `k${Math.random().toString(36).slice(2, 8)}` }) : undefined;
  return cliEnv(registry, h.home, { HEX_API_KEY: key });
}

function terminal(argv: string[], environment: Record<string, string | undefined>): Terminal {
  const t = Terminal.start(argv, environment);
  cleanups.push(() => t.close());
  return t;
}

before(async () => {
  registry = await testRegistry();
  for (const username of ['alice', 'bob']) registry.createUser({ username, password: 'correct horse battery' });
  await registry.publish(await makeTarball({ name: 'alpha', version: '1.0.0' }), { publisher: 'alice' });
});
after(async () => {
  cleanups.forEach((c) => c());
  await registry.stop();
});

describe('prompts in a terminal (tmux)', { skip: !hasTmux() && 'tmux is not installed' }, () => {
  test('an answered prompt ends its line: what the command prints next starts a line of its own', async () => {
    const t = terminal(['user', 'register'], env(false));
    await t.waitFor(/Username:/);
    t.type('carol');
    t.press('Enter');
    await t.waitFor(/Email:/);
    t.type('carol@example.com');
    t.press('Enter');
    await t.waitFor(/Account password:/);
    t.type('a long password');
    t.press('Enter');
    await t.waitFor(/Account password \(confirm\):/);
    t.type('a long password');
    t.press('Enter');
    const { shellStatus, screen } = await t.ended();
    assert.equal(shellStatus, 0, screen);
    assert.match(screen, /^✔ Account password \(confirm\): \*{15}\nRegistering\.\.\.\nYou are required to confirm your email/m);
  });

  test('no at a yes/no question: "Aborted.", exit 1, no error, nothing done', async () => {
    registry.clearRequests();
    const t = terminal(['owner', 'remove', 'alpha', 'bob'], env());
    await t.waitFor(/Remove bob from the owners of alpha\? \(y\/N\)/);
    t.type('n');
    t.press('Enter');
    const { shellStatus, screen } = await t.ended();
    assert.equal(shellStatus, 1, screen);
    assert.match(screen, /^✔ Remove bob from the owners of alpha\? No\nAborted\.$/m);
    assert.doesNotMatch(screen, /error/);
    assert.deepEqual(registry.requests(), []);
  });

  test('Ctrl-D at a prompt declines it: "Aborted.", exit 1, no error', async () => {
    const t = terminal(['user', 'register'], env(false));
    await t.waitFor(/Username:/);
    t.type('dave');
    t.press('Enter');
    await t.waitFor(/Email:/);
    t.press('C-d');
    const { shellStatus, screen } = await t.ended();
    assert.equal(shellStatus, 1, screen);
    assert.match(screen, /Email:\s*\nAborted\.$/);
    assert.doesNotMatch(screen, /error/);
  });

  test('Ctrl-C at a prompt: exit 130, no error', async () => {
    const t = terminal(['user', 'register', '--username', 'erin'], env(false));
    await t.waitFor(/Email:/);
    t.press('C-c');
    const { shellStatus, screen } = await t.ended();
    assert.equal(shellStatus, 130, screen);
    assert.match(screen, /\? Email:$/);
    assert.doesNotMatch(screen, /error|Aborted/);
  });

  // The timeout is a hang watchdog (for the wait on the registry's log), not a speed target.
  test('Ctrl-C while a command waits for the registry: exit 130 (SIGINT), no error', { timeout: 120_000 }, async () => {
    // An answer held back for an hour: only Ctrl-C ends the command.
    registry.addFault({ type: 'delay', path: '/api/packages/alpha', delay_ms: 3_600_000 });
    const t = terminal(['info', 'alpha'], env());
    while (!registry.requests().some((r) => r.path.startsWith('/api/packages/alpha'))) await new Promise((r) => setTimeout(r, 50));
    t.press('C-c');
    const { shellStatus, screen } = await t.ended();
    registry.clearFaults();
    assert.equal(shellStatus, 130, screen);
    assert.doesNotMatch(screen, /error|at .*\.js/);
  });

  test('user key revoke --all asks first, no by default; yes revokes them', async () => {
    const environment = env();
    registry.clearRequests();
    let t = terminal(['user', 'key', 'revoke', '--all'], environment);
    await t.waitFor(/Revoke every key of your account\? Whatever uses them loses access\. \(y\/N\)/);
    t.press('Enter');
    let ended = await t.ended();
    assert.equal(ended.shellStatus, 1, ended.screen);
    assert.match(ended.screen, /^✔ Revoke every key of your account\? Whatever uses them loses access\. No\nAborted\.$/m);
    assert.deepEqual(registry.requests(), []);

    t = terminal(['user', 'key', 'revoke', '--all'], environment);
    await t.waitFor(/Revoke every key of your account\?/);
    t.type('y');
    t.press('Enter');
    ended = await t.ended();
    assert.equal(ended.shellStatus, 0, ended.screen);
    assert.match(ended.screen, /^✔ Revoke every key of your account\? Whatever uses them loses access\. Yes\nRevoking all keys\.\.\.\nAll keys revoked\.$/m);
    assert.deepEqual(registry.requests().map((r) => `${r.method} ${r.path}`), ['DELETE /api/keys']);
  });
});
