import { fixedAuthorization } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import * as keys from '../../api/keys.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { describeKeySource, keyAuthorization } from '../../credentials/key-input.js';
import { authenticate, storeLogin, whoIs } from '../../credentials/login.js';
import { ssoLogin } from '../../credentials/sso.js';
import { CliError, UsageError } from '../../errors.js';
import { readStdin } from '../../io/stdin.js';

// `hexts user auth`: the OAuth device flow by default; `--key` stores an existing API key
// once the registry accepts it; `--password` is the legacy flow for registries that still
// take Basic auth (hex.pm does not); `--sso ORG` takes the stored OAuth login through an
// organization's single sign-on.
export async function run(ctx: Context, { opts }: Invocation): Promise<void> {
  for (const [name, flag] of [['username', '--username'], ['passwordStdin', '--password-stdin']]) {
    if (opts[name] !== undefined && !opts.password) throw new UsageError(`${flag} goes with --password`, 'Without --password, `hexts user auth` logs in through the browser (or stores the key given with --key).');
  }
  const credentials = await ctx.credentials();
  // HEX_API_KEY is not a key given to this command: it is what the login is stored beside.
  const given = credentials.given?.source === 'env' ? undefined : credentials.given;
  if (given && opts.password) throw new UsageError('use either --key or --password, not both');
  const sso = opts.sso as string[] | undefined;
  if (sso && (given || opts.password)) {
    throw new UsageError(`use either ${given ? '--key' : '--password'} or --sso, not both`, '--sso takes the OAuth login stored here through single sign-on; log in first with `hexts user auth`.');
  }
  if (ctx.env.HEX_API_KEY) ctx.out.warn('HEX_API_KEY is set: it takes precedence over the credentials stored by this login.');

  if (sso) {
    await ssoLogin(ctx, credentials, [...new Set(sso)], { browser: opts.browser !== false });
  } else if (given) {
    ctx.log(`checking the key ${describeKeySource(given.source)} with GET /api/users/me`);
    const username = await whoIs(await ctx.api({ auth: fixedAuthorization(keyAuthorization(given.key), `the key ${describeKeySource(given.source)}`) }), 'the key was refused');
    await storeLogin(ctx, credentials, { type: 'key', key: given.key }, username);
  } else if (opts.password) {
    const { key } = await passwordLogin(ctx, opts);
    const username = await whoIs(await ctx.api({ auth: fixedAuthorization(keyAuthorization(key), 'the new API key') }), 'the new key was refused');
    await storeLogin(ctx, credentials, { type: 'key', key }, username);
  } else {
    await authenticate(ctx, credentials, { browser: opts.browser !== false });
  }
}

async function passwordLogin(ctx: Context, opts: Record<string, unknown>): Promise<{ key: string }> {
  const username = typeof opts.username === 'string'
    ? opts.username
    : await ctx.prompt.input('Username:', { message: 'a username is needed', hint: 'Pass --username NAME.' });
  const password = opts.passwordStdin
    ? (await readStdin(ctx.streams.stdin)).replace(/\r?\n$/, '')
    : await ctx.prompt.password('Account password:', { message: 'a password is needed', hint: 'Pass it on stdin with --password-stdin.' });
  if (!password) throw new UsageError('the password is empty');
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const client = await ctx.api({ auth: fixedAuthorization(basic, `the password of ${username}`) });
  ctx.out.info('Generating keys...');
  try {
    const key = await keys.create(client, {
      name: `hexts-${ctx.hostname()}`,
      permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }],
    });
    return { key: key.secret };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && /Basic authentication is disabled/i.test(err.message)) {
      throw new CliError(err.message, 'This registry logs in with OAuth: run `hexts user auth` (without --password), or store an API key with `hexts user auth --key -`.');
    }
    throw err;
  }
}
