import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const NO_ACTIVATION_CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

/**
 * kind: 'empty' — a bus on which no Secret Service exists or can be activated;
 *       'locked' — a bus where gnome-keyring is activated on demand but never unlocked;
 *       'unlocked' — a bus with a running, unlocked gnome-keyring (its process in `keyring`).
 */
export async function startPrivateBus(kind: 'empty' | 'locked' | 'unlocked'): Promise<PrivateBus> {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-bus-'));
  const runtime = join(dir, 'runtime');
  const data = join(dir, 'data');
  spawnSync('mkdir', ['-m', '700', '-p', runtime, data]);
  const args = ['--print-address', '--nofork'];
  if (kind === 'empty') {
    writeFileSync(join(dir, 'bus.conf'), NO_ACTIVATION_CONFIG);
    args.push(`--config-file=${join(dir, 'bus.conf')}`);
  } else {
    args.push('--session');
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
    keyring = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets', '--foreground'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    // stdin must carry a line: an empty stdin neither creates nor unlocks the login keyring.
    keyring.stdin!.end('\n');
    // Wait until the daemon owns the Secret Service name.
    for (let i = 0; i < 100; i++) {
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
