// mix's hex.config for a hex.pm key (`organization auth --mix` with the default registry):
// hexpm:ORG gets the key and nothing else, as mix writes it, since mix sends it to its hexpm
// repository, repo.hex.pm. When mix's hexpm repository is another host, nothing is written.
// The same against a registry other than hex.pm: test/cli/package-private.test.ts.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeMixOrganizationKey, type MixRegistry } from '../../src/credentials/mix-config.js';
import { ErlMap, Tuple, binary, isAtom, type Term } from '../../src/erlang/term.js';
import { parseTerms } from '../../src/erlang/text.js';
import { scratchHome } from '../helpers/cli.js';

const HEXPM: MixRegistry = { repoUrl: 'https://repo.hex.pm', apiUrl: 'https://hex.pm/api', hexpm: true, exchange: true, sendCredentials: true };
const KEY = '0123456789abcdef0123456789abcdef';

const homes: Array<() => void> = [];
after(() => homes.forEach((cleanup) => cleanup()));
function configPath(): string {
  const h = scratchHome();
  homes.push(h.cleanup);
  return join(h.home, 'hex.config');
}

const fixture = (name: string) => readFileSync(new URL(`../fixtures/erlang/hex-config/${name}`, import.meta.url));
const value = (terms: Term[], name: string) => (terms.find((t) => t instanceof Tuple && isAtom(t.elements[0]) && t.elements[0].name === name) as Tuple | undefined)?.elements[1];
const repo = (terms: Term[], name: string) => (value(terms, '$repos') as ErlMap).get(binary(name));
/** A map's entries in order, atoms as names and binaries as text. */
const entries = (map: Term | undefined) => (map as ErlMap).entries.map((pair) => pair.map((t) => (isAtom(t) ? t.name : Buffer.from(t as Uint8Array).toString())));

test('a hex.pm key in a new hex.config: the organization\'s entry, and hexpm\'s URL as mix 2.5.1 writes it with every repository change', async () => {
  const path = configPath();
  await writeMixOrganizationKey(path, 'acme', KEY, 'organization', HEXPM);
  assert.equal(readFileSync(path, 'latin1'), `{'$repos',#{<<"hexpm">> => #{url => <<"https://repo.hex.pm">>},\n            <<"hexpm:acme">> =>\n                #{auth_key => <<"${KEY}">>,\n                  auth_key_owner => organization}}}.\n`);
});

test('a hex.pm key where mix 2.5.1 keeps a login and an older key: hexpm:acme gets the key and its owner only, the rest stays', async () => {
  const path = configPath();
  const before = fixture('hex-2.5.1_07-org-auth-acme-key.hex.config');
  writeFileSync(path, before);
  await writeMixOrganizationKey(path, 'acme', KEY, 'user', HEXPM);
  const old = parseTerms(before);
  const now = parseTerms(readFileSync(path));
  assert.deepEqual(value(now, '$oauth_token'), value(old, '$oauth_token'));
  assert.deepEqual(repo(now, 'hexpm'), repo(old, 'hexpm'));
  assert.deepEqual(entries(repo(now, 'hexpm:acme')), [['auth_key', KEY], ['auth_key_owner', 'user']]);
});

test('a hex.pm key is not written when mix\'s hexpm repository is another host', async () => {
  const path = configPath();
  const before = `{'$repos',#{<<"hexpm">> => #{url => <<"https://hex.example.com/repo/">>}}}.\n`;
  writeFileSync(path, before);
  await assert.rejects(writeMixOrganizationKey(path, 'acme', KEY, 'organization', HEXPM), (err: Error & { hint?: string }) => {
    assert.equal(err.message, 'mix would send this key to https://hex.example.com/repo, not to https://repo.hex.pm: it fetches hexpm:acme from its hexpm repository');
    assert.equal(err.hint, `Point mix back at hex.pm with \`mix hex.repo set hexpm --url https://repo.hex.pm\`, then try again. Nothing was written to ${path}.`);
    return true;
  });
  assert.equal(readFileSync(path, 'utf8'), before);
});
