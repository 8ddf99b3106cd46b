import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { docsRequest, ensureDocs } from './shared.js';

// `hexts docs fetch NAME [VERSION]` (mix hex.docs fetch): the docs into $HEXTS_HOME/docs.

export async function run(ctx: Context, invocation: Invocation): Promise<void> {
  const docs = await ensureDocs(ctx, await docsRequest(ctx, invocation));
  if (ctx.globals.json) ctx.out.json(docs);
  else ctx.out.print(docs.fetched ? `Docs fetched: ${docs.path}` : `Docs already fetched: ${docs.path}`);
}
