import { buildProgram, type Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { VERSION } from '../../version.js';
import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import { completionTables } from './model.js';
import { zshScript } from './zsh.js';

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript };

// `hexts completion bash|zsh|fish`: the script, made from the whole command tree (every
// command's options and arguments declared) so it covers exactly what this hexts accepts.
export async function run(ctx: Context, { args }: Invocation): Promise<void> {
  const program = await buildProgram({ streams: ctx.streams, env: ctx.env, cwd: ctx.cwd });
  const script = SCRIPTS[args[0] as keyof typeof SCRIPTS];
  ctx.streams.stdout.write(script(completionTables(program), VERSION));
}
