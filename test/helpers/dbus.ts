import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// Private D-Bus session buses: each test file's own (session-keyring.ts), and those of the
// keychain fault tests, so that freezing or leaving out the Secret Service never disturbs the
// session the rest of the file runs in.

export interface PrivateBus {
  /** Environment for a child process that should use this bus. */
  env: Record<string, string>;
  keyring?: ChildProcess;
  stop(): Promise<void>;
  /** Lets this process exit while the bus runs (then stopNow() from an 'exit' handler ends it). */
  unref(): void;
  /** Ends the bus without waiting, for an 'exit' handler, which cannot wait. */
  stopNow(): void;
}

/** A session bus that starts only the services of `serviceDir`. */
const busConfig = (serviceDir: string) => `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>${serviceDir}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

/**
 * gnome-keyring with the login keyring unlocked. Its stdin must carry a line (the empty
 * password): an empty stdin neither creates nor unlocks the keyring.
 */
export const UNLOCKED_KEYRING_ARGS = ['--unlock', '--components=secrets', '--foreground'];

/**
 * kind: 'empty' — a bus on which no Secret Service exists or can be activated;
 *       'locked' — a bus where gnome-keyring is activated on demand but never unlocked;
 *       'unlocked' — a bus with a running, unlocked gnome-keyring (its process in `keyring`);
 *                    should it die, the bus starts another, unlocked, on the same keyrings.
 */
export async function startPrivateBus(kind: 'empty' | 'locked' | 'unlocked'): Promise<PrivateBus> {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-bus-'));
  const runtime = join(dir, 'runtime');
  const data = join(dir, 'data');
  spawnSync('mkdir', ['-m', '700', '-p', runtime, data]);
  const args = ['--print-address', '--nofork'];
  if (kind === 'locked') {
    args.push('--session');
  } else {
    const services = join(dir, 'services');
    mkdirSync(services);
    if (kind === 'unlocked') {
      const exec = `/bin/sh -c 'echo | exec gnome-keyring-daemon ${UNLOCKED_KEYRING_ARGS.join(' ')}'`;
      writeFileSync(join(services, 'org.freedesktop.secrets.service'), `[D-BUS Service]\nName=org.freedesktop.secrets\nExec=${exec}\n`);
    }
    writeFileSync(join(dir, 'bus.conf'), busConfig(services));
    args.push(`--config-file=${join(dir, 'bus.conf')}`);
  }
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: data, HOME: dir };
  const daemon = spawn('dbus-daemon', args, { env: baseEnv, stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: daemon.stdout! });
  const address = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve(line.trim()));
    daemon.once('error', reject);
    daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited ${code}`)));
  });
  // The address is all it prints: let go of the pipe, which would otherwise keep this process alive.
  lines.close();
  daemon.stdout!.destroy();
  const env = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: address };
  let keyring: ChildProcess | undefined;
  if (kind === 'unlocked') {
    keyring = spawn('gnome-keyring-daemon', UNLOCKED_KEYRING_ARGS, { env, stdio: ['pipe', 'ignore', 'ignore'] });
    keyring.stdin!.end('\n');
    // Wait until the daemon owns the Secret Service name, however long a loaded machine takes
    // (should it exit instead, the bus starts another on the first call).
    while (keyring.exitCode === null && keyring.signalCode === null) {
      const probe = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], { env, encoding: 'utf8' });
      if (probe.stdout.includes('boolean true')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const running = () => [keyring, daemon].filter((child) => child && child.exitCode === null && child.signalCode === null) as ChildProcess[];
  return {
    env,
    keyring,
    unref() {
      for (const child of [keyring, daemon]) child?.unref();
    },
    stopNow() {
      for (const child of running()) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
    async stop() {
      for (const child of running()) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
