import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { encodeConsultFile } from '../erlang/pretty.js';
import { Atom, ErlMap, FALSE, TRUE, Tuple, atom, binary, isAtom, isBinary, termEquals, tuple, type Term } from '../erlang/term.js';
import { TermSyntaxError, parseTerms } from '../erlang/text.js';
import { CliError } from '../errors.js';
import type { Env } from '../io/output.js';
import { HEXPM_REPO_URL, type RepositorySettings } from '../repository/settings.js';
import { writeFileAtomic } from '../util/atomic.js';
import { withFileLock } from '../util/lock.js';

// mix's own config file, hex.config (client.md §4.2), for `organization auth --mix`: the
// organization's key goes into the `'$repos'` map as `<<"hexpm:ORG">> => #{auth_key => …,
// auth_key_owner => organization | user}`, exactly what `mix hex.organization auth ORG --key`
// writes, so `mix deps.get` on the same machine can fetch the organization's packages.
//
// mix (Hex 2.5) fetches `hexpm:ORG` from its `hexpm` repository's URL plus /repos/ORG and sends
// the entry's key there. An entry cannot durably name another host: a `url` of its own drops
// the /repos/ORG part and the organization's auth once mix rewrites the file (Hex.Repo
// clean_organizations). So the key is written only when mix's `hexpm` repository is the
// registry the key belongs to (`mix hex.repo set hexpm --url …` for a registry other than hex.pm).

/** Where mix keeps hex.config: $HEX_HOME, else the XDG config directory with MIX_XDG, else ~/.hex (Hex.Config.find_config_home). */
export function mixConfigPath(env: Env): string {
  if (env.HEX_HOME) return join(env.HEX_HOME, 'hex.config');
  const home = env.HOME || homedir();
  if (env.MIX_XDG === '1' || env.MIX_XDG === 'true') {
    const xdg = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
    return join(xdg, 'hex', 'hex.config');
  }
  return join(home, '.hex', 'hex.config');
}

const REPOS = atom('$repos');

/** The registry the key belongs to: its repository URL, API and how hexts uses its keys. */
export type MixRegistry = Pick<RepositorySettings, 'repoUrl' | 'apiUrl' | 'hexpm' | 'exchange' | 'sendCredentials' | 'publicKeyPath'>;

/**
 * Sets `hexpm:ORG`'s key in the hex.config at `path`, keeping every other entry. The file is
 * read as Erlang terms and written back the way mix writes it (io_lib:print, one term per
 * line, `'$repos'` moved last as Keyword.merge does), atomically and readable by the owner only,
 * under hexts' lock of the file (mix does not take it). Refuses, changing nothing, when mix
 * would send the key anywhere but `registry`'s repository.
 */
export function writeMixOrganizationKey(path: string, organization: string, key: string, owner: 'organization' | 'user', registry: MixRegistry): Promise<void> {
  return withFileLock(path, () => writeKey(path, organization, key, owner, registry));
}

async function writeKey(path: string, organization: string, key: string, owner: 'organization' | 'user', registry: MixRegistry): Promise<void> {
  const { terms, at, repos } = await readRepos(path);
  checkMixSendsKeyTo(registry, repos, path, organization);
  const name = binary(`hexpm:${organization}`);
  const previous = repos.find(([k]) => termEquals(k, name))?.[1];
  // Another registry's key must not be exchanged at mix's default API (hex.pm's, or whatever
  // HEX_API_URL says when mix runs): mix uses it as hexts does, directly or exchanged at this API.
  const exchange: Array<[Term, Term]> = registry.hexpm
    ? []
    : registry.exchange
      ? [[atom('oauth_exchange'), TRUE], [atom('oauth_exchange_url'), binary(registry.apiUrl)]]
      : [[atom('oauth_exchange'), FALSE]];
  const replaced = ['auth_key', 'auth_key_owner', 'oauth_token', ...exchange.map(([k]) => (k as Atom).name)];
  // Other settings of the entry stay; a token exchanged for an older key goes.
  const kept = previous instanceof ErlMap ? previous.entries.filter(([k]) => !(isAtom(k) && replaced.includes(k.name))) : [];
  const entry = new ErlMap([...kept, [atom('auth_key'), binary(key)], [atom('auth_key_owner'), atom(owner)], ...exchange]);
  const updated = new ErlMap([...withHexpmEntry(repos.filter(([k]) => !termEquals(k, name))), [name, entry]]);
  const next = [...terms.filter((_, i) => i !== at), tuple(REPOS, updated)];
  await writeFileAtomic(path, encodeConsultFile(next));
}

/**
 * Refuses, before anything is asked of the registry or stored, when `writeMixOrganizationKey`
 * would refuse: mix's hex.config at `path` cannot take the key for this registry.
 */
export async function checkMixOrganizationKey(path: string, organization: string, registry: MixRegistry): Promise<void> {
  checkMixSendsKeyTo(registry, (await readRepos(path)).repos, path, organization);
}

/** hex.config's terms, and its `'$repos'` map (where it is and its entries). */
async function readRepos(path: string): Promise<{ terms: Term[]; at: number; repos: Array<[Term, Term]> }> {
  const terms = await readConfig(path);
  const at = terms.findIndex((t) => t instanceof Tuple && t.elements.length === 2 && t.elements[0] === REPOS);
  const existing = at < 0 ? undefined : (terms[at] as Tuple).elements[1]!;
  if (existing !== undefined && !(existing instanceof ErlMap)) {
    throw new CliError(`the '$repos' entry in ${path} is not a map`, 'Fix the file, or let mix rewrite it, then try again.');
  }
  return { terms, at, repos: existing?.entries ?? [] };
}

