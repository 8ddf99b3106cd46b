import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { encodeConsultFile } from '../erlang/pretty.js';
import { Atom, ErlMap, Tuple, atom, binary, isAtom, termEquals, tuple, type Term } from '../erlang/term.js';
import { TermSyntaxError, parseTerms } from '../erlang/text.js';
import { CliError } from '../errors.js';
import type { Env } from '../io/output.js';
import { writeFileAtomic } from '../util/atomic.js';

// mix's own config file, hex.config (client.md §4.2), for `organization auth --mix`: the
// organization's key goes into the `'$repos'` map as `<<"hexpm:ORG">> => #{auth_key => …,
// auth_key_owner => organization | user}`, exactly what `mix hex.organization auth ORG --key`
// writes, so `mix deps.get` on the same machine can fetch the organization's packages.

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

/**
 * Sets `hexpm:ORG`'s key in the hex.config at `path`, keeping every other entry. The file is
 * read as Erlang terms and written back the way mix writes it (io_lib:print, one term per
 * line, `'$repos'` moved last as Keyword.merge does), atomically and readable by the owner only.
 */
export async function writeMixOrganizationKey(path: string, organization: string, key: string, owner: 'organization' | 'user'): Promise<void> {
  const terms = await readConfig(path);
  const name = binary(`hexpm:${organization}`);
  const at = terms.findIndex((t) => t instanceof Tuple && t.elements.length === 2 && t.elements[0] === REPOS);
  const existing = at < 0 ? undefined : (terms[at] as Tuple).elements[1]!;
  if (existing !== undefined && !(existing instanceof ErlMap)) {
    throw new CliError(`the '$repos' entry in ${path} is not a map`, 'Fix the file, or let mix rewrite it, then try again.');
  }
  const repos = existing?.entries ?? [];
  const previous = repos.find(([k]) => termEquals(k, name))?.[1];
  // Other settings of the entry (url, public_key…) stay; a token exchanged for an older key goes.
  const kept = previous instanceof ErlMap
    ? previous.entries.filter(([k]) => !(isAtom(k) && ['auth_key', 'auth_key_owner', 'oauth_token'].includes(k.name)))
    : [];
  const entry = new ErlMap([...kept, [atom('auth_key'), binary(key)], [atom('auth_key_owner'), atom(owner)]]);
  const updated = new ErlMap([...repos.filter(([k]) => !termEquals(k, name)), [name, entry]]);
  const next = [...terms.filter((_, i) => i !== at), tuple(REPOS, updated)];
  await writeFileAtomic(path, encodeConsultFile(next));
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
