import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Atom } from '../../src/erlang/term.js';
import { astToJson, isNode, type Ast, type AstJson } from '../../src/elixir/ast.js';
import { ElixirSyntaxError } from '../../src/elixir/error.js';
import { parseElixir } from '../../src/elixir/parser.js';
import { MAX_NESTING } from '../../src/elixir/tokenizer.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'elixir');
const read = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

function errorOf(source: string): ElixirSyntaxError {
  try {
    parseElixir(source, 'mix.exs');
  } catch (e) {
    if (e instanceof ElixirSyntaxError) return e;
    throw e;
  }
  assert.fail(`expected a syntax error for ${JSON.stringify(source)}`);
}

describe('the quoted form of each fixture equals what Elixir 1.14 makes of it', () => {
  const sources = readdirSync(FIXTURES).filter((f) => f.startsWith('parse-') && f.endsWith('.exs'));
  assert.ok(sources.length >= 15, 'the fixtures are there');
  for (const file of sources) {
    test(file, () => {
      const expected = JSON.parse(read(file.replace(/\.exs$/, '.quoted.json'))) as AstJson;
      assert.deepStrictEqual(astToJson(parseElixir(read(file), file)), expected);
    });
  }
});

describe('syntax errors: where Elixir 1.14 reports them, in its words', () => {
  // parse-errors.errors.json is Elixir's verdict on each snippet (dump-errors.exs).
  const snippets = read('parse-errors.txt').split('\n# ---\n');
  const verdicts = JSON.parse(read('parse-errors.errors.json')) as Array<{ line: number; column: number; message: string } | { parsed: true }>;
  assert.equal(snippets.length, verdicts.length);
  snippets.forEach((source, i) => {
    const verdict = verdicts[i]!;
    test(JSON.stringify(source.length > 60 ? `${source.slice(0, 60)}…` : source), () => {
      if ('parsed' in verdict) {
        parseElixir(source);
        return;
      }
      const error = errorOf(source);
      assert.deepEqual([error.line, error.column], [verdict.line, verdict.column], error.message);
      // Elixir's longer messages go on with examples on further lines; its first sentence is ours.
      const firstSentence = verdict.message.split(/(?<=\.) /)[0]!.replace(/:$/, '');
      assert.ok(error.description.startsWith(firstSentence), `${error.description}\ndoes not start with\n${firstSentence}`);
      assert.equal(error.message, `mix.exs:${verdict.line}:${verdict.column}: ${error.description}`);
      assert.ok(!error.description.includes('\n'), 'one line');
    });
  });

  test('an incomplete file is a TokenMissingError, as Elixir names it; a misplaced token a SyntaxError', () => {
    assert.equal(errorOf('deps = [').kind, 'TokenMissingError');
    assert.equal(errorOf('x = ').kind, 'TokenMissingError');
    assert.equal(errorOf('x = )').kind, 'SyntaxError');
  });
});

describe('what the parser returns for files that hold nothing', () => {
  test('an empty file, or one of comments only, is an empty block', () => {
    for (const source of ['', '# only a comment', '   ']) {
      const ast = parseElixir(source);
      assert.ok(isNode(ast) && ast.form === Atom.of('__block__') && Array.isArray(ast.args) && ast.args.length === 0);
    }
  });
});

describe('safe on hostile input', () => {
  test('a 1 MB string literal is read whole', () => {
    const text = 'd'.repeat(1_000_000);
    assert.equal(parseElixir(`"${text}"`), text);
    assert.equal(parseElixir(`"""\n${`  ${text}\n`}  """`), `${text}\n`);
  });

  test('long strings of multi-byte characters and escapes keep their exact value', () => {
    const text = 'é日👍🏽e\u0301'.repeat(50_000);
    assert.equal(parseElixir(`"${text}"`), text);
    assert.equal(parseElixir(`"${'\\n\\u00e9'.repeat(100_000)}"`), '\né'.repeat(100_000));
  });

  const nestings: Array<[string, string, string]> = [
    ['lists', '[', ']'], ['parentheses', '(', ')'], ['tuples', '{', '}'], ['maps', '%{a: ', '}'], ['calls', 'f(', ')'],
    ['fn', 'fn -> ', ' end'], ['do-blocks', 'if x do ', ' end'], ['case clauses', 'case x do y -> ', ' end'],
    ['interpolations', '"#{', '}"'], ['sigil interpolations', '~s(#{', '})'], ['prefix operators', '- ', ''],
    ['attributes', '@', ''], ['captures', '& ', ''], ['calls without parentheses', 'f ', ''], ['dots', '', '.a'],
    ['accesses', '', '[1]'], ['right-associative operators', 'a <> ', ''], ['pipes', '', ' |> f'],
    ['structs', '%A{a: ', '}'], ['bitstrings', '<< ', ' >>'],
  ];
  for (const [what, open, close] of nestings) {
    test(`${what} nested 100,000 deep are refused with a message, not a stack overflow`, () => {
      const error = errorOf(open.repeat(100_000) + 'x' + close.repeat(100_000));
      assert.match(error.description, new RegExp(`nested more than ${MAX_NESTING} levels deep`));
    });
  }

  test('nesting short of the limit parses', () => {
    const depth = MAX_NESTING - 1;
    let ast: Ast = parseElixir('['.repeat(depth) + '1' + ']'.repeat(depth));
    for (let i = 0; i < depth; i++) ast = (ast as Ast[])[0]!;
    assert.equal(ast, 1);
    // A do-block is two levels: the call, and the block's expressions.
    const blocks = Math.floor(MAX_NESTING / 2) - 1;
    parseElixir('if x do '.repeat(blocks) + ':ok' + ' end'.repeat(blocks));
    parseElixir('"#{'.repeat(depth) + 'x' + '}"'.repeat(depth));
  });

  test('escapes that are not UTF-8 text are refused with a message (hexts reads strings as text)', () => {
    const error = errorOf('description = "caf\\xE9"');
    assert.match(error.description, /\\xE9 are not UTF-8 text/);
    assert.equal(parseElixir('"caf\\xC3\\xA9"'), 'café');
  });
});
