import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { repoKeyStoredIn } from '../../credentials/repo-keys.js';
import { CliError, UsageError } from '../../errors.js';
import { renderTable } from '../../io/table.js';
import { RepoConfig, checkRepoName } from '../../repository/repos.js';
import { PUBLIC_REPOSITORY, repositorySettings } from '../../repository/settings.js';
import { HEXPM_PUBLIC_KEY, publicKeyFingerprint } from '../../repository/signing.js';
import { readFile } from 'node:fs/promises';

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
  const config = await ctx.config();
  const settings = repositorySettings(config);
  let hexpmKey: string | null = settings.repoUrl === 'https://repo.hex.pm' ? HEXPM_PUBLIC_KEY : null;
  if (settings.publicKeyPath) hexpmKey = await readFile(settings.publicKeyPath, 'utf8').catch(() => null);
  const fingerprint = (pem: string | null) => {
    try {
      return pem ? publicKeyFingerprint(pem) : null;
    } catch {
      return null;
    }
  };
  const hexpm: RepoRow = {
    name: PUBLIC_REPOSITORY, url: settings.repoUrl, public_key: hexpmKey, fingerprint: fingerprint(hexpmKey), auth_key: null,
    oauth_exchange: settings.exchange, oauth_exchange_url: null, api_url: settings.apiUrl, publish: 'releases',
  };
  const organizations = (await (await ctx.credentials()).store.list())
    .filter((s) => s.slot.startsWith('repository:hexpm:'))
    .map((s): RepoRow => ({ ...hexpm, name: `hexpm:${s.slot.slice('repository:hexpm:'.length)}`, url: `${settings.repoUrl}/repos/${s.slot.slice('repository:hexpm:'.length)}`, auth_key: s.info.store }));
  const added = await Promise.all(Object.entries(await new RepoConfig(config.home).all()).map(async ([name, e]): Promise<RepoRow> => ({
    name, url: e.url, public_key: e.public_key ?? null, fingerprint: fingerprint(e.public_key ?? null),
    auth_key: e.has_auth_key ? (await repoKeyStoredIn(ctx, name)) ?? null : null,
    oauth_exchange: e.oauth_exchange, oauth_exchange_url: e.oauth_exchange_url ?? null, api_url: e.api_url ?? null, publish: e.publish ?? null,
  })));
  return [hexpm, ...organizations, ...added].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
