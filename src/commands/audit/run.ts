import { posix, relative, sep } from 'node:path';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import type { Text } from '../../io/output.js';
import { auditFindings, readIgnores, type AdvisoryFinding, type AuditFindings, type DisplayAdvisory, type RetiredFinding } from '../../project/audit.js';
import { readPackageRecords } from '../../project/registry-reads.js';
import { sarifLog } from '../../project/sarif.js';
import { loadLockedProject } from '../project-lock.js';

// `hexts audit` (mix hex.audit): the findings of the core (project/audit.ts) as Hex 2.5.1 prints
// them, or as JSON or SARIF, and its exit status.

export async function run(ctx: Context, { opts }: Invocation): Promise<void> {
  const format = typeof opts.format === 'string' ? opts.format : ctx.globals.json ? 'json' : 'text';
  if (ctx.globals.json && format !== 'json') throw new UsageError(`--json cannot be used with --format ${format}`, 'Give one: --json is --format json.');
  const { project, lock } = await loadLockedProject(ctx);
  const ignores = readIgnores(project, ctx.env);
  for (const problem of ignores.invalid) ctx.out.error(problem);
  const records = await readPackageRecords(ctx, lock.entries.flatMap((e) => (e.hex ? [e.hex] : [])));
  const findings = auditFindings(lock, records, ignores);

  if (format === 'sarif') ctx.out.json(sarifLog(findings, relative(ctx.cwd, project.lockfile).split(sep).join(posix.sep)));
  else if (format === 'json') ctx.out.json(jsonFindings(findings));
  else printFindings(ctx, findings);
  if (findings.unusedIgnores.length > 0) {
    if (format === 'text') ctx.out.print();
    for (const warning of findings.unusedIgnores) ctx.out.warn(warning);
  }

  const retired = findings.retired.length > 0;
  const advisories = findings.advisories.length > 0;
  if ((retired || advisories) && opts.fail !== false) {
    if (format === 'text') ctx.out.print();
    const found = [retired && 'retired packages', advisories && 'packages with security advisories'].filter(Boolean).join(' and ');
    throw new CliError(`Found ${found}`, 'To only report, without failing, add --no-fail.');
  }
}

function jsonFindings(findings: AuditFindings) {
  const retired = (f: RetiredFinding) => ({ package: f.package, version: f.version, repository: f.repo, app: f.app, reason: f.reason, message: f.message });
  const advisory = ({ advisory: a, ...f }: AdvisoryFinding) => ({
    package: f.package, version: f.version, repository: f.repo, app: f.app,
    id: a.id, severity: a.severity ?? null, cvss_score: a.cvssScore ?? null, summary: a.summary, url: a.url,
    aliases: a.aliases.map((x) => ({ id: x.id, url: x.url ?? null })),
  });
  return {
    retired: findings.retired.map(retired),
    advisories: findings.advisories.map(advisory),
    ignored_retired: findings.ignoredRetired.map(retired),
    ignored_advisories: findings.ignoredAdvisories.map(advisory),
  };
}

function printFindings(ctx: Context, findings: AuditFindings): void {
  const { out } = ctx;
  const { style } = out;
  const sections: Array<[string, RetiredFinding[] | AdvisoryFinding[], 'retired' | 'advisories']> = [
    ['Retired:', findings.retired, 'retired'],
    ['Advisories:', findings.advisories, 'advisories'],
    ['Ignored retired:', findings.ignoredRetired, 'retired'],
    ['Ignored advisories:', findings.ignoredAdvisories, 'advisories'],
  ];
  const shown = sections.filter(([, entries]) => entries.length > 0);
  if (shown.length === 0) {
    out.print('No retired or security advisory packages found');
    return;
  }
  shown.forEach(([header, entries, kind], index) => {
    if (index > 0) out.print();
    out.print(style.bold(header));
    if (kind === 'retired') {
      for (const f of entries as RetiredFinding[]) out.print([`  ${f.package} ${f.version} - `, style.yellow(f.text)]);
      return;
    }
    (entries as AdvisoryFinding[]).forEach((f, i) => {
      if (i > 0) out.print();
      out.print([`  ${f.package} ${f.version} - `, ...advisoryLines(ctx, f.advisory, '    ')]);
    });
  });
}

/** Hex.Utils.format_advisory_ansi: id (severity), aka aliases, the summary, the link. */
function advisoryLines(ctx: Context, advisory: DisplayAdvisory, prefix: string): Text[] {
  const { style } = ctx.out;
  const colour = { LOW: style.yellow, MEDIUM: style.yellow, HIGH: style.red, CRITICAL: (t: Text) => style.bold(style.red(t)) } as Record<string, ((t: Text) => Text) | undefined>;
  const text: Text[] = [advisory.id];
  if (advisory.severity !== undefined) {
    const severity = `(${advisory.severity})`;
    text.push(' ', colour[advisory.severity]?.(severity) ?? severity);
  }
  if (advisory.aliases.length > 0) text.push(`\n${prefix}aka: ${advisory.aliases.map((a) => a.id).join(', ')}`);
  text.push(`\n${prefix}${advisory.summary}`, `\n${prefix}`, style.underline(advisory.url));
  return text;
}
