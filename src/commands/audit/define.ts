import type { Command } from 'commander';
import type { Lazy } from '../../cli.js';

export function define(audit: Command, lazy: Lazy): void {
  audit
    .addOption(audit.createOption('--format <format>', 'text (default), json (same as --json) or sarif (SARIF 2.1.0, for code scanning uploads)').choices(['text', 'json', 'sarif']))
    .option('--no-fail', 'only report: exit 0 even when something is found')
    .addHelpText('after', `
Like mix hex.audit: every release in mix.lock that its repository has retired (with the reason
and message), and the security advisories the signed registry carries for it. Each package is
read from its own repository: hexpm, an organization's (hexpm:ORG) or one added with
\`hexts repo add\`. Nothing of the project is run, and no Elixir is needed.

Findings can be acknowledged as in mix: in mix.exs, project/0's
  hex: [ignore_advisories: ["CVE-2026-32686"], ignore_retirements: [:decimal, phoenix: "1.0.0"]]
or HEX_IGNORE_ADVISORIES / HEX_IGNORE_RETIREMENTS (comma-separated; NAME or NAME@VERSION). Ignored
findings are listed apart and do not fail.

The exit code is 1 when a retired release or an advisory is found; --no-fail only reports.

Examples:
  hexts audit
  hexts audit --format sarif > hex-audit.sarif     then upload it (e.g. github/codeql-action/upload-sarif)
  hexts audit --json --no-fail`)
    .action(lazy(() => import('./run.js'), { json: true }));
}
