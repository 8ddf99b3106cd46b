import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { repoKeyStoredIn } from '../../credentials/repo-keys.js';
import { CliError, UsageError } from '../../errors.js';
import { renderTable } from '../../io/table.js';
import { checkRepoName } from '../../repository/repos.js';
import { repositorySettings } from '../../repository/settings.js';
import { publicKeyFingerprint } from '../../repository/signing.js';
import { knownPublicKey, knownRepositories } from '../../repository/target.js';

// `hexts repo list` and `hexts repo show NAME` (mix hex.repo list/show): every repository this
// machine knows — hexpm, hex.pm organizations it holds keys for, and those added with `repo
// add` — with the key fingerprint and where the auth key is. Never an auth key itself: mix prints
// it, hexts says where it is kept.

interface RepoRow {
  name: string;
  url: string;
  public_key: string | null;
  fingerprint: string | null;
  auth_key: 'keychain' | 'file' | null;
  oauth_exchange: boolean;
  oauth_exchange_url: string | null;
  api_url: string | null;
  publish: string | null;
}

async function rows(ctx: Context): Promise<RepoRow[]> {
  const credentials = await ctx.credentials();
  const orgKeys = new Map((await credentials.store.list()).map((s) => [s.slot, s.info.store]));
  const hexpmExchange = repositorySettings(await ctx.config()).exchange;
  return Promise.all((await knownRepositories(ctx)).map(async (target): Promise<RepoRow> => {
    const pem = await knownPublicKey(target).catch(() => undefined);
    let fingerprint: string | null = null;
    try {
      fingerprint = pem ? publicKeyFingerprint(pem) : null;
    } catch {
      // shown as no key
    }
    const auth_key = target.added
      ? (target.added.has_auth_key ? ((await repoKeyStoredIn(ctx, target.name)) ?? null) : null)
      : target.organization ? (orgKeys.get(`repository:${target.name}`) ?? null) : null;
    return {
      name: target.name, url: target.url, public_key: pem ?? null, fingerprint, auth_key,
      oauth_exchange: target.added ? target.added.oauth_exchange : hexpmExchange,
      oauth_exchange_url: target.added?.oauth_exchange_url ?? null, api_url: target.apiUrl ?? null, publish: target.publish ?? null,
    };
  }));
}

const STORES = { keychain: 'OS keychain', file: 'credentials file' };
const authCell = (row: RepoRow) => (row.auth_key ? STORES[row.auth_key] : '');

export async function list(ctx: Context, _invocation: Invocation): Promise<void> {
  const all = await rows(ctx);
  if (ctx.globals.json) {
    ctx.out.json(all.map(({ public_key: _pem, ...row }) => row));
    return;
  }
  for (const line of renderTable(['Name', 'URL', 'Public key', 'Auth key'], all.map((r) => [r.name, r.url, r.fingerprint ?? '', authCell(r)]), ctx.out.style.underline)) ctx.out.print(line);
}

const FIELDS = ['url', 'publicKey', 'authKey', 'oauthExchange', 'oauthExchangeUrl'] as const;

export async function show(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const name = checkRepoName(args[0]!);
  const row = (await rows(ctx)).find((r) => r.name === name);
  if (!row) throw new CliError(`unknown repository "${name}"`, '`hexts repo list` shows the known ones; `hexts repo add NAME URL` adds one.');
  const fields = FIELDS.filter((f) => opts[f] === true);
  if (fields.length > 1) throw new UsageError('give one of --url, --public-key, --auth-key, --oauth-exchange, --oauth-exchange-url');
  if (ctx.globals.json) {
    const { public_key: pem, ...rest } = row;
    ctx.out.json({ ...rest, public_key_pem: pem });
    return;
  }
  const field = fields[0];
  if (field === 'url') ctx.out.print(row.url);
  else if (field === 'publicKey') ctx.out.print((row.public_key ?? '').replace(/\n$/, ''));
  else if (field === 'authKey') ctx.out.print(row.auth_key ? `stored in the ${STORES[row.auth_key]} (never shown)` : '');
  else if (field === 'oauthExchange') ctx.out.print(String(row.oauth_exchange));
  else if (field === 'oauthExchangeUrl') ctx.out.print(row.oauth_exchange_url ?? '');
  else for (const line of renderTable(['URL', 'Public key', 'Auth key'], [[row.url, row.fingerprint ?? '', authCell(row)]], ctx.out.style.underline)) ctx.out.print(line);
}
