import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { atom, binary, tuple } from '../../src/erlang/term.js';
import { parseTerms } from '../../src/erlang/text.js';
import { globMatcher, scanForSecrets, SECRET_KINDS, secretScanIgnores, type ScanFile } from '../../src/package/secret-scan.js';
import { crc32 } from '../../src/util/crc32.js';

const FIXTURES = new URL('../fixtures/secrets/', import.meta.url).pathname;

/** A `hex_` key as hex.pm makes them: 16 bytes and their CRC-32 (fake: the bytes are a hash of a label). */
export function fakeHexKey(label: string): string {
  const bytes = createHash('sha256').update(label).digest().subarray(0, 16);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(bytes));
  return `hex_${bytes.toString('hex')}${crc.toString('hex')}`;
}

/** A JWT shaped as hex.pm's OAuth tokens (issuer hexpm), with a fake signature. */
function fakeHexpmToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part({ iss: 'hexpm', aud: 'hexpm:api', sub: 'user:fake', jti: 'FAKEjti0123', scope: 'api' })}.${'FAKEsig0123456789abcdefghijklmnopqrstuvwxyz'}`;
}

/** The fixture files under `dir`, their `%%` split markers removed and the generated secrets put in. */
function fixtureFiles(dir: string): ScanFile[] {
  const root = join(FIXTURES, dir);
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const full = join(e.parentPath, e.name);
      const text = readFileSync(full, 'utf8').replaceAll('%%', '').replace('{{hex_key}}', fakeHexKey('fixture')).replace('{{hex_oauth_token}}', fakeHexpmToken());
      return { path: relative(root, full), data: Buffer.from(text) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

const file = (path: string, text: string | Buffer): ScanFile => ({ path, data: Buffer.from(text) });

test('the corpus: every kind is found, in its file, on its line', () => {
  const files = fixtureFiles('caught');
  const { findings, scannedFiles, ignoredFiles } = scanForSecrets(files);
  assert.equal(scannedFiles, files.length);
  assert.deepEqual(ignoredFiles, []);
  assert.deepEqual(findings.map(({ path, line, kind }) => `${path}:${line} ${kind}`).sort(), [
    '.env.production:3 env-file',
    'config/aws.exs:4 aws-access-key-id',
    'config/aws_secret.exs:2 aws-secret-access-key',
    'config/azure.exs:4 azure-storage-key',
    'config/legacy.exs:2 hex-api-key',
    'config/prod.exs:5 high-entropy-assignment',
    'lib/billing.ex:2 stripe-live-key',
    'lib/ci.ex:2 github-token',
    'lib/github.ex:4 github-token',
    'lib/gitlab.ex:4 gitlab-token',
    'lib/hex_client.ex:3 hex-api-key',
    'lib/maps.ex:2 google-api-key',
    'lib/notify.ex:2 slack-webhook',
    'lib/slack.ex:2 slack-token',
    'priv/gcp.json:5 gcp-service-account',
    'priv/keys/deploy_ed25519:1 private-key',
    'priv/keys/server.key:1 private-key',
    'priv/oauth.json:2 hex-oauth-token',
  ]);
  const kinds = new Set(findings.map((f) => f.kind));
  assert.deepEqual(Object.keys(SECRET_KINDS).filter((k) => !kinds.has(k as never)), [], 'kinds without a fixture');
});

test('a preview is at most the first 4 characters and a mask: the rest of the secret is in no field', () => {
  const files = fixtureFiles('caught');
  for (const finding of scanForSecrets(files).findings) {
    assert.match(finding.preview, /^[^*]{0,4}\*{8}$/, JSON.stringify(finding));
    const shown = finding.preview.replace(/\*+$/, '');
    // A private key's secret is its body, which starts on the line after the BEGIN line.
    const lines = files.find((f) => f.path === finding.path)!.data.toString().split('\n').slice(finding.line - 1, finding.line + 1);
    assert.ok(lines.join('\n').includes(shown), `${finding.path}: the preview ${finding.preview} is not from its place`);
    // Nothing of the line beyond those characters: at most 4 of them appear in the finding.
    assert.ok(JSON.stringify(finding).length - JSON.stringify({ ...finding, preview: '' }).length <= 4 + 8);
  }
  const github = scanForSecrets([file('a.ex', 'token = "ghp_FAKE0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0u"')]).findings;
  assert.deepEqual(github, [{ path: 'a.ex', line: 1, kind: 'github-token', preview: 'ghp_********' }]);
  // A short secret shows a third of itself at most.
  const short = scanForSecrets([file('.env', 'DB_PASSWORD=hunter2')]).findings;
  assert.deepEqual(short.map((f) => f.preview), ['hu********']);
});

test('shapes that are not secrets: lock-file checksums, certificates, public keys, UUIDs, placeholders, documentation, templates', () => {
  const { findings, scannedFiles } = scanForSecrets(fixtureFiles('clean'));
  assert.ok(scannedFiles >= 7);
  assert.deepEqual(findings, []);
});

test('the same credential twice in a file is found once, at its first line; in two files, in both', () => {
  const token = 'glpat-FAKE7xQ2mW9zR4vT1pL8n';
  const { findings } = scanForSecrets([file('a.ex', `x\n"${token}"\n"${token}"\n`), file('b.ex', `"${token}"\n`)]);
  assert.deepEqual(findings.map((f) => `${f.path}:${f.line}`), ['a.ex:2', 'b.ex:1']);
});

test('binary files: only private-key blocks are looked for', () => {
  const binaryWith = (text: string) => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), Buffer.from(text)]);
  const body = '\nMIIEpAIBAAKCAQEAFAKEFAKEFAKE0123456789abcdefghijklmnopqrstuvwxyzABCD\n';
  const { findings } = scanForSecrets([
    file('priv/tool.bin', binaryWith('ghp_FAKE0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0u password = "Vq7Zx1Lm9Wp3Rv5Tn8Yb2Kc4Hd6"')),
    file('priv/keystore.bin', binaryWith(`-----BEGIN ${'PRIVATE KEY'}-----${body}`)),
  ]);
  assert.deepEqual(findings.map((f) => `${f.path} ${f.kind}`), ['priv/keystore.bin private-key']);
});

test('a key block cut short with a line of dots (documentation, as in a real package\'s moduledoc) is not a finding; a whole one is', () => {
  const begin = `-----BEGIN RSA ${'PRIVATE KEY'}-----`;
  const body = ['MIIEogIBAAKCAQEArq74P2ButEMolub0tHfxdWSLcaGi7Da7IJX7jOZFdcSjvXjt', '4A5j0wlIuJqz+OZmV+WSOlJdFXQugTaMd6hMLG8SE6AvEM+L91E='];
  const doc = (middle: string) =>
    ['  @moduledoc """', '  API_PRIVATE_KEY=<< EOF', `  ${begin}`, `  ${body[0]}`, middle, `  ${body[1]}`, '  -----END RSA PRIVATE KEY-----', '  EOF', '  """', ''].join('\n');
  assert.deepEqual(scanForSecrets([file('lib/dotenv.ex', doc('  ...')), file('lib/other.ex', doc('…'))]).findings, []);
  const whole = scanForSecrets([file('lib/dotenv.ex', doc(`  ${body[0]}`))]).findings;
  assert.deepEqual(whole.map((f) => `${f.path}:${f.line} ${f.kind}`), ['lib/dotenv.ex:3 private-key']);
});

test('a BEGIN line without a key body (documentation mentioning the header) is not a finding', () => {
  const { findings } = scanForSecrets([file('README.md', 'Paste the block starting with `-----BEGIN RSA PRIVATE KEY-----` into the form.\n')]);
  assert.deepEqual(findings, []);
});

test('ignore globs: the whole path; * within a segment, ** across (zero or more), ? one character', () => {
  const cases: Array<[string, string, boolean]> = [
    ['test/fixtures/**', 'test/fixtures/a.pem', true],
    ['test/fixtures/**', 'test/fixtures/deep/er/a.pem', true],
    ['test/fixtures/**', 'test/fixtures', false],
    ['test/fixtures/**', 'lib/test/fixtures/a.pem', false],
    ['test/**', 'test/a', true],
    ['test/**', 'test/a/b/c', true],
    ['**/x.pem', 'x.pem', true],
    ['**/x.pem', 'a/b/x.pem', true],
    ['**/x.pem', 'a/bx.pem', false],
    ['priv/*.pem', 'priv/key.pem', true],
    ['priv/*.pem', 'priv/keys/key.pem', false],
    ['priv/**/*.pem', 'priv/key.pem', true],
    ['priv/**/*.pem', 'priv/a/b/key.pem', true],
    ['*.pem', 'priv/key.pem', false],
    ['key?.pem', 'key1.pem', true],
    ['key?.pem', 'key12.pem', false],
    ['a?b', 'a/b', false],
    ['lib/a.ex', 'lib/a.ex', true],
    ['lib/a.ex', 'lib/aaex', false],
    ['lib/(x)+[y].ex', 'lib/(x)+[y].ex', true],
  ];
  for (const [glob, path, expected] of cases) assert.equal(globMatcher([glob])(path), expected, `${glob} ~ ${path}`);
});

test('ignored files are not scanned, and hex_metadata.config never is', () => {
  const token = 'ghp_FAKE0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT0u';
  const result = scanForSecrets(
    [file('hex_metadata.config', `{<<"x">>,<<"${token}">>}.`), file('test/fixtures/t.txt', token), file('lib/a.ex', token)],
    { ignore: ['test/fixtures/**'] },
  );
  assert.deepEqual(result.ignoredFiles, ['hex_metadata.config', 'test/fixtures/t.txt']);
  assert.equal(result.scannedFiles, 1);
  assert.deepEqual(result.findings.map((f) => f.path), ['lib/a.ex']);
});

test('secretScanIgnores: from the prepared metadata and from a parsed metadata.config', () => {
  const prepared: Array<[string, never]> = [
    ['name', binary('x') as never],
    ['secret_scan', [tuple(atom('ignore'), [binary('test/fixtures/**'), binary('priv/*.pem')])] as never],
  ];
  assert.deepEqual(secretScanIgnores(prepared), ['test/fixtures/**', 'priv/*.pem']);
  const parsed = parseTerms('{<<"name">>,<<"x">>}.\n{<<"secret_scan">>,[{<<"ignore">>,[<<"test/**">>,42]}]}.\n').map((t) => (t as ReturnType<typeof tuple>).elements as [never, never]);
  assert.deepEqual(secretScanIgnores(parsed), ['test/**']);
  assert.deepEqual(secretScanIgnores([['secret_scan', binary('test/**') as never]]), []);
  assert.deepEqual(secretScanIgnores([]), []);
});

test('line numbers count every newline, CRLF files too', () => {
  const { findings } = scanForSecrets([file('a.ex', 'a\r\nb\r\n\r\nkey = "sk_live_FAKE51q7Zx1Lm9Wp3Rv5Tn8Yb2Kc4Hd"\r\n')]);
  assert.deepEqual(findings.map((f) => f.line), [4]);
});

test('assignments in the forms code and configuration use', () => {
  const value = 'Vq7Zx1Lm9Wp3Rv5Tn8Yb2Kc4';
  for (const line of [
    `password = "${value}"`, `password: "${value}"`, `"password": "${value}"`, `"password" => "${value}"`, `PASSWORD=${value}`,
    `export API_TOKEN=${value}`, `@api_secret "${value}"`, `config :app, auth_token: '${value}'`, `clientSecret: ${value}`,
  ]) {
    assert.deepEqual(scanForSecrets([file('a.exs', line)]).findings.map((f) => f.kind), ['high-entropy-assignment'], line);
  }
  for (const line of [
    `token_url = "${value}"`, `author: "${value}"`, `password = "short1A"`, `password = "${value.toLowerCase().replace(/[0-9]/g, '')}"`,
    `password == "${value}"`, `password: System.get_env("${value}")`, `password = "#{prefix}${value}"`, `key: "${value}"`,
  ]) {
    assert.deepEqual(scanForSecrets([file('a.exs', line)]).findings, [], line);
  }
});
