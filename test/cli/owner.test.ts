// `hexts owner …` end to end against the local registry: an OAuth user with 2FA, API keys of
// other users, a package-scoped key, an organization's private package, and the terminal
// confirmations of transfers and removals.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome, type CliResult, type RunOptions } from '../helpers/cli.js';
import { cliEnv, deviceLogin, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
const cleanups: Array<() => void> = [];
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const otp = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));

/** alice: logged in with the device flow (OAuth), 2FA on; she publishes every package here. */
let alice: Record<string, string | undefined>;
const hexts = (argv: string[], env = alice, options: RunOptions = {}): Promise<CliResult> => runCli(argv, { env, ...options });

function keyEnv(username: string, permissions: unknown = [{ domain: 'api', resource: null }]) {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  const key = registry.createKey({ user: username }, { name: `${username}-${Math.random().toString(36).slice(2, 8)}`, permissions });
  return cliEnv(registry, h.home, { HEX_API_KEY: key });
}

async function ownersOf(name: string, organization?: string): Promise<Array<{ username: string; level: string }>> {
  const result = await hexts(['--json', 'owner', 'list', name, ...(organization ? ['--organization', organization] : [])]);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as Array<{ username: string; level: string }>).map(({ username, level }) => ({ username, level }));
}

const BIN = new URL('../../bin/hexts.cjs', import.meta.url).pathname;
const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the built hexts on a real pseudo-terminal (util-linux `script`), typing each answer
 * once the output shows its prompt. Returns the exit code and everything the terminal showed.
 */
