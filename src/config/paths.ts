import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../io/output.js';

// hexts keeps its config and state in one directory: HEXTS_HOME, else the platform's
// config directory (XDG on Linux).
export function hextsHome(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (env.HEXTS_HOME) return env.HEXTS_HOME;
  const home = env.HOME || env.USERPROFILE || homedir();
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'hexts');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'hexts');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'hexts');
}

export const configFile = (home: string): string => join(home, 'config.json');