function checkMixSendsKeyTo(registry: MixRegistry, repos: Array<[Term, Term]>, path: string, organization: string): void {
  const unchanged = `Nothing was written to ${path}.`;
  if (!registry.sendCredentials) {
    throw new CliError(
      `hexts does not send this registry's credentials to ${new URL(registry.repoUrl).host}, so it does not give them to mix for it either`,
      `The repository (${registry.repoUrl}) is not on the API's host (${new URL(registry.apiUrl).host}). `
        + `If both belong to the same registry, allow it: \`hexts config repo_trusted true\` (or HEXTS_REPO_TRUSTED=true). ${unchanged}`,
    );
  }
  const hexpm = repos.find(([k]) => termEquals(k, binary('hexpm')))?.[1];
  const url = hexpm instanceof ErlMap ? hexpm.get(atom('url')) : undefined;
  const mixUrl = isBinary(url) ? Buffer.from(url).toString('utf8').replace(/\/+$/, '') : HEXPM_REPO_URL;
  if (mixUrl === registry.repoUrl) return;
  throw new CliError(
    `mix would send this key to ${mixUrl}, not to ${registry.repoUrl}: it fetches hexpm:${organization} from its hexpm repository`,
    registry.hexpm
      ? `Point mix back at hex.pm with \`mix hex.repo set hexpm --url ${HEXPM_REPO_URL}\`, then try again. ${unchanged}`
      : `Point mix at this registry first: \`mix hex.repo set hexpm --url ${registry.repoUrl} --public-key ${registry.publicKeyPath ?? 'PEM_FILE'}\``
        + `${registry.publicKeyPath ? '' : ' (a file with the registry\'s public key)'}, then try again. ${unchanged}`,
  );
}

async function readConfig(path: string): Promise<Term[]> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let terms: Term[];
  try {
    terms = parseTerms(data);
  } catch (err) {
    if (!(err instanceof TermSyntaxError)) throw err;
    // Older Hex versions wrote Elixir syntax; mix converts it on its next run. Never clobber it.
    throw new CliError(`${path} is not in the Erlang term format mix writes today (${err.message})`, 'Run any `mix hex` task once so mix rewrites it, then try again. Nothing was changed.');
  }
  for (const term of terms) {
    if (!(term instanceof Tuple) || term.elements.length !== 2 || !(term.elements[0] instanceof Atom)) {
      throw new CliError(`${path} holds something other than {key, value} entries`, 'Fix the file, then try again. Nothing was changed.');
    }
  }
  return terms;
}

/** mix writes hexpm's URL with every change of its repositories (Hex.Repo clean_hexpm keeps it): so do we. */
function withHexpmEntry(repos: Array<[Term, Term]>): Array<[Term, Term]> {
  const hexpm = binary('hexpm');
  return repos.some(([k]) => termEquals(k, hexpm)) ? repos : [...repos, [hexpm, new ErlMap([[atom('url'), binary(HEXPM_REPO_URL)]])]];
}

/** A repository's settings as `mix hex.repo` keeps them: binaries, booleans, or nil. */
export type MixRepoValues = Record<'url' | 'public_key' | 'fetch_public_key' | 'auth_key' | 'oauth_exchange_url', string | undefined> & { oauth_exchange: boolean };

const mixValue = (value: string | boolean | undefined): Term => (value === undefined ? atom('nil') : typeof value === 'boolean' ? (value ? TRUE : FALSE) : binary(value));

/**
 * Writes a repository into hex.config as `mix hex.repo` does: `add` writes every key (nils
 * too) and replaces an entry of that name, `set` merges the given keys into the entry (adding
 * it whole if mix has none), `remove` deletes it. Like mix, the write adds hexpm's entry
 * (`#{url => <<"https://repo.hex.pm">>}`) when there is none and moves `'$repos'` last; every
 * other entry and key stays.
 */
export function writeMixRepo(path: string, name: string, change: { add: MixRepoValues } | { set: Partial<MixRepoValues>; whole: MixRepoValues } | { remove: true }): Promise<void> {
  return withFileLock(path, async () => {
    const { terms, at, repos } = await readRepos(path);
    const key = binary(name);
    const previous = repos.find(([k]) => termEquals(k, key))?.[1];
    const others = repos.filter(([k]) => !termEquals(k, key));
    let entry: ErlMap | undefined;
    const full = (values: MixRepoValues) => new ErlMap(Object.entries(values).map(([k, v]) => [atom(k), mixValue(v)]));
    if ('add' in change) entry = full(change.add);
    else if ('set' in change) {
      if (!(previous instanceof ErlMap)) entry = full(change.whole);
      else {
        const given = Object.entries(change.set) as Array<[string, string | boolean | undefined]>;
        const names = given.map(([k]) => k);
        entry = new ErlMap([...previous.entries.filter(([k]) => !(isAtom(k) && names.includes(k.name))), ...given.map(([k, v]) => [atom(k), mixValue(v)] as [Term, Term])]);
      }
    }
    const updated = new ErlMap(entry ? [...withHexpmEntry(others), [key, entry]] : withHexpmEntry(others));
    await writeFileAtomic(path, encodeConsultFile([...terms.filter((_, i) => i !== at), tuple(REPOS, updated)]));
  });
}
