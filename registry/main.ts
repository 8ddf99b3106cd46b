import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startRegistry } from './server.js';

// npm run registry -- [--port N] [--data-dir DIR] [--env-file PATH] [--basic-auth] [--static DIR]
//                     [--mini-repo NAME… --mini-repo-token TOKEN]
//
// The npm script runs the bundle scripts/build-registry.mjs makes (`node -- build/registry.cjs`,
// plain node); from source: `node --import tsx -- registry/main.ts`. Node 20 takes `--env-file`
// for its own option anywhere on its command line unless a `--` comes before the script, and
// exits when the file does not exist yet: the npm script has that `--`. A leading `--` in the
// arguments (`npm run registry -- -- --env-file PATH`) is skipped here.
//
// Serves the local registry until SIGINT/SIGTERM and prints the environment that points a
// client at it (`eval "$(npm run -s registry)"` style lines). The real mix client reads
// HEX_API_URL and HEX_CACERTS_PATH but not HEX_REPO_URL: point its hexpm repository here with
// `mix hex.repo set hexpm --url $HEX_REPO_URL --public-key $HEXTS_REPO_PUBLIC_KEY_PATH`, since
// the registry signs with its own key rather than hex.pm's. Where --static and --mini-repo
// are served is printed on stderr.

const usage =
  'usage: npm run registry -- [--port N] [--data-dir DIR] [--env-file PATH] [--basic-auth] [--static DIR] [--mini-repo NAME]... [--mini-repo-token TOKEN]';

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

async function main(): Promise<void> {
  let values;
  try {
    const args = process.argv.slice(2);
    ({ values } = parseArgs({
      args: args[0] === '--' ? args.slice(1) : args,
      options: {
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'env-file': { type: 'string' },
        'basic-auth': { type: 'boolean' },
        static: { type: 'string' },
        'mini-repo': { type: 'string', multiple: true },
        'mini-repo-token': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number\n${usage}`);
    process.exit(2);
  }

  const miniRepos = values['mini-repo'] ?? [];
  const miniToken = values['mini-repo-token'];
  if ((miniRepos.length > 0) !== (miniToken !== undefined)) {
    console.error(`--mini-repo and --mini-repo-token go together\n${usage}`);
    process.exit(2);
  }

  let registry;
  try {
    registry = await startRegistry({
      port,
      dataDir: values['data-dir'],
      basicAuth: values['basic-auth'] ? true : undefined,
      staticDir: values.static,
      mini: miniToken === undefined ? undefined : { repositories: miniRepos, token: miniToken },
    });
  } catch (err) {
    console.error(`registry: ${(err as Error).message}`);
    process.exit(1);
  }
  const lines = Object.entries(registry.env()).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  const text = `${lines.join('\n')}\n`;
  if (values['env-file']) await writeFile(values['env-file'], text);
  process.stdout.write(text);
  if (registry.staticUrl) process.stderr.write(`static repository ${values.static}: ${registry.staticUrl}/\n`);
  for (const repo of miniRepos) {
    process.stderr.write(`mini_repo ${repo}: API ${registry.mini!.apiUrl}/repos/${repo}, repository ${registry.mini!.repoUrl(repo)}\n`);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    registry.stop().then(
      () => {
        process.stderr.write(`registry stopped (${signal})\n`);
        process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
