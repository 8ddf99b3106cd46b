// Which registry hexts is talking to, and so where credentials may go and whether keys are
// exchanged for tokens, from the settings alone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { RepositoryKeys } from '../../src/repository/keys.js';
import { repositorySettings } from '../../src/repository/settings.js';
import { HEXPM_PUBLIC_KEY } from '../../src/repository/signing.js';

const home = mkdtempSync(join(tmpdir(), 'hexts-settings-'));
test.after(() => rmSync(home, { recursive: true, force: true }));

async function settings(env: Record<string, string>) {
  const s = repositorySettings(await loadConfig({ HEXTS_HOME: home, ...env }, {}));
  return { hexpm: s.hexpm, sendCredentials: s.sendCredentials, exchange: s.exchange };
}

test('credentials and the token exchange, by registry', async () => {
  const table: Array<[string, Record<string, string>, { hexpm: boolean; sendCredentials: boolean; exchange: boolean }]> = [
    ['hex.pm', {}, { hexpm: true, sendCredentials: true, exchange: true }],
    ['hex.pm, written with trailing slashes', { HEX_API_URL: 'https://hex.pm/api/', HEX_REPO_URL: 'https://repo.hex.pm/' }, { hexpm: true, sendCredentials: true, exchange: true }],
    ['hex.pm\'s API with a mirror: the mirror gets no credentials', { HEX_REPO_URL: 'https://hexpm.mirror.example' }, { hexpm: false, sendCredentials: false, exchange: false }],
    ['a self-hosted API with repo.hex.pm: hex.pm gets none of its credentials', { HEX_API_URL: 'https://hex.example.com/api' }, { hexpm: false, sendCredentials: false, exchange: false }],
    ['a self-hosted registry on one origin', { HEX_API_URL: 'https://hex.example.com/api', HEX_REPO_URL: 'https://hex.example.com/repo' }, { hexpm: false, sendCredentials: true, exchange: false }],
    ['… that supports the exchange', { HEX_API_URL: 'https://hex.example.com/api', HEX_REPO_URL: 'https://hex.example.com/repo', HEXTS_REPO_OAUTH_EXCHANGE: 'true' }, { hexpm: false, sendCredentials: true, exchange: true }],
    ['… on another port: another origin', { HEX_API_URL: 'https://hex.example.com/api', HEX_REPO_URL: 'https://hex.example.com:8443/repo' }, { hexpm: false, sendCredentials: false, exchange: false }],
    ['a repository host declared trusted', { HEX_API_URL: 'https://hex.example.com/api', HEX_REPO_URL: 'https://cdn.example.com', HEXTS_REPO_TRUSTED: 'true' }, { hexpm: false, sendCredentials: true, exchange: false }],
    ['hex.pm with credentials switched off, and no exchange', { HEXTS_REPO_TRUSTED: 'false', HEXTS_REPO_OAUTH_EXCHANGE: 'false' }, { hexpm: true, sendCredentials: false, exchange: false }],
  ];
  for (const [what, env, expected] of table) assert.deepEqual(await settings(env), expected, what);
  await assert.rejects(settings({ HEXTS_REPO_TRUSTED: 'yes' }), /repo_trusted must be true or false: "yes" \(using HEXTS_REPO_TRUSTED\)/);
});

test('the signing key: configured, hex.pm\'s own for repo.hex.pm, never downloaded for those', async () => {
  const download = async () => assert.fail('no download expected');
  const hexpm = await new RepositoryKeys(home, 'https://repo.hex.pm', undefined, download, () => {}).key();
  assert.equal(hexpm.source, 'hexpm');
  assert.equal(hexpm.pem, HEXPM_PUBLIC_KEY);
  const path = new URL('../fixtures/repository/test-public.pem', import.meta.url).pathname;
  const configured = await new RepositoryKeys(home, 'https://repo.hex.pm', path, download, () => {}).key();
  assert.equal(configured.source, 'configured');
  await assert.rejects(new RepositoryKeys(home, 'https://x.example', join(home, 'nope.pem'), download, () => {}).key(), /cannot read the repository public key .*nope\.pem \(repo_public_key\): ENOENT/);
  const garbage = new RepositoryKeys(home, 'https://x.example', undefined, async () => Buffer.from('<html>not a key</html>'), () => {});
  await assert.rejects(garbage.key(), /https:\/\/x\.example\/public_key does not hold a usable RSA public key/);
});
