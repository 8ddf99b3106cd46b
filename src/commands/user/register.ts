import { ApiError } from '../../api/errors.js';
import * as users from '../../api/users.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import { readStdin } from '../../io/stdin.js';

// `hexts user register`: creates an account (POST /api/users), then the user confirms the
// email and logs in with `hexts user auth`.
export async function run(ctx: Context, { opts }: Invocation): Promise<void> {
  if (!ctx.interactive) {
    const missing = [['--username', opts.username], ['--email', opts.email], ['--password-stdin', opts.passwordStdin]].filter(([, given]) => given === undefined).map(([flag]) => flag);
    if (missing.length > 0) {
      throw new UsageError(`without a terminal to ask on, user register needs ${missing.join(', ')}`, 'Example: echo "$PASSWORD" | hexts user register --username NAME --email ADDRESS --password-stdin');
    }
  }
  const need = (what: string, flag: string) => ({ message: `${what} is needed`, hint: `Pass ${flag}.` });
  ctx.out.info('By registering an account on Hex.pm you accept all our policies and terms of service found at:');
  ctx.out.info('https://hex.pm/policies/codeofconduct');
  ctx.out.info('https://hex.pm/policies/termsofservice');
  ctx.out.info('https://hex.pm/policies/privacy');
  ctx.out.info();

  const username = typeof opts.username === 'string' ? opts.username : await ctx.prompt.input('Username:', need('a username', '--username NAME'));
  const email = typeof opts.email === 'string' ? opts.email : await ctx.prompt.input('Email:', need('an email address', '--email ADDRESS'));
  let password: string;
  if (opts.passwordStdin) {
    password = (await readStdin(ctx.streams.stdin)).replace(/\r?\n$/, '');
  } else {
    password = await ctx.prompt.password('Account password:', need('a password', '--password-stdin (and the password on stdin)'));
    const confirmation = await ctx.prompt.password('Account password (confirm):', need('a password', '--password-stdin'));
    if (password !== confirmation) throw new CliError('Entered passwords do not match');
  }
  if (!password) throw new UsageError('the password is empty');

  ctx.out.info('Registering...');
  try {
    await users.register(await ctx.api(), { username, email, password });
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) {
      throw new ApiError(422, 'Registration of user failed', err.errors, err.headers, err.body);
    }
    throw err;
  }
  ctx.out.info(`You are required to confirm your email to access your account, a confirmation email has been sent to ${email}`);
  ctx.out.info('Then log in with `hexts user auth`.');
}
