// `hexts audit --format sarif`: the findings as a SARIF 2.1.0 log (OASIS), the format code
// scanning services take (GitHub's upload-sarif among them). Each finding points at the line of
// its package in mix.lock; one rule per advisory (its OSV page as help) and one for retired
// releases; GitHub reads a rule's `security-severity` (the CVSS score) to rank it. Ignored
// findings are kept, marked as suppressed where the project says so.
import { VERSION } from '../version.js';
import type { AdvisoryFinding, AuditFindings, RetiredFinding } from './audit.js';

const RETIRED_RULE = 'hex-retired-release';

type Level = 'error' | 'warning' | 'note';

/** CRITICAL and HIGH fail a build, as the advisories' own ratings say; an unrated one is a warning. */
function advisoryLevel(severity: string | undefined): Level {
  if (severity === 'CRITICAL' || severity === 'HIGH') return 'error';
  if (severity === 'LOW' || severity === 'NONE') return 'note';
  return 'warning';
}

/** `lockUri`: mix.lock's path relative to the root the upload is for (the project), with / separators. */
export function sarifLog(findings: AuditFindings, lockUri: string): object {
  const rules: object[] = [];
  const ruleIndex = new Map<string, number>();
  const rule = (id: string, make: () => object): number => {
    let index = ruleIndex.get(id);
    if (index === undefined) {
      index = rules.push(make()) - 1;
      ruleIndex.set(id, index);
    }
    return index;
  };
  const location = (line: number) => [{ physicalLocation: { artifactLocation: { uri: lockUri }, region: { startLine: line } } }];
  const suppressed = (ignored: boolean, why: string) => (ignored ? { suppressions: [{ kind: 'external', justification: why }] } : {});

  const retiredResult = (f: RetiredFinding, ignored: boolean) => ({
    ruleId: RETIRED_RULE,
    ruleIndex: rule(RETIRED_RULE, () => ({
      id: RETIRED_RULE,
      name: 'RetiredRelease',
      shortDescription: { text: 'A locked release was retired by its maintainers' },
      fullDescription: { text: 'Retired releases are no longer recommended by their maintainers: update the dependency (mix deps.update NAME).' },
      defaultConfiguration: { level: 'warning' },
      properties: { tags: ['dependencies', 'hex'] },
    })),
    level: f.reason === 'security' ? 'error' : 'warning',
    message: { text: `${f.package} ${f.version} is retired: ${f.text}` },
    locations: location(f.line),
    properties: { package: f.package, version: f.version, repository: f.repo, reason: f.reason },
    ...suppressed(ignored, 'ignore_retirements'),
  });

  const advisoryResult = (f: AdvisoryFinding, ignored: boolean) => {
    const { advisory } = f;
    const aka = advisory.aliases.length ? ` (aka ${advisory.aliases.map((a) => a.id).join(', ')})` : '';
    return {
      ruleId: advisory.id,
      ruleIndex: rule(advisory.id, () => ({
        id: advisory.id,
        shortDescription: { text: advisory.summary },
        helpUri: advisory.url,
        help: { text: `${advisory.summary}\n${advisory.url}` },
        defaultConfiguration: { level: advisoryLevel(advisory.severity) },
        properties: {
          tags: ['security', 'dependencies', 'hex'],
          ...(advisory.cvssScore !== undefined ? { 'security-severity': advisory.cvssScore.toFixed(1) } : {}),
        },
      })),
      level: advisoryLevel(advisory.severity),
      message: { text: `${f.package} ${f.version} is affected by ${advisory.id}${aka}: ${advisory.summary}` },
      locations: location(f.line),
      properties: { package: f.package, version: f.version, repository: f.repo, ...(advisory.severity ? { severity: advisory.severity } : {}) },
      ...suppressed(ignored, 'ignore_advisories'),
    };
  };

  const results = [
    ...findings.retired.map((f) => retiredResult(f, false)),
    ...findings.advisories.map((f) => advisoryResult(f, false)),
    ...findings.ignoredRetired.map((f) => retiredResult(f, true)),
    ...findings.ignoredAdvisories.map((f) => advisoryResult(f, true)),
  ];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'hexts audit', version: VERSION, rules } }, results }],
  };
}
