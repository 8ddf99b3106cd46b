import { fixedAuthorization } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { AddedRepositoryAuth } from '../../credentials/repo-keys.js';
import { CliError, UsageError } from '../../errors.js';
import { RegistryError } from '../../repository/protobuf.js';
import { repositoryFileReader, type RepositoryFileReader } from '../../repository/registry.js';
import { checkRepoName, type RepoEntry } from '../../repository/repos.js';
import { PUBLIC_REPOSITORY } from '../../repository/settings.js';
import { openRegistryResource, publicKeyFingerprint } from '../../repository/signing.js';
import { knownPublicKey, resolveRepository } from '../../repository/target.js';
import { redactUrl } from '../../util/net.js';

// `hexts repo doctor NAME`: reads a repository the way every command does, one step at a
// time, and says which step fails and what likely fixes it: the connection (TLS), the key it
// serves against the one it was added with, the signature and the repository name inside the
// signed names, versions and one package, and whether its auth key is needed and accepted.
// Then the settings Dependabot needs to read the same repository.

interface Check {
  check: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

export async function run(ctx: Context, { args }: Invocation): Promise<void> {
  const name = checkRepoName(args[0]!);
  if (name.startsWith(`${PUBLIC_REPOSITORY}:`)) {
    throw new UsageError(`${name} is a hex.pm organization's repository`, `Check it with \`hexts package fetch PACKAGE --organization ${name.slice(PUBLIC_REPOSITORY.length + 1)} --verbose\`.`);
  }
  const target = await resolveRepository(ctx, name);
  const entry: RepoEntry = target.added ?? { url: target.url, oauth_exchange: false, public_key: await knownPublicKey(target) };
  const checks: Check[] = [];
  const add = (check: Check) => {
    checks.push(check);
    if (!ctx.globals.json) {
      const mark = check.ok ? ctx.out.style.green('ok  ') : ctx.out.style.red('FAIL');
      ctx.out.print([mark, ` ${check.check}: ${check.detail}`]);
      if (check.hint) ctx.out.print(`      ${check.hint}`);
    }
  };

  const auth = new AddedRepositoryAuth(ctx, name, entry);
  let authorization: string | undefined;
  try {
    authorization = await auth.authorization();
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    add({ check: 'auth key', ok: false, detail: err.message, hint: err.hint });
  }
  const credential = authorization ? await auth.description() : undefined;
  const read = await repositoryFileReader(ctx);
  const get = (path: string, withKey = true) => read(entry.url, path, withKey && authorization ? { value: authorization, credential: credential! } : undefined);

  // The connection, and the key it serves.
  let served: string | undefined;
  try {
    const response = await get('public_key');
    const secure = new URL(entry.url).protocol === 'https:';
    add({ check: 'connection', ok: true, detail: `${redactUrl(entry.url)} answered${secure ? ' over TLS, its certificate verified' : ' (plain http, this machine only)'}` });
    if (response.status === 200) served = response.body.toString('utf8');
    else add({ check: 'public key', ok: false, detail: `${entry.url}/public_key answered ${response.status}`, hint: entry.public_key ? 'Not needed to read it (the key it was added with is used), but tools that fetch the key will fail.' : 'Add the repository with --public-key PEM_FILE.' });
  } catch (err) {
    add({ check: 'connection', ok: false, detail: (err as Error).message, hint: (err as CliError).hint ?? 'For a private CA, point HEX_CACERTS_PATH at its certificate.' });
    return finish(ctx, name, entry, checks);
  }
  let servedFingerprint: string | undefined;
  if (served !== undefined) {
    try {
      servedFingerprint = publicKeyFingerprint(served);
    } catch {
      add({ check: 'public key', ok: false, detail: `${entry.url}/public_key is not an RSA public key in PEM form` });
    }
  }
  const addedFingerprint = entry.public_key ? publicKeyFingerprint(entry.public_key) : undefined;
  if (servedFingerprint && addedFingerprint) {
    add(servedFingerprint === addedFingerprint
      ? { check: 'public key', ok: true, detail: `the key served is the one ${name} was added with (${addedFingerprint})` }
      : { check: 'public key', ok: false, detail: `the key served (${servedFingerprint}) is not the one ${name} was added with (${addedFingerprint})`, hint: `If the repository changed its key, check the new fingerprint with its operators, then \`hexts repo set ${name} --fetch-public-key ${servedFingerprint}\`.` });
  } else if (servedFingerprint) {
    add({ check: 'public key', ok: true, detail: `served: ${servedFingerprint} (no key was added for ${name}: it is pinned on first use)`, hint: `Pin it now, once its operators confirm it: \`hexts repo set ${name} --fetch-public-key ${servedFingerprint}\`.` });
  }
  const key = entry.public_key ?? served;

  // The signed files: names, versions and the first package.
  let first: string | undefined;
  for (const file of ['names', 'versions'] as const) {
    const opened = await openChecked(ctx, get, file, key, name, add);
    if (file === 'names' && opened && 'packages' in opened) first = opened.packages[0]?.name;
  }
  if (first) await openChecked(ctx, get, `packages/${first}`, key, name, add, first);

  // The publishing API, where one is set: does it take the key? (mini_repo checks it before routing.)
  if (entry.api_url && authorization) {
    try {
      const client = await ctx.api({ apiUrl: entry.api_url, auth: fixedAuthorization(authorization, credential!) });
      await client.get('users/me');
      add({ check: 'API', ok: true, detail: `${redactUrl(entry.api_url)} accepts ${credential}` });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        add({ check: 'API', ok: false, detail: `${redactUrl(entry.api_url)} refused ${credential} (401)`, hint: `Set a current key: \`hexts repo set ${name} --auth-key KEY\`.` });
      } else if (err instanceof ApiError) {
        add({ check: 'API', ok: true, detail: `${redactUrl(entry.api_url)} took ${credential} (it answered ${err.status}, not 401)` });
      } else {
        add({ check: 'API', ok: false, detail: `${redactUrl(entry.api_url)}: ${(err as Error).message}`, hint: (err as CliError).hint });
      }
    }
  }

