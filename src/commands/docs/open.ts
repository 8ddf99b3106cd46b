import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { openBrowser } from '../../credentials/login.js';
import { exists, newestLocalVersion } from '../../docs/store.js';
import { CliError } from '../../errors.js';
import { docsRequest, ensureDocs } from './shared.js';

// `hexts docs open NAME [VERSION]` (mix hex.docs offline): index.html of the docs kept here, in
// the browser; fetched first when missing. Without VERSION, docs already here win (no network).

export async function run(ctx: Context, invocation: Invocation): Promise<void> {
  const request = await docsRequest(ctx, invocation);
  const docs = await ensureDocs(ctx, request, request.version ?? (await newestLocalVersion(request.root, request.name)));
  if (docs.fetched) ctx.out.info(`Docs fetched: ${docs.path}`);
  const index = join(docs.path, 'index.html');
  if (!(await exists(index))) throw new CliError(`Documentation file not found: ${index}`, 'The docs as published have no index.html; look in the directory itself.');
  const url = pathToFileURL(index);
  if (openBrowser(ctx, url)) ctx.out.info(`Opening ${url.href}`);
  else ctx.out.print(url.href);
}
