// `hexts retire` end to end against the local registry: local checks that cost no request,
// 2FA for an OAuth user, a package-scoped key, an organization's private package.
import { fixedAuthorization } from '../../src/api/client.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clientFor, cliEnv, deviceLogin, testRegistry, type Registry } from '../helpers/registry.js';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { makeTarball } from '../../registry/tarballs.js';
import type { Release } from '../../src/api/types.js';

let registry: Registry;
const cleanups: Array<() => void> = [];
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const otp = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));

/** alice: logged in with the device flow (OAuth), 2FA on; she publishes every package here. */
let alice: Record<string, string | undefined>;
const hexts = (argv: string[], env = alice): Promise<CliResult> => runCli(argv, { env });

function keyEnv(username: string, permissions: unknown = [{ domain: 'api', resource: null }]) {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  const key = registry.createKey({ user: username }, { name: `${username}-${Math.random().toString(36).slice(2, 8)}`, permissions });
  return cliEnv(registry, h.home, { HEX_API_KEY: key });
}

/** The release's retirement as the registry serves it. */
async function retirement(name: string, version: string, organization?: string): Promise<Release['retirement']> {
  const client = clientFor(registry, { auth: fixedAuthorization(registry.createKey({ user: 'alice' }, { name: `read-${Math.random()}` }), 'a test key') });
  try {
    const prefix = organization ? `/repos/${organization}` : '';
    return (await client.get<Release>(`${prefix}/packages/${name}/releases/${version}`)).body.retirement;
  } finally {
    await client.close();
  }
}

before(async () => {
  registry = await testRegistry();
  for (const username of ['alice', 'bob', 'erin']) registry.createUser({ username, password: 'correct horse battery' });
  registry.setTotp('alice', TOTP_SECRET);
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  registry.addMember('acme', 'erin', 'read');
  for (const name of ['alpha', 'omega']) {
    for (const version of ['1.0.0', '1.1.0']) await registry.publish(await makeTarball({ name, version }), { publisher: 'alice' });
  }
  await registry.publish(await makeTarball({ name: 'gamma', version: '0.3.0' }), { publisher: 'alice', repository: 'acme' });

  const h = scratchHome();
  cleanups.push(h.cleanup);
  alice = cliEnv(registry, h.home);
  await deviceLogin(registry, alice, 'alice');
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

describe('checked before any request (exit 2)', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown reason', ['alpha', '1.0.0', 'obsolete', '--message', 'use beta'], /argument 'reason'\. Allowed choices are renamed, deprecated, security, invalid, other\./],
    ['no --message', ['alpha', '1.0.0', 'security'], /error: Missing required flag --message/],
    ['a message of 2 characters', ['alpha', '1.0.0', 'other', '--message', 'no'], /--message must be 3 to 140 characters long; it has 2/],
    ['a message of 141 characters', ['alpha', '1.0.0', 'other', '--message', 'x'.repeat(141)], /--message must be 3 to 140 characters long; it has 141/],
    // Two letters with combining accents: 4 code points, but 2 characters as hex.pm counts them.
    ['a message counted in graphemes', ['alpha', '1.0.0', 'other', '--message', 'e\u0301e\u0301'], /it has 2/],
    // Counting the characters of a huge message used to take the heap; the limit is named at once.
    ['a message of 1,000,000 characters', ['alpha', '1.0.0', 'other', '--message', 'x'.repeat(1_000_000)], /--message must be 3 to 140 characters long; it has more than 1400/],
    ['a message of 500,000 accented letters', ['alpha', '1.0.0', 'other', '--message', 'e\u0301'.repeat(500_000)], /it has more than 1400/],
    ['no reason and no --unretire', ['alpha', '1.0.0', '--message', 'use beta'], /give the REASON for retiring \(renamed, deprecated, security, invalid or other\), or --unretire/],
    ['--unretire with a reason', ['alpha', '1.0.0', 'security', '--unretire'], /--unretire takes no REASON/],
    ['--unretire with a message', ['alpha', '1.0.0', '--unretire', '--message', 'oops'], /--message goes with a REASON, not with --unretire/],
    ['no version', ['alpha'], /missing required argument 'version'/],
  ];
  for (const [name, args, expected] of cases) {
    test(name, async () => {
      registry.clearRequests();
      const result = await hexts(['retire', ...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, expected);
      assert.deepEqual(registry.requests(), []);
    });
  }
});

describe('retire and unretire with 2FA', () => {
  test('no code and no terminal: refused naming --otp and HEX_OTP; the release stays as it was', async () => {
    const result = await hexts(['retire', 'alpha', '1.0.0', 'security', '--message', 'CVE-2026-0001, use 1.1.0']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Retiring package failed: this action needs a two-factor authentication \(OTP\) code/);
    assert.match(result.stderr, /Pass it with --otp CODE or set HEX_OTP\./);
    assert.equal(await retirement('alpha', '1.0.0'), null);
  });

  test('--otp retires with the reason and message; mix\'s line on stderr, nothing on stdout', async () => {
    const result = await hexts(['retire', 'alpha', '1.0.0', 'security', '--message', 'CVE-2026-0001, use 1.1.0', '--otp', otp()]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'alpha 1.0.0 has been retired\n');
    assert.deepEqual(await retirement('alpha', '1.0.0'), { reason: 'security', message: 'CVE-2026-0001, use 1.1.0' });
    assert.equal(await retirement('alpha', '1.1.0'), null);
  });

  test('a message of exactly 140 characters is sent as it is', async () => {
    const message = 'r'.repeat(140);
    const result = await hexts(['retire', 'alpha', '1.1.0', 'other', '--message', message], { ...alice, HEX_OTP: otp() });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await retirement('alpha', '1.1.0'), { reason: 'other', message });
  });

  test('HEX_OTP unretires', async () => {
    const result = await hexts(['retire', 'alpha', '1.0.0', '--unretire'], { ...alice, HEX_OTP: otp() });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'alpha 1.0.0 has been unretired\n');
    assert.equal(await retirement('alpha', '1.0.0'), null);
  });

  test('a wrong code is rejected', async () => {
    const result = await hexts(['retire', 'alpha', '1.0.0', 'invalid', '--message', 'broken build', '--otp', '123456']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Retiring package failed: the two-factor authentication code from --otp was rejected/);
    assert.equal(await retirement('alpha', '1.0.0'), null);
  });
});

