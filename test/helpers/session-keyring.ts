// Loaded by test/run.mjs into every test file's process (node --import): each test file gets a
// D-Bus session bus of its own with an unlocked gnome-keyring, its "OS keychain" (deps.md §6).
// One daemon for the whole run proved fragile: gnome-keyring 42 aborts ("assertion 'client'
// failed" in OpenSession, SIGTRAP) when it handles a new client's first call before it has
// registered that client — a race that grows with the daemon's load, as @napi-rs/keyring opens
// a new connection for every call — and one abort failed every later test that used the keychain.
// Now a dead daemon is started again by the bus (dbus.ts) and the cut-off call asked again
// (src/credentials/keychain.ts); the early end is still reported.
import { startPrivateBus } from './dbus.js';

// The test runner loads this too; only the processes that run a test file (NODE_TEST_CONTEXT) need a bus.
if (process.env.NODE_TEST_CONTEXT) {
  const bus = await startPrivateBus('unlocked');
  for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'XDG_DATA_HOME']) process.env[name] = bus.env[name];
  // Only an early end can be reported: once this process is exiting, no child's exit event runs.
  bus.keyring!.once('exit', (code, signal) => {
    process.stderr.write(`# gnome-keyring-daemon of ${process.argv[1]} ended while its tests ran (${signal ?? `exit code ${code}`})\n`);
  });
  bus.unref();
  process.once('exit', () => bus.stopNow());
}
