import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import * as shared from '../keys.js';

const scope: shared.KeyScope = {
  allowed: ['api', 'repository', 'repositories', 'docs', 'package'],
  defaultPermissions: [{ domain: 'api', resource: null }],
};

export const generate = (ctx: Context, invocation: Invocation) => shared.generate(ctx, invocation, scope);
export const list = (ctx: Context, invocation: Invocation) => shared.list(ctx, invocation, scope);
export const revoke = (ctx: Context, invocation: Invocation) => shared.revoke(ctx, invocation, scope);
