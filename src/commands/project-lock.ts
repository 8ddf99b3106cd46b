import type { Context } from '../context.js';
import { resolveAssumptions } from '../elixir/assumptions.js';
import { readProject, type Project } from '../project/deps.js';
import { readMixLock, type MixLock } from '../project/lock.js';

// What outdated and audit start from: mix.exs (read as build reads it, with the environment's
// toolchain answers) and the lock it names.

export async function loadLockedProject(ctx: Context): Promise<{ project: Project; lock: MixLock }> {
  const project = readProject(ctx.cwd, { env: ctx.env, assumptions: resolveAssumptions(ctx.env) });
  // What mix.exs printed while loading is shown as mix shows it, on stderr here: stdout is the report.
  for (const { text } of project.output) ctx.out.info(text.replace(/\n$/, ''));
  const lock = await readMixLock(project.lockfile);
  for (const warning of lock.warnings) ctx.out.warn(warning);
  return { project, lock };
}