  // The auth key: needed at all, and accepted.
  if (authorization) {
    const anonymous = await get('names', false).catch(() => undefined);
    const refusedAlready = checks.some((c) => c.check === 'auth key' && !c.ok);
    if (anonymous?.status === 200) add({ check: 'auth key', ok: true, detail: 'the repository serves its files without a key too, so reading them does not check the key' });
    else if (!refusedAlready && (anonymous?.status === 401 || anonymous?.status === 403)) add({ check: 'auth key', ok: true, detail: `accepted (${credential}); without it the repository answers ${anonymous.status}` });
  } else if (!checks.some((c) => c.check === 'auth key')) {
    add({ check: 'auth key', ok: true, detail: 'none set; none needed to read the files' });
  }
  return finish(ctx, name, entry, checks);
}

type Getter = (path: string, withKey?: boolean) => ReturnType<RepositoryFileReader>;

async function openChecked(ctx: Context, get: Getter, path: string, key: string | undefined, name: string, add: (c: Check) => void, pkg?: string) {
  let response;
  try {
    response = await get(path);
  } catch (err) {
    add({ check: path, ok: false, detail: (err as Error).message });
    return undefined;
  }
  if (response.status === 401 || response.status === 403) {
    add({ check: 'auth key', ok: false, detail: `${path} answered ${response.status}`, hint: `Set the repository's key: \`hexts repo set ${name} --auth-key KEY\` (or user:password@ in its URL).` });
    return undefined;
  }
  if (response.status !== 200) {
    add({ check: path, ok: false, detail: `${redactUrl(response.url.href)} answered ${response.status}`, hint: path === 'names' ? 'Check the URL: names, versions, packages/ and tarballs/ must be right under it.' : undefined });
    return undefined;
  }
  if (!key) {
    add({ check: path, ok: false, detail: 'no key to verify it with', hint: 'Add the repository with --public-key or --fetch-public-key.' });
    return undefined;
  }
  const expected = pkg ? { repository: name, kind: 'package' as const, name: pkg } : { repository: name, kind: path as 'names' | 'versions' };
  try {
    const opened = openRegistryResource(response.body, key, expected);
    add({ check: path, ok: true, detail: `signature verified; it names repository ${name}` });
    return opened;
  } catch (err) {
    if (!(err instanceof RegistryError)) throw err;
    if (err.code === 'bad_repo_name') {
      const said = /says it belongs to repository (".*")$/.exec(err.message)?.[1];
      const actual = said ? (JSON.parse(said) as string) : '';
      add(actual === ''
        ? { check: path, ok: false, detail: 'signature verified, but it names no repository: an old registry record version', hint: `Rebuild it with a current builder: \`hexts registry build DIR --name ${name} --private-key KEY\` (or mix hex.registry build).` }
        : { check: path, ok: false, detail: `signature verified, but it names repository "${actual}", not "${name}"`, hint: `It was built with --name ${actual}: rebuild it with --name ${name}, or add it under that name (\`hexts repo add ${actual} URL …\`).` });
    } else if (err.code === 'bad_signature') {
      add({ check: path, ok: false, detail: 'signature verification failed', hint: 'It is not signed with the key checked above: the repository was rebuilt with another private key, or something altered the file.' });
    } else {
      add({ check: path, ok: false, detail: err.message, hint: err.hint });
    }
    ctx.log(`repo doctor: ${path}: ${err.message}`);
    return undefined;
  }
}

function finish(ctx: Context, name: string, entry: RepoEntry, checks: Check[]): void {
  const fingerprint = entry.public_key ? publicKeyFingerprint(entry.public_key) : undefined;
  const secret = `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_AUTH_KEY`;
  const snippet = [
    'registries:',
    `  ${name.replace(/[^A-Za-z0-9_-]/g, '-')}:`,
    '    type: hex-repository',
    `    repo: ${name}`,
    `    url: ${redactUrl(entry.url)}`,
    ...(entry.has_auth_key ? [`    auth-key: \${{secrets.${secret}}}`] : []),
    ...(fingerprint ? [`    public-key-fingerprint: ${fingerprint}`] : []),
  ];
  const failed = checks.filter((c) => !c.ok).length;
  if (ctx.globals.json) {
    ctx.out.json({ repository: name, url: redactUrl(entry.url), ok: failed === 0, checks, dependabot: snippet.join('\n') + '\n' });
  } else {
    ctx.out.print();
    ctx.out.print('For Dependabot (.github/dependabot.yml):');
    for (const line of snippet) ctx.out.print(`  ${line}`);
  }
  if (failed) throw new CliError(`${failed} of ${checks.length} checks of repository ${name} failed`);
}
