import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// The built hexts on a real terminal: a tmux pane, typed into with send-keys and read back
// with capture-pane, which shows what a person would see (lines as the terminal renders
// them, not the bytes written).

const BIN = new URL('../../bin/hexts.cjs', import.meta.url).pathname;

export const hasTmux = (): boolean => spawnSync('sh', ['-c', 'command -v tmux']).status === 0;

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** How hexts ended: its status as a shell's `$?` shows it (128 + N for a signal N), and the screen. */
export interface Ended {
  shellStatus: number;
  screen: string;
}

export class Terminal {
  private static count = 0;

  private constructor(
    private readonly dir: string,
    private readonly session: string,
  ) {}

  /** Starts `hexts argv…` in a fresh pane with exactly `env` (and TERM). */
  static start(argv: string[], env: Record<string, string | undefined>, cwd = process.cwd()): Terminal {
    const dir = mkdtempSync(join(tmpdir(), 'hexts-tmux-'));
    const terminal = new Terminal(dir, `t${++Terminal.count}`);
    const vars = Object.entries({ ...env, TERM: 'xterm' }).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${quote(v!)}`);
    const hexts = ['env', '-i', ...vars, process.execPath, BIN, ...argv.map(quote)].join(' ');
    // The shell around hexts shows its status as `$?` does, at the cursor, once hexts has
    // ended: so the screen is complete when it appears, and it lands after any line hexts left
    // unfinished. The shell then keeps the pane open (tmux's remain-on-exit would shift the
    // screen for its own notice); its own Ctrl-C is trapped so that only hexts gets SIGINT.
    const script = `trap : INT; ${hexts}; printf '[exit %s]' $?; exec sleep 600`;
    const started = terminal.tmux('new-session', '-d', '-x', '150', '-y', '40', '-s', terminal.session, '-c', cwd, 'sh', '-c', script);
    if (started.status !== 0) throw new Error(`tmux: ${started.stderr}`);
    return terminal;
  }

  private tmux(...args: string[]) {
    return spawnSync('tmux', ['-S', join(this.dir, 'socket'), '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** The screen's lines, trailing blank ones dropped. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.session).stdout.replace(/\s+$/, '');
  }

  /** Waits until the screen matches `pattern`; returns the screen. Gives up after 2 min: a hang watchdog, not a speed target. */
  async waitFor(pattern: RegExp): Promise<string> {
    for (let waited = 0; waited < 120_000; waited += 50) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      await sleep(50);
    }
    throw new Error(`the terminal never showed ${pattern}; it shows:\n${this.screen()}`);
  }

  /** Types `text` as it is. */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  /** Presses keys by tmux name: Enter, C-c, C-d… */
  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  /**
   * Waits for hexts to end. The screen comes without the status, unless hexts left its last
   * line unfinished: then `[exit N]` stays at the end of that line, where a shell prompt would be.
   */
  async ended(): Promise<Ended> {
    const screen = await this.waitFor(/\[exit \d+\]$/);
    const status = Number(/\[exit (\d+)\]$/.exec(screen)![1]);
    return { shellStatus: status, screen: screen.replace(/(^|\n)\[exit \d+\]$/, '') };
  }

  close(): void {
    this.tmux('kill-server');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
