// Fixture projects of our own, each shaped like real mix.exs files, evaluated by hexts and by
// real Elixir 1.14.0 (the expected file): project/0's value, or the exception, must be the same.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateFixture, expectedOf, projectNames } from './helpers.js';

describe('fixture projects evaluate as Elixir evaluates them', () => {
  for (const name of projectNames()) {
    test(name, () => {
      assert.equal(evaluateFixture(name), expectedOf(name));
    });
  }
});
