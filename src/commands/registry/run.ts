import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { readRegistrySigningKey } from '../../credentials/registry-key.js';
import { UsageError } from '../../errors.js';
import { buildStaticRepository, changeLine, type FileChange } from '../../repository/static-directory.js';

// `hexts registry build PUBLIC_DIR --name NAME --private-key KEY`, as `mix hex.registry build`:
// its lines on stdout (mix prints them with Hex.Shell.info), warnings on stderr.
export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const [dir] = args as [string];
  if (dir === '') throw new UsageError('PUBLIC_DIR is empty', 'Give the directory to build, e.g. `hexts registry build public --name acme --private-key private_key.pem`.');
  if (typeof opts.name !== 'string' || opts.name === '') {
    throw new UsageError('missing --name', 'Give the repository name clients add it under, e.g. --name acme (`mix hex.repo add acme URL`).');
  }
  if (typeof opts.privateKey !== 'string') {
    throw new UsageError('missing --private-key', 'Give the PEM file of the RSA key that signs the repository; `openssl genrsa -out private_key.pem 2048` makes one (keep it outside PUBLIC_DIR).');
  }
  const json = ctx.globals.json;
  const key = await readRegistrySigningKey(ctx.cwd, opts.privateKey, dir);
  const built = await buildStaticRepository(
    {
      cwd: ctx.cwd,
      dir,
      key,
      onChange: (change) => (json ? ctx.out.info(changeLine(change)) : ctx.out.print(changeLine(change))),
      onWarning: (warning) => ctx.out.warn(`warning: ${warning}`),
    },
    opts.name,
  );
  if (json) {
    const paths = (action: FileChange['action']) => built.changes.filter((c) => c.action === action).map((c) => c.path);
    ctx.out.json({ repository: built.repository, packages: built.packages, created: paths('creating'), updated: paths('updating'), removed: paths('removing') });
  }
}
