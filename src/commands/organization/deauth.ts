import * as keys from '../../api/keys.js';
import { checkOrganizationName } from '../../api/permissions.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { organizationSlot } from '../../credentials/session.js';
import { CliError, keepAdvice, UsageError } from '../../errors.js';
import { explainAccessError } from '../access-errors.js';

const STORE_NAMES = { keychain: 'the OS keychain', file: 'the plain-text credentials file' };

// `hexts organization deauth ORG [--revoke]`: forgets the stored key; with --revoke the key
// is revoked on the registry first (and kept locally if that fails, so it can be retried).
export async function run(ctx: Context, { args, opts, fromCli }: Invocation): Promise<void> {
  const organization = checkOrganizationName(args[0]!);
  if (!opts.revoke) {
    for (const [name, flag] of [['key', '--key'], ['keyFile', '--key-file'], ['otp', '--otp']]) {
      if (fromCli(name)) throw new UsageError(`${flag} goes with --revoke: without it nothing is sent to the registry`, `Add --revoke to revoke the key on the registry too, or drop ${flag}.`);
    }
  }
  const credentials = await ctx.credentials();
  const slot = organizationSlot(organization);
  const stored = await credentials.storedOrganizationKey(organization);
  if (!stored) {
    ctx.out.info(`No key is stored for organization ${organization}${opts.revoke ? ', so none was revoked' : ''}.`);
    return;
  }
  if (opts.revoke) {
    if (!stored.value.key_name) throw new CliError('the stored key has no recorded name, so it cannot be revoked from here', 'Revoke it on the registry, then run this without --revoke.');
    const client = await ctx.apiFor({ kind: 'api', access: 'write', organization, action: `revoke ${organization}'s keys` }, { otp: opts.otp });
    try {
      await keys.revoke(client, stored.value.key_name, organization);
    } catch (err) {
      const explained = explainAccessError(err, organization, 'write');
      if (!(explained instanceof CliError)) throw explained;
      const kept = `The key is still stored on this machine; \`hexts organization deauth ${organization}\` without --revoke forgets it.`;
      throw keepAdvice(explained, new CliError(`could not revoke the key: ${explained.message}`, [explained.hint, kept].filter(Boolean).join(' ')));
    }
    ctx.out.info(`Revoked key "${stored.value.key_name}" on the registry.`);
  }
  const where = await credentials.store.delete(slot);
  ctx.out.info(`Removed the key for organization ${organization} from ${where.map((w) => STORE_NAMES[w]).join(' and ')}.`);
}