describe('refusals', () => {
  test('an unknown release names the releases there are', async () => {
    const result = await hexts(['retire', 'alpha', '9.9.9', 'other', '--message', 'never was', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Retiring package failed: alpha has no release 9\.9\.9\nIts releases: 1\.1\.0, 1\.0\.0\./);
  });

  test('an unknown package', async () => {
    const result = await hexts(['retire', 'no_such_pkg', '1.0.0', '--unretire', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Unretiring package failed: no package named "no_such_pkg" on the registry/);
  });

  test('someone who does not own the package (403)', async () => {
    const result = await hexts(['retire', 'alpha', '1.0.0', 'other', '--message', 'not mine'], keyEnv('bob'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Retiring package failed: only owners of alpha can do this \(account not authorized for this action\)/);
    assert.equal(await retirement('alpha', '1.0.0'), null);
  });
});

describe('a package-scoped key (package:NAME)', () => {
  test('retires and unretires releases of its own package, with no 2FA code', async () => {
    const env = keyEnv('alice', [{ domain: 'package', resource: 'omega' }]);
    let result = await hexts(['retire', 'omega', '1.0.0', 'renamed', '--message', 'now published as omega_ng'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await retirement('omega', '1.0.0'), { reason: 'renamed', message: 'now published as omega_ng' });
    result = await hexts(['retire', 'omega', '1.0.0', '--unretire'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await retirement('omega', '1.0.0'), null);
  });

  test('is refused for another package of the same owner', async () => {
    const env = keyEnv('alice', [{ domain: 'package', resource: 'omega' }]);
    const result = await hexts(['retire', 'alpha', '1.0.0', 'deprecated', '--message', 'use omega'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Retiring package failed: the key is not allowed to do this for alpha \(key not authorized for this action\)/);
    assert.match(result.stderr, /Use a key with api:write, or one made for this package \(--permission package:alpha\)/);
    assert.equal(await retirement('alpha', '1.0.0'), null);
  });
});

describe('a private package of an organization (--organization)', () => {
  test('a member with the write role retires it', async () => {
    const result = await hexts(['retire', 'gamma', '0.3.0', 'invalid', '--message', 'does not compile', '--organization', 'acme', '--otp', otp()]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'gamma 0.3.0 has been retired\n');
    assert.deepEqual(await retirement('gamma', '0.3.0', 'acme'), { reason: 'invalid', message: 'does not compile' });
  });

  test('a member with the read role is told which role it takes', async () => {
    const result = await hexts(['retire', 'gamma', '0.3.0', '--unretire', '--organization', 'acme'], keyEnv('erin'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Unretiring package failed: this needs the write role in organization "acme"; you have the read role/);
    assert.notEqual(await retirement('gamma', '0.3.0', 'acme'), null);
  });

  test('without --organization the private package is not found in hexpm', async () => {
    const result = await hexts(['retire', 'gamma', '0.3.0', '--unretire', '--otp', otp()]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no package named "gamma" on the registry\nCheck the name; private packages need --organization ORG\./);
  });
});
