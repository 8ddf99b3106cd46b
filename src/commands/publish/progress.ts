import type { Context } from '../../context.js';

const STEPS = 25;

/** mix's upload bar, `\r[#########                ] 36%`, on stderr and only on a terminal. */
export function progressBar(ctx: Context, wanted: boolean): { update: (sent: number, total: number) => void; done: () => void } {
  const stderr = ctx.streams.stderr;
  const show = wanted && stderr.isTTY === true;
  let lastPercent = -1;
  return {
    update: (sent, total) => {
      if (!show) return;
      const fraction = total > 0 ? sent / total : 1;
      const percent = Math.trunc(fraction * 100);
      if (percent === lastPercent) return;
      lastPercent = percent;
      const completed = Math.trunc(fraction * STEPS);
      stderr.write(`\r[${'#'.repeat(completed)}${' '.repeat(STEPS - completed)}] ${percent}%`);
    },
    done: () => {
      if (lastPercent >= 0) stderr.write('\n');
      lastPercent = -1;
    },
  };
}
