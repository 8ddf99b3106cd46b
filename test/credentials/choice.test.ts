// The credential rule as a table: for each purpose and each set of credentials a machine can
// hold, which one a request carries, what else may do it, and what is known not to.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chooseCredential, describeHeld, grantPermits, permits, refusalAdvice, type HeldCredential, type Holdings, type Purpose } from '../../src/credentials/choice.js';

const given: HeldCredential = { kind: 'given', source: 'flag' };
const envKey: HeldCredential = { kind: 'given', source: 'env' };
const login: HeldCredential = { kind: 'login', type: 'oauth', store: 'keychain', username: 'admin' };
/** A login whose user unticked api:write on the consent page. */
const readLogin: HeldCredential = { ...login, scopes: ['api:read', 'repository:acme'] };
const writeLogin: HeldCredential = { ...login, scopes: ['api:read', 'api:write'] };
const readKey: HeldCredential = { kind: 'organization-key', organization: 'acme', store: 'keychain', permissions: [{ domain: 'repository', resource: 'acme' }] };
const writeKey: HeldCredential = {
  kind: 'organization-key', organization: 'acme', store: 'file',
  permissions: [{ domain: 'repository', resource: 'acme' }, { domain: 'api', resource: 'write' }],
};
const apiReadKey: HeldCredential = {
  kind: 'organization-key', organization: 'acme', store: 'keychain',
  permissions: [{ domain: 'repository', resource: 'acme' }, { domain: 'api', resource: 'read' }],
};
const unknownKey: HeldCredential = { kind: 'organization-key', organization: 'acme', store: 'keychain' };
const otherOrgKey: HeldCredential = { kind: 'organization-key', organization: 'beta', store: 'keychain', permissions: [{ domain: 'repositories', resource: null }] };

function holdings(...held: HeldCredential[]): Holdings {
  return {
    given: held.find((c): c is Extract<HeldCredential, { kind: 'given' }> => c.kind === 'given'),
    login: held.find((c): c is Extract<HeldCredential, { kind: 'login' }> => c.kind === 'login'),
    organizationKeys: held.filter((c): c is Extract<HeldCredential, { kind: 'organization-key' }> => c.kind === 'organization-key'),
  };
}

const repository: Purpose = { kind: 'repository', organization: 'acme' };
const apiRead: Purpose = { kind: 'api', access: 'read', organization: 'acme' };
const apiWrite: Purpose = { kind: 'api', access: 'write', organization: 'acme', action: 'publish' };
const publicWrite: Purpose = { kind: 'api', access: 'write', action: 'publish' };
const publicRead: Purpose = { kind: 'api', access: 'read' };
const account: Purpose = { kind: 'account', access: 'read' };
const accountWrite: Purpose = { kind: 'account', access: 'write', action: 'generate a key' };

const name = (c: HeldCredential | undefined) => (c === undefined ? 'none' : c.kind === 'organization-key' ? `key:${c.organization}` : c.kind);

// purpose, what is held, the credential used, the alternatives in order, what cannot.
const TABLE: Array<[string, Purpose, HeldCredential[], string, string[], string[]]> = [
  // The seed's flow: an admin with a login and the org's read key publishes with the login.
  ['publish to acme: login beats the stored read key', apiWrite, [login, readKey], 'login', [], ['key:acme']],
  ['publish to acme: --key beats the login', apiWrite, [given, login, readKey], 'given', ['login'], ['key:acme']],
  ['publish to acme, CI with a write key and no login', apiWrite, [writeKey], 'key:acme', [], []],
  ['publish to acme, CI with a read key and no login: none, and why', apiWrite, [readKey], 'none', [], ['key:acme']],
  ['publish to acme: an api:read key cannot write', apiWrite, [apiReadKey], 'none', [], ['key:acme']],
  ['publish to acme with a key of unknown permissions and no login: tried', apiWrite, [unknownKey], 'key:acme', [], []],
  ['publish to acme with a login and a write key: the login', apiWrite, [login, writeKey], 'login', [], []],
  ['read acme through the API, CI with an api:read key', apiRead, [apiReadKey], 'key:acme', [], []],
  ['read acme through the API with a repository-only key: none', apiRead, [readKey], 'none', [], ['key:acme']],
  ['a public write never uses an organization key', publicWrite, [writeKey], 'none', [], []],
  ['a public read goes with the login when there is one', publicRead, [login, writeKey], 'login', [], []],
  ['a public read with nothing held goes anonymous', publicRead, [], 'none', [], []],
  // The repository: the organization's key is its credential, before the login.
  ['acme\'s repository: the stored key beats the login', repository, [login, readKey], 'key:acme', ['login'], []],
  ['acme\'s repository: --key beats the stored key', repository, [envKey, readKey, login], 'given', ['key:acme', 'login'], []],
  ['acme\'s repository with only a login', repository, [login], 'login', [], []],
  ['acme\'s repository: another organization\'s key is not acme\'s', repository, [otherOrgKey], 'none', [], []],
  ['acme\'s repository: a key without repository:acme is not used', repository, [{ ...writeKey, permissions: [{ domain: 'api', resource: 'write' }] }, login], 'login', [], ['key:acme']],
  // The account is the user's own.
  ['account: the login', account, [login, writeKey], 'login', [], []],
  ['account: --key beats the login', account, [given, login], 'given', ['login'], []],
  ['account with only an organization key: none', account, [writeKey], 'none', [], []],
  // An OAuth login is used for what it was granted on the consent page.
  ['publish with a login granted without api:write: none, and why', publicWrite, [readLogin], 'none', [], ['login']],
  ['publish to acme with a read-only login and the org\'s write key: still the login\'s fix', apiWrite, [readLogin, writeKey], 'none', [], ['login']],
  ['publish with a read-only login and --key: the key', publicWrite, [given, readLogin], 'given', [], ['login']],
  ['publish with a login granted api:write', publicWrite, [writeLogin], 'login', [], []],
  ['a key generated with a read-only login: none', accountWrite, [readLogin], 'none', [], ['login']],
  ['reads with a read-only login: the login', publicRead, [readLogin], 'login', [], []],
  ['the account read with a read-only login: the login', account, [readLogin], 'login', [], []],
  ['acme\'s repository with a login granted no repositories: the registry decides', repository, [{ ...login, scopes: ['api:read'] }], 'login', [], []],
];