function onTerminal(argv: string[], env: Record<string, string | undefined>, answers: Array<[RegExp, string]>): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, BIN, ...argv].map(quote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = [...answers];
  let screen = '';
  let answeredUpTo = 0;
  child.stdout.on('data', (chunk) => {
    screen += chunk;
    const next = pending[0];
    if (next && next[0].test(screen.slice(answeredUpTo))) {
      pending.shift();
      answeredUpTo = screen.length;
      setTimeout(() => child.stdin.write(next[1]), 50);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 2 min (a hang); the terminal showed:\n${screen}`));
    }, 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code: code ?? 1, screen });
    });
  });
}

const writes = () => registry.requests().filter((r) => r.method !== 'GET' && r.path.includes('/owners/'));

before(async () => {
  registry = await testRegistry();
  for (const username of ['alice', 'bob', 'carol', 'dave', 'erin']) registry.createUser({ username, password: 'correct horse battery' });
  registry.setTotp('alice', TOTP_SECRET);
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  registry.addMember('acme', 'bob', 'write');
  registry.addMember('acme', 'erin', 'read');
  for (const name of ['alpha', 'beta', 'delta', 'omega', 'zeta']) await registry.publish(await makeTarball({ name, version: '1.0.0' }), { publisher: 'alice' });
  await registry.publish(await makeTarball({ name: 'gamma', version: '1.0.0' }), { publisher: 'alice', repository: 'acme' });

  const h = scratchHome();
  cleanups.push(h.cleanup);
  alice = cliEnv(registry, h.home);
  await deviceLogin(registry, alice, 'alice');
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

describe('owner add and list, with 2FA', () => {
  test('no code and no terminal: refused naming --otp and HEX_OTP, nothing changes', async () => {
    const result = await hexts(['owner', 'add', 'alpha', 'bob']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Adding owner bob with ownership level full to alpha/);
    assert.match(result.stderr, /error: Adding owner failed: this action needs a two-factor authentication \(OTP\) code/);
    assert.match(result.stderr, /Pass it with --otp CODE or set HEX_OTP\./);
    assert.deepEqual(await ownersOf('alpha'), [{ username: 'alice', level: 'full' }]);
  });

  test('a wrong code is rejected', async () => {
    const result = await hexts(['owner', 'add', 'alpha', 'bob', '--otp', '000000']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Adding owner failed: the two-factor authentication code from --otp was rejected/);
  });

  test('--otp: adds a maintainer with mix\'s line, and list shows the levels', async () => {
    const result = await hexts(['owner', 'add', 'alpha', 'bob', '--level', 'maintainer', '--otp', otp()]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'Adding owner bob with ownership level maintainer to alpha\n');
    assert.deepEqual(await ownersOf('alpha'), [{ username: 'alice', level: 'full' }, { username: 'bob', level: 'maintainer' }]);
  });

  test('HEX_OTP, and an owner named by email address', async () => {
    const result = await hexts(['owner', 'add', 'alpha', 'carol@example.com'], { ...alice, HEX_OTP: otp() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Adding owner carol@example\.com with ownership level full to alpha/);
    const list = await hexts(['owner', 'list', 'alpha']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(list.stdout.split('\n'), [
      'Username  Email              Level',
      'alice     alice@example.com  full',
      'bob       bob@example.com    maintainer',
      'carol     carol@example.com  full',
      '',
    ]);
  });

  test('--json list parses and carries username, email, level and url', async () => {
    const result = await hexts(['--json', 'owner', 'list', 'alpha']);
    const owners = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(owners.map((o) => Object.keys(o).sort()), owners.map(() => ['email', 'level', 'url', 'username']));
    assert.equal(owners[0]!.email, 'alice@example.com');
    assert.match(String(owners[0]!.url), /\/api\/users\/alice$/);
  });

  test('--level outside full|maintainer is a usage error before any request', async () => {
    registry.clearRequests();
    const result = await hexts(['owner', 'add', 'alpha', 'dave', '--level', 'admin']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Allowed choices are full, maintainer/);
    assert.deepEqual(registry.requests(), []);
  });

  test('anyone can list a public package\'s owners, even without credentials', async () => {
    const h = scratchHome();
    cleanups.push(h.cleanup);
    const result = await hexts(['owner', 'list', 'alpha'], cliEnv(registry, h.home));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^alice\s+alice@example\.com\s+full$/m);
  });
});

describe('refusals: the server\'s texts and what they mean', () => {
  test('an organization can only be made owner by a transfer (422, with the way out)', async () => {
    const result = await hexts(['owner', 'add', 'alpha', 'acme', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Adding owner failed\n/);
    assert.match(result.stderr, /\n {2}username: organization ownership can only be transferred, removing all existing owners\n/);
    assert.match(result.stderr, /use `hexts owner transfer alpha acme`/);
  });

  test('the last owner cannot be removed', async () => {
    const result = await hexts(['owner', 'remove', 'delta', 'alice', '--yes', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Removing owner alice from delta\nerror: Removing owner failed\n/);
    assert.match(result.stderr, /username: cannot remove last owner of package/);
    assert.match(result.stderr, /Add another full owner first/);
  });

  test('removing someone who is not an owner', async () => {
    const result = await hexts(['owner', 'remove', 'delta', 'dave', '--yes', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /username: user is not an owner of package/);
  });

  test('an unknown package or user is named as such', async () => {
    let result = await hexts(['owner', 'list', 'no_such_pkg']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Package owner fetching failed: no package named "no_such_pkg" on the registry/);
    result = await hexts(['owner', 'add', 'alpha', 'nobody_here', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Adding owner failed: no user or organization "nobody_here" on the registry/);
  });

  test('a maintainer and a stranger cannot manage owners (403)', async () => {
    for (const env of [keyEnv('bob'), keyEnv('dave')]) {
      const result = await hexts(['owner', 'add', 'alpha', 'erin'], env);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error: Adding owner failed: only full owners of alpha can manage its owners \(account not authorized for this action\)/);
      assert.match(result.stderr, /hexts owner list alpha/);
    }
    assert.deepEqual((await ownersOf('alpha')).map((o) => o.username), ['alice', 'bob', 'carol']);
  });

  test('without credentials: told to log in', async () => {
    const h = scratchHome();
    cleanups.push(h.cleanup);
    const result = await hexts(['owner', 'add', 'alpha', 'erin'], cliEnv(registry, h.home));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Adding owner failed: no authenticated user found\nRun `hexts user auth`/);
  });
});

describe('a package-scoped key (package:NAME)', () => {
  let scoped: Record<string, string | undefined>;

  test('generated by the owner with hexts, it manages the owners of its own package', async () => {
    const generated = await hexts(['user', 'key', 'generate', '--key-name', 'alpha-only', '--permission', 'package:alpha', '--otp', otp()]);
    assert.equal(generated.code, 0, generated.stderr);
    const h = scratchHome();
    cleanups.push(h.cleanup);
    scoped = cliEnv(registry, h.home, { HEX_API_KEY: generated.stdout.trim() });
    // An API key needs no 2FA code.
    const result = await hexts(['owner', 'add', 'alpha', 'dave', '--level', 'maintainer'], scoped);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await ownersOf('alpha')).some((o) => o.username === 'dave' && o.level === 'maintainer'));
  });

  test('and is refused for another package', async () => {
    const result = await hexts(['owner', 'add', 'omega', 'dave'], scoped);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Adding owner failed: the key is not allowed to do this for omega \(key not authorized for this action\)/);
    assert.match(result.stderr, /--permission package:omega/);
    assert.deepEqual(await ownersOf('omega'), [{ username: 'alice', level: 'full' }]);
  });
});

describe('remove and transfer ask first', () => {
  test('without a terminal and without --yes: refused before any request', async () => {
    registry.clearRequests();
    let result = await hexts(['owner', 'remove', 'alpha', 'carol', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: removing carol from the owners of alpha needs confirmation, and there is no terminal to ask on\nPass --yes/);
    result = await hexts(['owner', 'transfer', 'beta', 'acme', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'error: transferring beta to acme needs confirmation, and there is no terminal to ask on\nPass --yes to transfer it without asking (every current owner is removed).\n');
    assert.deepEqual(writes(), []);
  });

  test('on a terminal, answering no to a removal keeps the owner: "Aborted.", not an error', async () => {
    registry.clearRequests();
    const result = await hexts(['owner', 'remove', 'alpha', 'carol', '--otp', otp()], alice, { tty: true, answers: [[/Remove carol from the owners of alpha\?/, 'n\r']] });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Aborted\.\n$/);
    assert.doesNotMatch(result.stderr, /error/);
    assert.deepEqual(writes(), []);
  });

  test('on a terminal, yes removes the owner', async () => {
    const result = await hexts(['owner', 'remove', 'alpha', 'carol', '--otp', otp()], alice, { tty: true, answers: [[/Remove carol from the owners of alpha\?/, 'y\r']] });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Removing owner carol from alpha\n/);
    assert.ok(!(await ownersOf('alpha')).some((o) => o.username === 'carol'));
  });

  test('--yes removes without asking', async () => {
    const result = await hexts(['owner', 'remove', 'alpha', 'dave', '--yes', '--otp', otp()]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await ownersOf('alpha')).map((o) => o.username), ['alice', 'bob']);
  });

  test('a transfer asks for the package name; a different name cancels it', async () => {
    registry.clearRequests();
    const result = await hexts(['owner', 'transfer', 'beta', 'acme', '--otp', otp()], alice, { tty: true, answers: [[/Type the package name \(beta\) to confirm:/, 'bet\r']] });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Transferring ownership of beta removes all of its current owners and makes acme its only owner\./);
    assert.match(result.stderr, /error: not transferring ownership: "bet" is not the package name/);
    assert.deepEqual(writes(), []);
    assert.deepEqual(await ownersOf('beta'), [{ username: 'alice', level: 'full' }]);
  });

  test('typing the name transfers the package to an organization, removing every other owner', async () => {
    assert.equal((await hexts(['owner', 'add', 'beta', 'bob', '--otp', otp()])).code, 0);
    const result = await hexts(['owner', 'transfer', 'beta', 'acme', '--otp', otp()], alice, { tty: true, answers: [[/Type the package name \(beta\) to confirm:/, 'beta\r']] });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Transferring ownership to acme for beta\n/);
    assert.deepEqual(await ownersOf('beta'), [{ username: 'acme', level: 'full' }]);
  });

  test('--yes transfers without asking', async () => {
    const result = await hexts(['owner', 'transfer', 'omega', 'carol', '--yes', '--otp', otp()]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'Transferring ownership to carol for omega\n');
    assert.deepEqual(await ownersOf('omega'), [{ username: 'carol', level: 'full' }]);
  });
});

describe('a private package of an organization (--organization)', () => {
  test('only members can become owners (422)', async () => {
    const result = await hexts(['owner', 'add', 'gamma', 'dave', '--organization', 'acme', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /username: cannot add owner to private package when the user is not a member of the organization/);
    assert.match(result.stderr, /An admin of acme must add dave as a member first\./);
  });

  test('a member is added and listed (private packages start with no explicit owners)', async () => {
    assert.deepEqual(await ownersOf('gamma', 'acme'), []);
    const result = await hexts(['owner', 'add', 'gamma', 'bob', '--organization', 'acme', '--otp', otp()]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await ownersOf('gamma', 'acme'), [{ username: 'bob', level: 'full' }]);
  });

  test('a member whose role is too low is told which role it takes', async () => {
    const result = await hexts(['owner', 'add', 'gamma', 'erin', '--organization', 'acme'], keyEnv('erin'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Adding owner failed: this needs the admin role in organization "acme"; you have the read role/);
  });

  test('a stranger sees neither the package nor its owners', async () => {
    const result = await hexts(['owner', 'list', 'gamma', '--organization', 'acme'], keyEnv('dave'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Package owner fetching failed: no package named "gamma" in organization "acme", or you cannot see it/);
  });

  test('a bad organization name is a usage error', async () => {
    const result = await hexts(['owner', 'list', 'gamma', '--organization', 'Not An Org']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /invalid organization name "Not An Org"/);
  });
});

describe('owner packages', () => {
  test('lists what the user owns as mix does: NAME - URL, organization packages as ORG/NAME', async () => {
    let result = await hexts(['owner', 'packages']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, ['alpha', 'delta', 'zeta'].map((name) => `${name} - ${registry.url}/packages/${name}\n`).join(''));
    result = await hexts(['owner', 'packages'], keyEnv('bob'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `alpha - ${registry.url}/packages/alpha\nacme/gamma - ${registry.url}/packages/acme/gamma\n`);
  });

  test('--json parses', async () => {
    const result = await hexts(['--json', 'owner', 'packages'], keyEnv('carol'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [
      { name: 'omega', repository: 'hexpm', url: `${registry.apiUrl}/packages/omega`, html_url: `${registry.url}/packages/omega` },
    ]);
  });

  test('a user who owns nothing is told so on stderr; stdout stays empty', async () => {
    const result = await hexts(['owner', 'packages'], keyEnv('erin'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'erin owns no packages.\n');
  });

  test('an organization\'s key is refused with the reason', async () => {
    const h = scratchHome();
    cleanups.push(h.cleanup);
    const key = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'api', resource: null }] });
    const result = await hexts(['owner', 'packages', '--key', key], cliEnv(registry, h.home));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Listing owned packages failed: the credential in use belongs to an organization, not a user/);
  });
});

describe('confirmations on a real terminal (the built binary under `script`)', { skip: spawnSync('script', ['--version']).status !== 0 && 'util-linux script is not installed' }, () => {
  test('a transfer goes ahead once the package name is typed', async () => {
    const { code, screen } = await onTerminal(['owner', 'transfer', 'zeta', 'carol', '--otp', otp()], alice, [[/Type the package name \(zeta\) to confirm:/, 'zeta\r']]);
    assert.equal(code, 0, screen);
    assert.match(screen, /Transferring ownership of zeta removes all of its current owners and makes carol its only owner\./);
    assert.match(screen, /Transferring ownership to carol for zeta/);
    assert.deepEqual(await ownersOf('zeta'), [{ username: 'carol', level: 'full' }]);
  });

  test('a removal is asked as a yes/no question, no by default', async () => {
    assert.equal((await hexts(['owner', 'add', 'delta', 'erin', '--otp', otp()])).code, 0);
    let run = await onTerminal(['owner', 'remove', 'delta', 'erin', '--otp', otp()], alice, [[/Remove erin from the owners of delta\? \(y\/N\)/, '\r']]);
    assert.equal(run.code, 1, run.screen);
    assert.match(run.screen, /Aborted\.\r\n$/);
    assert.doesNotMatch(run.screen, /error/);
    assert.ok((await ownersOf('delta')).some((o) => o.username === 'erin'));
    run = await onTerminal(['owner', 'remove', 'delta', 'erin', '--otp', otp()], alice, [[/Remove erin from the owners of delta\?/, 'y\r']]);
    assert.equal(run.code, 0, run.screen);
    assert.deepEqual(await ownersOf('delta'), [{ username: 'alice', level: 'full' }]);
  });
});
