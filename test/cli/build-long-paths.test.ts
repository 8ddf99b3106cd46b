// `hexts build` on paths erl_tar bends (test/fixtures/erl-tar/long_paths, built by the real
// `mix hex.build`, Hex 2.5.1 on OTP 25): a file under a 156-byte directory, which tar readers
// unpack one byte shorter, and a non-ASCII name whose PAX record length erl_tar writes one
// byte short. The tarball must be mix's, byte for byte, and hexts must say what unpacking
// will do to those paths.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

process.umask(0o022);

const FIXTURE = new URL('../fixtures/erl-tar/long_paths/', import.meta.url).pathname;
const TARBALL = 'long_paths-0.1.0.tar';
const expected = (file: string) => readFileSync(join(FIXTURE, 'expected', file));
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

const LONG_DIR = `priv/${'a'.repeat(74)}/${'b'.repeat(76)}`;
const SHORT_PAX = `priv/${'c'.repeat(83)}éé`;
const SHORTENED_WARNING =
  `${LONG_DIR}/n.txt will be unpacked as ${LONG_DIR.slice(0, -1)}/n.txt: tar readers, Hex's included, take 155 bytes of its ` +
  "156-byte directory (erl_tar, which mix uses, writes the last byte outside the header field). Any other directory length keeps the path.";
const PAX_LENGTH_WARNING =
  `${SHORT_PAX}: erl_tar, which mix uses, writes the length of its PAX path record one byte short; Hex unpacks it, ` +
  "but GNU tar, Python's tarfile and node-tar misread or skip it. A shorter name avoids this.";

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

// mix's tarball holds each file's full st_mode: 0644 as mix saw them, whatever the checkout's umask.
function freshCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-long-paths-'));
  scratch.push(dir);
  cpSync(join(FIXTURE, 'project'), dir, { recursive: true });
  for (const path of files(dir)) chmodSync(join(dir, path), 0o644);
  return dir;
}

function files(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const path = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, path)).isDirectory() ? files(dir, path) : [path];
  });
}

describe('hexts build on names erl_tar bends', () => {
  test("writes mix's tarball byte for byte and warns about both names", async () => {
    const root = freshCopy();
    const result = await runCli(['build'], { cwd: root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, expected('hex.build.stdout').toString('utf8'));
    const tarball = readFileSync(join(root, TARBALL));
    assert.equal(sha256(tarball), '5ece59a1cb9111ce842d58f92a85afb2d31749f14147328c3555efcbcad939ce');
    assert.ok(tarball.equals(expected(TARBALL)));
    assert.equal(result.stderr, `${SHORTENED_WARNING}\n${PAX_LENGTH_WARNING}\n`);
  });

  test('--unpack lays the files out where mix hex.build --unpack put them: the 156-byte directory one byte shorter', async () => {
    const root = freshCopy();
    const result = await runCli(['build', '--unpack', '-o', 'tree'], { cwd: root });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `${SHORTENED_WARNING}\n${PAX_LENGTH_WARNING}\n`);
    const mixFiles = expected('hex.build--unpack.files').toString('utf8').trim().split('\n');
    assert.deepEqual(files(join(root, 'tree')).sort(), mixFiles.sort());
    assert.ok(existsSync(join(root, 'tree', LONG_DIR.slice(0, -1), 'n.txt')));
  });

  test('publish warns too, before the confirmation screen', async () => {
    const root = freshCopy();
    const result = await runCli(['publish', 'package', '--dry-run'], { cwd: root });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.startsWith(`${SHORTENED_WARNING}\n${PAX_LENGTH_WARNING}\n`), result.stderr);
  });
});
