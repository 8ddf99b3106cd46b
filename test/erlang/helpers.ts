import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { prettyPrint } from '../../src/erlang/pretty.js';
import { termEquals, type Term } from '../../src/erlang/term.js';

export const fixtureDir = new URL('../fixtures/erlang/', import.meta.url);

export function readFixture(name: string): Buffer {
  return readFileSync(new URL(name, fixtureDir));
}

export function fixtureFiles(dir: string): string[] {
  return readdirSync(new URL(dir, fixtureDir)).sort().map((f) => `${dir}${f}`);
}

// Failure messages show both terms the way Erlang would print them.
export function assertTermEqual(actual: Term, expected: Term, message = ''): void {
  if (!termEquals(actual, expected)) {
    assert.fail(`${message}\nactual:   ${prettyPrint(actual)}\nexpected: ${prettyPrint(expected)}`);
  }
}

/** Erlang's own outputs for random terms (see fixtures/erlang/oracle/README.md). */
export const oracleCases: Array<{ etf: string; utf8: string; latin1: string }> =
  JSON.parse(readFixture('pretty-oracle.json').toString('utf8'));

/** Every application/vnd.hex+erlang body of the reference traces. */
export const traceBodies: Array<{ source: string; direction: 'request' | 'response'; base64: string; json: unknown; printed: string }> =
  JSON.parse(readFixture('etf-bodies.json').toString('utf8'));
