import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';

export function define(registry: Command, lazy: Lazy): void {
  registry
    .command('build')
    .description('build a static repository from PUBLIC_DIR/tarballs/*.tar, as `mix hex.registry build` (byte for byte)')
    .argument('<public_dir>', 'the directory a web server serves as the repository')
    .option('--name <name>', 'the repository name signed into every file: the name clients add it under')
    .option('--private-key <path>', 'PEM file of the RSA private key that signs the files (kept outside PUBLIC_DIR)')
    .addHelpText('after', `
Reads every PUBLIC_DIR/tarballs/NAME-VERSION.tar and writes, signed with the key:
  public_key       the public half, for clients (\`mix hex.repo add NAME URL --public-key public_key\`)
  names, versions  the package list, and each package's versions
  packages/NAME    each package's releases, checksums and dependencies
The output is mix's own: the same files, byte for byte, and the same \`* creating\`,
\`* updating\` and \`* removing\` lines on stdout (--json: on stderr, the result on stdout).
As with mix, a package's name is its tarball's file name up to the first \`-\`, and its
updated_at is the newest modification time of its tarballs (copy them with \`cp -p\`).

Unlike mix, hexts checks every tarball before it writes anything, replaces files atomically,
refuses a private key that lies inside PUBLIC_DIR, and keeps the retirements that
\`hexts retire … --to-dir\` records in PUBLIC_DIR/retirements.json. Add releases with
\`hexts publish --to-dir PUBLIC_DIR --private-key KEY\`.

Examples:
  openssl genrsa -out private_key.pem 2048
  hexts registry build public --name acme --private-key private_key.pem
  cp -p foo-1.0.0.tar public/tarballs/ && hexts registry build public --name acme --private-key private_key.pem
  mix hex.repo add acme https://repo.example.com --public-key public/public_key`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
