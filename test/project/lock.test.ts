import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseMixLock, readMixLock } from '../../src/project/lock.js';

// mix.lock in every shape Hex has written (Hex.Utils.lock reads them by position), read
// without evaluating anything.

const LOCK = `%{
  "cowboy": {:hex, :cowboy, "2.12.0", "f276d521a1ff88b2b9b4c54d0e753da6c66dd7be6c9fca3d9418b561828a3731", [:make, :rebar3], [{:cowlib, "2.13.0", [hex: :cowlib, repo: "hexpm", optional: false]}, {:ranch, "1.8.0", [hex: :ranch, repo: "hexpm", optional: false]}], "hexpm", "8a7abe6d183372ceb21caa2709bec928ab2b72e18a3911aa1771639bef82651e"},
  "billing": {:hex, :billing_core, "0.3.1", "aa", [:mix], [{:jason, "~> 1.2", [hex: :jason, repo: "hexpm", optional: true]}, {:ledger, ">= 0.1.0", [hex: :ledger, repo: "hexpm:acme", optional: false]}], "hexpm:acme", "bb"},
  "credo": {:git, "https://github.com/rrrene/credo.git", "05497acb557f334a9149c593d590a65f733ba462", [branch: "master"]},
  "old6": {:hex, :old6, "1.0.0", "cc", [:mix], [{:poison, "~> 2.0", [hex: :poison, optional: true]}]},
  "old7": {:hex, :old7, "1.1.0", "dd", [:mix], [], "hexpm"},
  "old4": {:hex, :old4, "0.5.0", "ee"},
  "old3": {:hex, :old3, "0.1.0"},
  "local": {:path, "../local", []},
  "future": {:hex, :future, "2.0.0", "ff", [:mix], [], "hexpm", "00", :something_new},
}
`;

test('every Hex lock shape, with requirements, repositories and lines', () => {
  const lock = parseMixLock(LOCK);
  assert.deepEqual(lock.entries.map((e) => [e.app, e.scm, e.line]), [
    ['billing', 'hex', 3], ['cowboy', 'hex', 2], ['credo', 'git', 4], ['future', 'hex', 10], ['local', 'path', 9],
    ['old3', 'hex', 8], ['old4', 'hex', 7], ['old6', 'hex', 5], ['old7', 'hex', 6],
  ]);
  const hex = Object.fromEntries(lock.entries.flatMap((e) => (e.hex ? [[e.app, e.hex]] : [])));
  assert.deepEqual(hex.billing, {
    package: 'billing_core', version: '0.3.1', innerChecksum: 'aa', outerChecksum: 'bb', managers: ['mix'], repo: 'hexpm:acme',
    requirements: [
      { app: 'jason', requirement: '~> 1.2', package: 'jason', repo: 'hexpm', optional: true },
      { app: 'ledger', requirement: '>= 0.1.0', package: 'ledger', repo: 'hexpm:acme', optional: false },
    ],
  });
  assert.equal(hex.cowboy.requirements?.length, 2);
  assert.deepEqual(hex.cowboy.managers, ['make', 'rebar3']);
  // Older shapes: no repo (hexpm), no outer checksum, no requirements at all.
  assert.deepEqual(hex.old6, { package: 'old6', version: '1.0.0', innerChecksum: 'cc', outerChecksum: undefined, managers: ['mix'], repo: 'hexpm', requirements: [{ app: 'poison', requirement: '~> 2.0', package: 'poison', repo: 'hexpm', optional: true }] });
  assert.equal(hex.old7.repo, 'hexpm');
  assert.deepEqual(hex.old4, { package: 'old4', version: '0.5.0', innerChecksum: 'ee', outerChecksum: undefined, managers: [], repo: 'hexpm', requirements: null });
  assert.deepEqual(hex.old3, { package: 'old3', version: '0.1.0', innerChecksum: undefined, outerChecksum: undefined, managers: [], repo: 'hexpm', requirements: null });
  // A tuple of a newer Hex: its first eight fields, and a warning.
  assert.equal(hex.future.outerChecksum, '00');
  assert.deepEqual(lock.warnings, ['mix.lock:10: future was locked by a newer version of Hex than hexts knows; its first eight fields are read']);
});

test('an empty or missing lock is an empty lock, as mix reads it', async () => {
  assert.deepEqual(parseMixLock(''), { entries: [], warnings: [] });
  assert.deepEqual(parseMixLock('%{}\n'), { entries: [], warnings: [] });
  const dir = mkdtempSync(join(tmpdir(), 'hexts-lock-'));
  try {
    assert.deepEqual(await readMixLock(join(dir, 'mix.lock')), { entries: [], warnings: [] });
    writeFileSync(join(dir, 'mix.lock'), LOCK);
    assert.equal((await readMixLock(join(dir, 'mix.lock'))).entries.length, 9);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('code in a lock file is refused, never run', () => {
  assert.throws(() => parseMixLock('%{"a": {:hex, :a, File.read!("/etc/passwd")}}'), /: mix\.lock:1:24: hexts cannot evaluate a remote call in mix\.lock, which must hold data only/);
  assert.throws(() => parseMixLock('%{"a": {:hex, :a, "#{System.get_env("HOME")}"}}'), /hexts cannot evaluate `<<>>` in mix\.lock/);
  assert.throws(() => parseMixLock('%{"a": {:hex, :a, v}}'), /hexts cannot evaluate the variable v in mix\.lock/);
  assert.throws(() => parseMixLock('%{"a": {:hex, :a, ~s(1.0.0)}}'), /hexts cannot evaluate `sigil_s`/);
});

test('a damaged lock says where and what to do', () => {
  assert.throws(() => parseMixLock('%{\n<<<<<<< HEAD\n  "a": {:hex, :a, "1.0.0"},\n=======\n>>>>>>> other\n}'), /Your mix\.lock contains merge conflicts/);
  assert.throws(() => parseMixLock('%{"a": {:hex, :a, "1.0.0"'), /: mix\.lock:1:26: missing terminator: \}/);
  assert.throws(() => parseMixLock('[1, 2]'), /mix\.lock is not a lock file/);
  assert.throws(() => parseMixLock('%{"a": {:hex, :a, 1}}'), /mix\.lock:1: a's version is 1, not a string/);
  assert.throws(() => parseMixLock('%{"a": {:hex, :a, "1.0.0", "x", [], [:b]}}'), /a has a dependency :b, not \{app, requirement, options\}/);
  assert.throws(() => parseMixLock('%{"a": "1.0.0"}'), /the entry of a is not a tuple that names its SCM/);
});