describe('chooseCredential', () => {
  for (const [title, purpose, held, use, alternatives, cannot] of TABLE) {
    test(title, () => {
      const choice = chooseCredential(purpose, holdings(...held));
      assert.equal(name(choice.use), use);
      assert.deepEqual(choice.alternatives.map(name), alternatives);
      assert.deepEqual(choice.cannot.map(name), cannot);
    });
  }
});

describe('permits', () => {
  test('api:write allows reads and writes; api:read only reads; api allows both', () => {
    assert.ok(permits([{ domain: 'api', resource: 'write' }], apiRead));
    assert.ok(permits([{ domain: 'api', resource: 'write' }], apiWrite));
    assert.ok(permits([{ domain: 'api', resource: 'read' }], apiRead));
    assert.ok(!permits([{ domain: 'api', resource: 'read' }], apiWrite));
    assert.ok(permits([{ domain: 'api', resource: null }], apiWrite));
  });
  test('repository:ORG and repositories read the repository; api does not', () => {
    assert.ok(permits([{ domain: 'repository', resource: 'acme' }], repository));
    assert.ok(!permits([{ domain: 'repository', resource: 'beta' }], repository));
    assert.ok(permits([{ domain: 'repositories', resource: null }], repository));
    assert.ok(!permits([{ domain: 'api', resource: null }], repository));
    assert.ok(!permits([{ domain: 'repository', resource: 'acme' }], apiRead));
  });
  test('unknown permissions get the benefit of the doubt', () => {
    assert.ok(permits(undefined, apiWrite));
    assert.ok(permits(undefined, repository));
  });
});

describe('grantPermits', () => {
  test('api and api:write write; api:read and package:NAME only read; unknown scopes are given the benefit of the doubt', () => {
    assert.ok(grantPermits(['api'], accountWrite));
    assert.ok(grantPermits(['api:write'], apiWrite));
    assert.ok(!grantPermits(['api:read'], apiWrite));
    assert.ok(!grantPermits(['api:read', 'repository:acme'], accountWrite));
    assert.ok(grantPermits(['package:hexpm/foo'], publicWrite));
    assert.ok(!grantPermits(['package:hexpm/foo'], accountWrite));
    assert.ok(grantPermits(['api:read'], publicRead));
    assert.ok(!grantPermits(['repository:acme'], publicRead));
    assert.ok(grantPermits(undefined, apiWrite));
  });
});

describe('refusalAdvice', () => {
  test('a login granted without api:write: log in again and keep it', () => {
    assert.deepEqual(refusalAdvice(accountWrite, chooseCredential(accountWrite, holdings(readLogin))), {
      message: 'your login as admin (OAuth token in the OS keychain) cannot generate a key: it was granted without api:write',
      hint: 'log in again with `hexts user auth` and keep "api:write" ticked on the consent page (it needs two-factor authentication on your account), or pass --key',
    });
  });
  test('nothing held can: name the stored key and how to get a credential', () => {
    const advice = refusalAdvice(apiWrite, chooseCredential(apiWrite, holdings(readKey)));
    assert.deepEqual(advice, {
      message: 'the key for acme stored in the OS keychain (repository:acme) cannot publish',
      hint: 'log in with `hexts user auth`, or pass --key',
    });
  });
  test('a refused --key while a login may: say to run without it', () => {
    const advice = refusalAdvice(apiWrite, chooseCredential(apiWrite, holdings(given, login)));
    assert.equal(advice?.message, 'the API key given with --key cannot publish');
    assert.equal(advice?.hint, 'your login as admin (OAuth token in the OS keychain) may: run without --key to use it');
  });
  test('a refused HEX_API_KEY: say to unset it', () => {
    assert.match(refusalAdvice(apiWrite, chooseCredential(apiWrite, holdings(envKey, login)))!.hint, /unset HEX_API_KEY to use it$/);
  });
  test('a refused stored key for the repository while a login may: name deauth', () => {
    assert.match(refusalAdvice(repository, chooseCredential(repository, holdings(readKey, login)))!.hint, /may: `hexts organization deauth acme` forgets the key$/);
  });
  test('a refused login with nothing else: nothing to add', () => {
    assert.equal(refusalAdvice(apiWrite, chooseCredential(apiWrite, holdings(login))), undefined);
  });
  test('descriptions never hold a secret, only where the credential is', () => {
    assert.equal(describeHeld(given), 'the API key given with --key');
    assert.equal(describeHeld(writeKey), 'the key for acme stored in the plain-text credentials file (repository:acme, api:write)');
  });
});
