import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { UNLOCKED_KEYRING_ARGS, type PrivateBus } from '../helpers/dbus.js';

// A private bus's gnome-keyring put in the states a user's can be in: its login collection
// locked (unlocking would need a prompt, and there is none), and — to look at what a locked
// keyring still holds — restarted, which unlocks it again.

const dbusSend = (env: Record<string, string>, ...args: string[]) =>
  spawnSync('dbus-send', ['--session', '--print-reply', ...args], { env, encoding: 'utf8', timeout: 60_000 }); // a hang watchdog

export function lockLoginCollection(bus: PrivateBus): void {
  const run = dbusSend(bus.env, '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets',
    'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login');
  if (run.status !== 0) throw new Error(`could not lock the login collection: ${run.stderr}`);
  const locked = dbusSend(bus.env, '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets/collection/login',
    'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Collection', 'string:Locked');
  if (!locked.stdout.includes('boolean true')) throw new Error(`the login collection is not locked: ${locked.stdout}${locked.stderr}`);
}

/** Replaces the bus's keyring daemon by a fresh, unlocked one on the same data; stop the one returned. */
export async function restartKeyring(bus: PrivateBus): Promise<ChildProcess> {
  const old = bus.keyring!;
  if (old.exitCode === null && old.signalCode === null) {
    // SIGTERM: the daemon exits with a code, which PrivateBus.stop() takes for "already gone".
    const exited = new Promise((resolve) => old.once('exit', resolve));
    old.kill('SIGTERM');
    await exited;
  }
  const keyring = spawn('gnome-keyring-daemon', UNLOCKED_KEYRING_ARGS, { env: bus.env, stdio: ['pipe', 'ignore', 'ignore'] });
  keyring.stdin!.end('\n');
  // Until it owns the name, however long a loaded machine takes; its exit ends the wait.
  while (keyring.exitCode === null && keyring.signalCode === null) {
    const owner = dbusSend(bus.env, '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets');
    if (owner.stdout.includes('boolean true')) return keyring;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the restarted keyring exited before it took the Secret Service name');
}
