import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, scratchHome, spawnCli } from '../helpers/cli.js';

const GROUPS = ['user', 'organization', 'build', 'publish', 'package', 'info', 'owner', 'registry', 'retire', 'config', 'completion'];

test('--help lists every command group and exits 0', async () => {
  const result = await runCli(['--help']);
  assert.equal(result.code, 0);
  for (const group of GROUPS) assert.match(result.stdout, new RegExp(`^  ${group}\\b`, 'm'), group);
  assert.equal(result.stderr, '');
});

test('--version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const result = await runCli(['--version']);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), version);
});

test('usage errors exit 2 with a pointer to --help', async () => {
  for (const argv of [['nope'], ['config', '--nope'], ['config', 'a', 'b', 'c'], ['user'], ['org', 'key', 'acme', 'frob']]) {
    const result = await runCli(argv);
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.stderr, /--help|Usage:/, argv.join(' '));
  }
});

test('help asked for exits 0: `hexts help`, `hexts help COMMAND`; help for a command that does not exist exits 2', async () => {
  let result = await runCli(['help']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: hexts /);
  result = await runCli(['help', 'owner']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: hexts owner /);
  assert.equal((await runCli(['help', 'nope'])).code, 2);
});

test('--help describes the exit codes, declining a prompt and Ctrl-C included', async () => {
  const { stdout } = await runCli(['--help']);
  assert.ok(stdout.endsWith('\nExit codes: 0 done; 1 failed, or declined at a prompt ("Aborted."); 2 usage error (nothing\nwas sent); 130 interrupted (Ctrl-C).\n'), stdout);
});

test('the built binary runs and exits with the same codes', async () => {
  assert.equal((await spawnCli(['--help'])).code, 0);
  const bad = await spawnCli(['--bogus']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown option '--bogus'/);
});

test('config lists settings with their source: flag > env > file > default', async () => {
  const { home, hextsHome, cleanup } = scratchHome();
  try {
    const env = { HOME: home };
    let result = await runCli(['config'], { env });
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^api_url: https:\/\/hex\.pm\/api \(default\)$/m);

    result = await runCli(['config', 'api_url', 'https://file.example/api'], { env });
    assert.equal(result.code, 0, result.stderr);
    const file = join(hextsHome, 'config.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    result = await runCli(['config'], { env });
    assert.match(result.stdout, new RegExp(`^api_url: https://file\\.example/api \\(using ${file.replace(/[.]/g, '\\.')}\\)$`, 'm'));

    result = await runCli(['config'], { env: { ...env, HEX_API_URL: 'https://env.example/api' } });
    assert.match(result.stdout, /^api_url: https:\/\/env\.example\/api \(using HEX_API_URL\)$/m);

    result = await runCli(['config', '--api-url', 'https://flag.example/api'], { env: { ...env, HEX_API_URL: 'https://env.example/api' } });
    assert.match(result.stdout, /^api_url: https:\/\/flag\.example\/api \(using --api-url\)$/m);

    // A value the environment overrides is written, with a warning that it does not count yet.
    result = await runCli(['config', 'api_url', 'https://file2.example/api'], { env: { ...env, HEX_API: 'https://env.example/api' } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `Set api_url in ${file}\nHEX_API is set and takes precedence: the value set here takes effect only once HEX_API is unset.\n`);
    result = await runCli(['config', 'http_timeout', '30'], { env });
    assert.equal(result.stderr, `Set http_timeout in ${file}\n`);

    result = await runCli(['config', 'api_url', '--delete'], { env });
    assert.equal(result.code, 0);
    result = await runCli(['--json', 'config', 'api_url'], { env });
    assert.deepEqual(JSON.parse(result.stdout), { key: 'api_url', value: 'https://hex.pm/api', source: { kind: 'default' } });
  } finally {
    cleanup();
  }
});

test('config refuses unknown keys and bad values with exit 2, and a broken config file with exit 1', async () => {
  const { home, cleanup } = scratchHome();
  try {
    const env = { HOME: home };
    let result = await runCli(['config', 'bogus', 'x'], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown config key "bogus"/);
    result = await runCli(['config', 'http_timeout', 'soon'], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /http_timeout must be a positive number/);

    // Checked on set as on use: every command would refuse plain http to another host.
    result = await runCli(['config', 'api_url', 'http://10.0.0.1/api'], { env });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'error: api_url must be an https:// URL (plain http:// only to this machine: 127.0.0.1, ::1, localhost): "http://10.0.0.1/api"\n');
    result = await runCli(['config', 'api_url'], { env });
    assert.equal(result.stdout, 'https://hex.pm/api\n');
    result = await runCli(['config', 'api_url', 'http://127.0.0.1:4000/api'], { env });
    assert.equal(result.code, 0, result.stderr);

    result = await runCli(['config'], { env: { ...env, HEXTS_HOME: join(home, 'h') } });
    assert.equal(result.code, 0);
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(home, 'h'), { recursive: true });
    writeFileSync(join(home, 'h', 'config.json'), '{not json');
    result = await runCli(['config'], { env: { ...env, HEXTS_HOME: join(home, 'h') } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /config\.json is not valid JSON/);
  } finally {
    cleanup();
  }
});

test('NO_COLOR and --no-color turn colour off; FORCE_COLOR turns it on', async () => {
  const colored = await runCli(['config', 'bogus', 'x'], { env: { FORCE_COLOR: '1' } });
  assert.match(colored.stderr, /\u001b\[31m/);
  const noColor = await runCli(['config', 'bogus', 'x'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.doesNotMatch(noColor.stderr, /\u001b\[/);
  const flag = await runCli(['--no-color', 'config', 'bogus', 'x'], { env: { FORCE_COLOR: '1' } });
  assert.doesNotMatch(flag.stderr, /\u001b\[/);
  const tty = await runCli(['config', 'bogus', 'x'], { env: {}, tty: true });
  assert.match(tty.stderr, /\u001b\[31m/);
});
