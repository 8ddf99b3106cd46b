import type { Invocation } from '../../cli.js';
import { describeSource, SETTINGS, writeConfigValue } from '../../config/config.js';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';

// Like `mix hex.config`: no arguments lists every setting with its source, KEY prints the
// value, KEY VALUE sets it, KEY --delete removes it. None of these settings is a secret;
// credentials live in the keychain (see `hexts user auth`).
export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const [key, value] = args;
  const config = await ctx.config();

  if (opts.delete) {
    if (!key || value !== undefined) throw new UsageError('--delete takes exactly one KEY');
    await writeConfigValue(config, key, undefined);
    ctx.out.info(`Removed ${key} from ${config.path}`);
    return;
  }
  if (key && value !== undefined) {
    await writeConfigValue(config, key, value);
    ctx.out.info(`Set ${key} in ${config.path}`);
    const override = config.envOverride(key);
    if (override) ctx.out.warn(`${override} is set and takes precedence: the value set here takes effect only once ${override} is unset.`);
    return;
  }
  if (key) {
    const resolved = config.resolve(key);
    if (ctx.globals.json) ctx.out.json({ key, value: shown(resolved.value), source: resolved.source });
    else if (resolved.value !== undefined) ctx.out.print(shown(resolved.value)!);
    return;
  }

  const all = config.all();
  if (ctx.globals.json) {
    ctx.out.json(all.map((r) => ({ key: r.key, value: shown(r.value), source: r.source })));
    return;
  }
  for (const resolved of all) {
    const description = SETTINGS.find((s) => s.key === resolved.key)!.description;
    ctx.out.print(`${resolved.key}: ${shown(resolved.value) ?? '(not set)'} ${resolved.value === undefined ? '' : describeSource(resolved.source)}`.trimEnd());
    ctx.log(`  ${description}`);
  }
}

/**
 * A value as it may be shown: a URL's user information (a proxy password, a token given as
 * the user name) is replaced by `***`, as every other secret is kept off the screen.
 */
function shown(value: string | undefined): string | null {
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (url.username === '' && url.password === '') return value;
  url.username = '***';
  url.password = '';
  return url.href;
}
