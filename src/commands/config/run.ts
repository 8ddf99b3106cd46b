import type { Invocation } from '../../cli.js';
import { describeSource, displayValue, SETTINGS, writeConfigValue } from '../../config/config.js';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';

// Like `mix hex.config`: no arguments lists every setting with its source, KEY prints the
// value, KEY VALUE sets it, KEY --delete removes it. None of these settings is a secret;
// credentials live in the keychain (see `hexts user auth`).
export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const [key, value] = args;
  if ((opts.delete || value !== undefined) && ctx.globals.json) throw new UsageError('--json goes with listing or showing settings, not with changing them', 'Run it without --json.');
  const config = await ctx.config();

  if (opts.delete) {
    if (!key || value !== undefined) throw new UsageError('--delete takes exactly one KEY');
    const apiUrl = await writeConfigValue(config, key, undefined);
    ctx.out.info(`Removed ${key}${apiUrl ? ` for ${apiUrl}` : ''} from ${config.path}`);
    return;
  }
  if (key && value !== undefined) {
    const apiUrl = await writeConfigValue(config, key, value);
    ctx.out.info(`Set ${key}${apiUrl ? ` for ${apiUrl}` : ''} in ${config.path}`);
    const override = config.envOverride(key);
    if (override) ctx.out.warn(`${override} is set and takes precedence: the value set here takes effect only once ${override} is unset.`);
    return;
  }
  if (key) {
    const resolved = config.resolve(key);
    if (ctx.globals.json) ctx.out.json({ key, value: displayValue(key, resolved.value), source: resolved.source });
    else if (resolved.value !== undefined) ctx.out.print(displayValue(key, resolved.value));
    return;
  }

  const all = config.all();
  if (ctx.globals.json) {
    ctx.out.json(all.map((r) => ({ key: r.key, value: displayValue(r.key, r.value), source: r.source })));
    return;
  }
  for (const resolved of all) {
    const description = SETTINGS.find((s) => s.key === resolved.key)!.description;
    ctx.out.print(`${resolved.key}: ${displayValue(resolved.key, resolved.value) ?? '(not set)'} ${resolved.value === undefined ? '' : describeSource(resolved.source)}`.trimEnd());
    ctx.log(`  ${description}`);
  }
}
