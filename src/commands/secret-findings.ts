// The secret scan as every command shows it (publish, build --scan, publish --tarball): one
// line per finding on stderr, never the secret, then a failure that says nothing went out and
// exactly how to ignore a false positive.
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import type { DocsFile } from '../package/docs-tarball.js';
import { docsFilesToScan, filesOnDisk } from '../package/scan-input.js';
import { SECRET_KINDS, scanForSecrets, secretScanIgnores, type ScanFile, type SecretFinding, type SecretScanResult } from '../package/secret-scan.js';
import type { PreparedPackage } from '../package/project.js';

/** Findings stopped the command; --json output carries them (never the secrets). */
export class SecretsFoundError extends CliError {
  constructor(message: string, hint: string, readonly findings: SecretFinding[]) {
    super(message, hint);
    this.name = 'SecretsFoundError';
  }

  /** The failure as a --json object. */
  toJSON() {
    return { ok: false, error: { message: this.message, hint: this.hint ?? null }, findings: this.findings };
  }
}

/** What did not happen because of the findings: `published` (nothing was sent) or `written` (build). */
export type Withheld = 'published' | 'written';

/** At most this many findings are listed on stderr; --json lists them all. */
const LISTED = 20;

/**
 * Returns when the scan found nothing; otherwise prints the findings and throws
 * SecretsFoundError. `withheld` says what was not done.
 */
export function stopOnSecretFindings(ctx: Context, result: SecretScanResult, withheld: Withheld): void {
  ctx.log(`secret scan: ${result.scannedFiles} files scanned, ${result.ignoredFiles.length} ignored, ${result.findings.length} findings`);
  const { findings } = result;
  if (findings.length === 0) return;
  const { bold } = ctx.out.style;
  ctx.out.info(bold(`Secrets found in the files to ${withheld === 'published' ? 'publish' : 'package'}:`));
  for (const f of findings.slice(0, LISTED)) ctx.out.info(`  ${f.path}:${f.line}: ${SECRET_KINDS[f.kind]} (${f.kind}) ${f.preview}`);
  if (findings.length > LISTED) ctx.out.info(`  … and ${findings.length - LISTED} more (--json lists them all)`);
  const files = [...new Set(findings.map((f) => f.path))];
  const globs = files.length <= 3 ? files : [...files.slice(0, 2), '…'];
  const what = findings.length === 1 ? 'a secret' : `${findings.length} secrets`;
  const action = withheld === 'published' ? 'nothing was published' : 'no tarball was written';
  throw new SecretsFoundError(
    `${what} in ${files.length === 1 ? files[0] : `${files.length} files`}: ${action}`,
    `Take ${findings.length === 1 ? 'it' : 'them'} out of the package. If a finding is not a secret, ignore its file in mix.exs: ` +
      `package: [secret_scan: [ignore: [${globs.map((g) => JSON.stringify(g)).join(', ')}]]] (globs: * within a directory, ** across)` +
      (withheld === 'published' ? ', or publish with --no-scan.' : '.'),
    findings,
  );
}

/** Docs going up with the package: their directory as the user named it, and the files the docs tarball is made of. */
export interface DocsToScan {
  shownAs: string;
  files: readonly DocsFile[];
}

/**
 * Scans what goes into the tarballs, with the package's ignore globs (docs files named
 * `DIR/…`, so that `doc/**` ignores them); throws on findings.
 */
export function scanPackageFiles(ctx: Context, prepared: PreparedPackage, withheld: Withheld, what: { packageFiles: boolean; docs?: DocsToScan }): void {
  function* files(): Generator<ScanFile> {
    if (what.packageFiles) yield* filesOnDisk(ctx.cwd, prepared.files);
    if (what.docs) yield* docsFilesToScan(what.docs.files, `${what.docs.shownAs.replace(/\/+$/, '')}/`);
  }
  stopOnSecretFindings(ctx, scanForSecrets(files(), { ignore: secretScanIgnores(prepared.metadata) }), withheld);
}

/** --no-scan: said every time, where it cannot be missed. */
export function warnNotScanned(ctx: Context): void {
  ctx.out.warn(ctx.out.style.bold('WARNING: --no-scan: the files are NOT scanned for secrets before they are published.'));
}
