import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';
import { keyOptions } from '../options.js';

export function define(info: Command, lazy: Lazy): void {
  keyOptions(info)
    .argument('[package]', 'package name (without one: this hexts and the registry it uses)')
    .argument('[version]', 'a release of it: its dependencies, retirement and publisher')
    .option('--organization <org>', 'a private package of this organization')
    .option('--repo <name>', 'a package of a repository added with `hexts repo add` (what its signed registry holds)')
    .addHelpText('after', `
Without PACKAGE, prints what mix hex.info prints without one: the hexts and Node versions, and
the registry in use (API and repository URLs, proxies, CA certificates), each with where its
setting comes from.

With PACKAGE, prints what mix hex.info prints: the description, the dependency snippet for mix.exs, recent
releases (retired ones marked), downloads, licenses and links; with VERSION, that release's
retirement, snippet, date, docs, dependencies and publisher. --json prints the registry's data.

A key that may read the organization's repository but not the API (the default for
organization keys) gets what the signed registry holds: versions, retirements, dependencies.

Examples:
  hexts info
  hexts info jason
  hexts info jason 1.4.4
  hexts info billing --organization acme --json`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
