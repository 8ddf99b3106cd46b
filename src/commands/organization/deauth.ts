import * as keys from '../../api/keys.js';
import { checkOrganizationName } from '../../api/permissions.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { Credentials } from '../../credentials/session.js';
import { repositorySlot } from '../../credentials/store.js';
import { CliError, UsageError } from '../../errors.js';
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
  const credentials = await Credentials.open(ctx, opts);
  const slot = repositorySlot(`hexpm:${organization}`);
  const stored = await credentials.storedRepositoryKey(`hexpm:${organization}`);
  if (!stored) {
    ctx.out.info(`No key is stored for organization ${organization}${opts.revoke ? ', so none was revoked' : ''}.`);
    return;
  }
  if (opts.revoke) {
    if (!stored.value.key_name) throw new CliError('the stored key has no recorded name, so it cannot be revoked from here', 'Revoke it on the registry, then run this without --revoke.');
    // The key itself may lack api:write; the provider falls back to the user's credential then.
    const client = await credentials.api({ organization, otp: opts.otp as string | undefined });
    try {
      await keys.revoke(client, stored.value.key_name, organization);
    } catch (err) {
      throw explainAccessError(err, organization, 'write');
    }
    ctx.out.info(`Revoked key "${stored.value.key_name}" on the registry.`);
  }
  const where = await credentials.store.delete(slot);
  ctx.out.info(`Removed the key for organization ${organization} from ${where.map((w) => STORE_NAMES[w]).join(' and ')}.`);
}
