import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import type { Text } from '../../io/output.js';
import { renderStyledTable, type Cell } from '../../io/table.js';
import { outdatedRows, requestedApps, shouldFail, type OutdatedOptions, type OutdatedRow } from '../../project/outdated.js';
import { readPackageRecords } from '../../project/registry-reads.js';
import { HEXPM_REPO_URL, PUBLIC_REPOSITORY, repositorySettings } from '../../repository/settings.js';
import { loadLockedProject } from '../project-lock.js';

// `hexts outdated [APP]` (mix hex.outdated): the rows of the core (project/outdated.ts), laid
// out as Hex 2.5.1 prints them, and its exit status.

const STATUS_ORDER = { 'Up-to-date': 1, 'Update not possible': 2, 'Update possible': 3 } as const;

export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const app = args[0];
  if (app !== undefined) {
    const stray = (['all', 'withinRequirements', 'sort', 'only'] as const).find((o) => opts[o] !== undefined);
    if (stray) {
      const flag = `--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UsageError(`${flag} goes with the table of every dependency, not with one APP`, `Run \`hexts outdated ${flag === '--sort' || flag === '--only' ? `${flag} VALUE` : flag}\` without ${app}.`);
    }
  }
  const options: OutdatedOptions = {
    app,
    all: opts.all === true,
    pre: opts.pre === true,
    only: typeof opts.only === 'string' ? opts.only : undefined,
  };
  const { project, lock } = await loadLockedProject(ctx);
  const wanted = new Set(requestedApps(project, lock, options));
  const locked = lock.entries.flatMap((e) => (e.hex && wanted.has(e.app) ? [e.hex] : []));
  const records = await readPackageRecords(ctx, locked);
  let rows = outdatedRows(project, lock, records, options);
  if (opts.sort === 'status') rows = [...rows].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);

  if (ctx.globals.json) ctx.out.json(rows.map(jsonRow));
  else if (app !== undefined && rows.length === 1) printOne(ctx, rows[0]!);
  else printTable(ctx, rows, repositorySettings(await ctx.config()).repoUrl === HEXPM_REPO_URL);

  const withinRequirements = opts.withinRequirements === true;
  if (opts.fail !== false && shouldFail(rows, { app, withinRequirements })) {
    const outdated = rows.filter((r) => r.outdated);
    const possible = outdated.filter((r) => r.status === 'Update possible');
    throw new CliError(
      app !== undefined
        ? `${app} is outdated`
        : withinRequirements
          ? `${possible.length} of the outdated dependencies can be updated within their requirements`
          : `${outdated.length} ${outdated.length === 1 ? 'dependency is' : 'dependencies are'} outdated`,
      'To only report, without failing, add --no-fail.',
    );
  }
}

/** mix's JSON row (`package` is the app, as mix names it), with the repository it was read from. */
function jsonRow(row: OutdatedRow) {
  return {
    package: row.app,
    repository: row.repo,
    only: row.only,
    lock_version: row.current,
    latest_version: row.latest,
    requirements: row.requirements.map((r) => ({ source: r.source, requirement: r.requirement, up_to_date: r.upToDate })),
    outdated: row.outdated,
  };
}

function printTable(ctx: Context, rows: OutdatedRow[], hexpmRegistry: boolean): void {
  const { out } = ctx;
  const { style } = out;
  if (rows.length === 0) {
    out.print('No hex dependencies');
    return;
  }
  const statusStyle = { 'Up-to-date': style.green, 'Update possible': style.yellow, 'Update not possible': style.red } as const;
  const cells = rows.map((r): Cell[] => [style.bold(r.app), r.only, r.current, (r.outdated ? style.red : style.green)(r.latest), statusStyle[r.status](r.status)]);
  for (const line of renderStyledTable(['Dependency', 'Only', 'Current', 'Latest', 'Status'], cells, style.underline)) out.print(line);

  const updatable = rows.filter((r) => r.status === 'Update possible');
  const lines: Text[] = ['', 'Run `hexts outdated APP` to see requirements for a specific dependency.'];
  // diff.hex.pm shows hex.pm's public packages, so the link is only for those. mix shortens
  // it through hex.pm's API (POST /api/short_url); hexts prints it whole and sends nothing.
  const diffs = hexpmRegistry ? updatable.filter((r) => r.repo === PUBLIC_REPOSITORY) : [];
  if (diffs.length > 0) {
    const query = diffs.map((r) => `diffs[]=${r.package}:${r.current}:${r.latest}`).join('&');
    lines.push('', 'To view the diffs in each available update, visit:', `https://diff.hex.pm/diffs?${query}`);
  }
  if (updatable.length > 0) lines.push('', 'To view the diff of a specific update, run `hexts package diff PACKAGE FROM..TO`.');
  for (const line of lines) out.print(line);
}

function printOne(ctx: Context, row: OutdatedRow): void {
  const { out } = ctx;
  const { style } = out;
  if (row.outdated) out.print(['There is newer version of the dependency available ', style.bold(`${row.latest} > ${row.current}`), '!']);
  else out.print(['Current version ', style.bold(row.current), ' of dependency is up to date!']);
  out.print();
  const cells = row.requirements.map((r): Cell[] => {
    const colour = r.upToDate ? style.green : style.red;
    return [style.bold(r.source), colour(r.requirement ?? ''), colour(r.upToDate ? 'Yes' : 'No')];
  });
  for (const line of renderStyledTable(['Source', 'Requirement', 'Up-to-date'], cells, style.underline)) out.print(line);
  out.print();
  out.print('Up-to-date indicates if the requirement matches the latest version.');
}
