// Elixir's regexes (PCRE) for what mix.exs files do with them: keep them as values, match
// file names against exclude_patterns, and the odd Regex.match?/run/replace while loading.
// The pattern is compiled to a small program run by a Pike VM: time is linear in the subject
// times the program size, whatever the pattern (`(a+)+$` included). What cannot run in linear
// time (backreferences, lookaround, possessive and atomic groups, recursion) is refused by name.
// Subjects are matched as code points; captures come back as UTF-8 byte offsets.
import { ErlMap, atom, binary } from '../erlang/term.js';

const MAX_PROGRAM = 20_000;
const MAX_PATTERN = 10_000;

export class RegexSyntaxError extends Error {
  constructor(readonly problem: string, readonly position: number) {
    super(problem);
  }
}

/** A pattern feature outside what the linear-time matcher can run. */
export class RegexUnsupportedError extends Error {}

/** Charged with the matcher's work (thread steps) as it goes; throws to stop a match that takes too long. */
export type RegexBudget = (units: number) => void;

/** The work one match may take when no budget is given (a few tens of milliseconds). */
const DEFAULT_WORK = 20_000_000;

export class RegexLimitError extends Error {
  constructor() {
    super('matching this regex takes more work than hexts allows');
  }
}

function defaultBudget(): RegexBudget {
  let left = DEFAULT_WORK;
  return (units) => {
    left -= units;
    if (left < 0) throw new RegexLimitError();
  };
}

/** An Elixir %Regex{}: a map for the term model (source and opts), plus the compiled program. */
export class ElixirRegex extends ErlMap {
  constructor(
    readonly source: string,
    readonly modifiers: string,
    /** Undefined when the pattern uses what the linear-time matcher cannot run (kept as a value). */
    private readonly program: Program | undefined,
    /** Why it cannot be matched, then. */
    readonly unsupported?: string,
  ) {
    super([
      [atom('__struct__'), atom('Elixir.Regex')],
      [atom('opts'), binary(modifiers)],
      [atom('re_pattern'), atom('compiled')],
      [atom('re_version'), atom('hexts')],
      [atom('source'), binary(source)],
    ]);
  }

  /** Whether the regex matches anywhere in `subject` (Regex.match?/2). */
  test(subject: string | Uint8Array, budget: RegexBudget = defaultBudget()): boolean {
    return run(this.matcher(), toSubject(subject), 0, false, budget) !== undefined;
  }

  private matcher(): Program {
    if (!this.program) throw new RegexUnsupportedError(this.unsupported ?? 'this pattern');
    return this.program;
  }

  /** The first match at or after byte `from`: [start, end] byte offsets per group (-1 when unset). */
  exec(subject: Uint8Array, from = 0, budget: RegexBudget = defaultBudget()): Array<[number, number]> | undefined {
    const s = toSubject(subject);
    const startIndex = s.byteOffsets.findIndex((b) => b >= from);
    if (startIndex < 0) return undefined;
    const program = this.matcher();
    const slots = run(program, s, startIndex, true, budget);
    if (!slots) return undefined;
    const groups: Array<[number, number]> = [];
    for (let g = 0; g < program.groups; g++) {
      const a = slots[2 * g]!;
      const b = slots[2 * g + 1]!;
      groups.push(a < 0 || b < 0 ? [-1, -1] : [s.byteOffsets[a]!, s.byteOffsets[b]!]);
    }
    return groups;
  }

  /** Group names in order of their numbers, for named captures. */
  get names(): Array<string | undefined> {
    return this.matcher().names;
  }
}

interface Subject {
  cps: number[];
  /** byteOffsets[i]: the UTF-8 offset of code point i; one more entry for the end. */
  byteOffsets: number[];
}

function toSubject(input: string | Uint8Array): Subject {
  const str = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const cps: number[] = [];
  const byteOffsets: number[] = [];
  let offset = 0;
  for (const ch of str) {
    const cp = ch.codePointAt(0)!;
    cps.push(cp);
    byteOffsets.push(offset);
    offset += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  byteOffsets.push(offset);
  return { cps, byteOffsets };
}

// ------------------------------------------------------------ syntax tree

type CharTest = (cp: number) => boolean;
type Node =
  | { k: 'char'; test: CharTest }
  | { k: 'seq'; items: Node[] }
  | { k: 'alt'; items: Node[] }
  | { k: 'group'; index: number | undefined; body: Node }
  | { k: 'repeat'; body: Node; min: number; max: number; greedy: boolean }
  | { k: 'assert'; what: Assertion };
type Assertion = 'bol' | 'eol' | 'start' | 'end' | 'endOrFinalNewline' | 'word' | 'notWord';

interface Flags {
  caseless: boolean;
  multiline: boolean;
  dotall: boolean;
  extended: boolean;
  ungreedy: boolean;
  unicode: boolean;
}

const isWordAscii = (cp: number) =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;
const isWordUnicode = (cp: number) => cp === 0x5f || /[\p{L}\p{N}]/u.test(String.fromCodePoint(cp));
const isDigitAscii = (cp: number) => cp >= 0x30 && cp <= 0x39;
const isDigitUnicode = (cp: number) => /\p{Nd}/u.test(String.fromCodePoint(cp));
// PCRE's \s: space, \t \n \v \f \r (and with ucp, Unicode spaces).
const isSpaceAscii = (cp: number) => cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
const isSpaceUnicode = (cp: number) => isSpaceAscii(cp) || /[\p{Z}\u0085]/u.test(String.fromCodePoint(cp));

const POSIX: Record<string, CharTest> = {
  alpha: (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a),
  digit: isDigitAscii,
  alnum: (c) => isDigitAscii(c) || POSIX.alpha!(c),
  upper: (c) => c >= 0x41 && c <= 0x5a,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  space: isSpaceAscii,
  blank: (c) => c === 0x20 || c === 0x09,
  punct: (c) => (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e),
  word: isWordAscii,
  xdigit: (c) => isDigitAscii(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
  cntrl: (c) => c < 0x20 || c === 0x7f,
  print: (c) => c >= 0x20 && c <= 0x7e,
  graph: (c) => c > 0x20 && c <= 0x7e,
};

function foldCase(cp: number): number {
  const s = String.fromCodePoint(cp);
  const lower = s.toLowerCase();
  return Array.from(lower).length === 1 ? lower.codePointAt(0)! : cp;
}

class Parser {
  private i = 0;
  groups = 1;
  names: Array<string | undefined> = [undefined];
  private readonly cps: number[];

  constructor(
    source: string,
    private flags: Flags,
  ) {
    this.cps = Array.from(source, (c) => c.codePointAt(0)!);
  }

  parse(): Node {
    const node = this.alternation();
    if (this.i < this.cps.length) throw new RegexSyntaxError('unmatched closing parenthesis', this.i);
    return node;
  }

  private peek(offset = 0): number | undefined {
    return this.cps[this.i + offset];
  }

  private ch(offset = 0): string {
    const cp = this.peek(offset);
    return cp === undefined ? '' : String.fromCodePoint(cp);
  }

  private alternation(): Node {
    const items = [this.sequence()];
    while (this.ch() === '|') {
      this.i++;
      items.push(this.sequence());
    }
    return items.length === 1 ? items[0]! : { k: 'alt', items };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.cps.length && this.ch() !== '|' && this.ch() !== ')') {
      if (this.skipExtended()) continue;
      const atom = this.atom();
      if (!atom) continue;
      // A quantifier after \Q…\E applies to its last character only.
      if (atom.k === 'seq' && atom.items.length > 1) {
        items.push(...atom.items.slice(0, -1));
        items.push(this.quantified(atom.items[atom.items.length - 1]!));
      } else items.push(this.quantified(atom));
    }
    return { k: 'seq', items };
  }

  /** With the x flag, whitespace and # comments outside classes are ignored. */
  private skipExtended(): boolean {
    if (!this.flags.extended) return false;
    const c = this.ch();
    if (/\s/.test(c)) {
      this.i++;
      return true;
    }
    if (c === '#') {
      while (this.i < this.cps.length && this.ch() !== '\n') this.i++;
      return true;
    }
    return false;
  }

  private quantified(atom: Node): Node {
    for (;;) {
      while (this.skipExtended());
      const c = this.ch();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.rest(12));
        if (!m || (m[1] === '' && (m[2] === undefined || m[3] === ''))) return atom; // a literal {
        min = m[1] === '' ? 0 : Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) throw new RegexSyntaxError('numbers out of order in {} quantifier', this.i);
        if (min > 1000 || (max !== Infinity && max > 1000)) throw new RegexUnsupportedError('a counted repetition above 1000');
        this.i += m[0].length - 1;
      } else return atom;
      this.i++;
      if (atom.k === 'assert') throw new RegexSyntaxError('quantifier does not follow a repeatable item', this.i - 1);
      let greedy = !this.flags.ungreedy;
      if (this.ch() === '?') {
        greedy = !greedy;
        this.i++;
      } else if (this.ch() === '+') {
        throw new RegexUnsupportedError('a possessive quantifier');
      }
      atom = { k: 'repeat', body: atom, min, max, greedy };
    }
  }

  private rest(n: number): string {
    return this.cps.slice(this.i, this.i + n).map((c) => String.fromCodePoint(c)).join('');
  }

  private atom(): Node | undefined {
    const c = this.ch();
    this.i++;
    switch (c) {
      case '.': {
        const dotall = this.flags.dotall;
        return { k: 'char', test: dotall ? () => true : (cp) => cp !== 0x0a };
      }
      case '^':
        return { k: 'assert', what: this.flags.multiline ? 'bol' : 'start' };
      case '$':
        return { k: 'assert', what: this.flags.multiline ? 'eol' : 'endOrFinalNewline' };
      case '(':
        return this.group();
      case '[':
        return { k: 'char', test: this.charClass() };
      case '\\': {
        const e = this.escape(false);
        if (typeof e === 'number') return this.literal(e);
        return typeof e === 'function' ? { k: 'char', test: e } : e;
      }
      case '*': case '+': case '?':
        throw new RegexSyntaxError('quantifier does not follow a repeatable item', this.i - 1);
      default:
        return this.literal(c.codePointAt(0)!);
    }
  }

  private literal(cp: number): Node {
    if (this.flags.caseless) {
      const folded = foldCase(cp);
      return { k: 'char', test: (x) => x === cp || foldCase(x) === folded };
    }
    return { k: 'char', test: (x) => x === cp };
  }

  private group(): Node | undefined {
    if (this.ch() === '*') throw new RegexUnsupportedError('a backtracking control verb (*…)');
    if (this.ch() !== '?') return this.capture(undefined);
    const head = this.rest(4);
    if (head.startsWith('?:')) {
      this.i += 2;
      return this.closeGroup({ k: 'group', index: undefined, body: this.scoped(() => this.alternation()) });
    }
    const named = /^\?(?:P?<|')([A-Za-z_]\w*)[>']/.exec(this.rest(40));
    if (named) {
      this.i += named[0].length;
      return this.capture(named[1]);
    }
    if (/^\?(=|!|<=|<!)/.test(head)) throw new RegexUnsupportedError('a lookahead or lookbehind assertion');
    if (head.startsWith('?>')) throw new RegexUnsupportedError('an atomic group');
    if (head.startsWith('?#')) {
      while (this.i < this.cps.length && this.ch() !== ')') this.i++;
      this.i++;
      return undefined;
    }
    const inline = /^\?([imsxU]*)(?:-([imsxU]*))?(\)|:)/.exec(this.rest(20));
    if (inline) {
      this.i += inline[0].length;
      const saved = { ...this.flags };
      const set = (letters: string, on: boolean) => {
        for (const l of letters) {
          if (l === 'i') this.flags.caseless = on;
          if (l === 'm') this.flags.multiline = on;
          if (l === 's') this.flags.dotall = on;
          if (l === 'x') this.flags.extended = on;
          if (l === 'U') this.flags.ungreedy = on;
        }
      };
      set(inline[1] ?? '', true);
      set(inline[2] ?? '', false);
      if (inline[3] === ')') return undefined; // applies to the rest of the enclosing group
      const body = this.alternation();
      this.flags = saved;
      return this.closeGroup({ k: 'group', index: undefined, body });
    }
    throw new RegexUnsupportedError(`the group syntax (${head}`);
  }

  private capture(name: string | undefined): Node {
    const index = this.groups++;
    this.names[index] = name;
    return this.closeGroup({ k: 'group', index, body: this.scoped(() => this.alternation()) });
  }

  /** Inline options such as (?i) last until the end of the group they appear in. */
  private scoped<T>(f: () => T): T {
    const saved = { ...this.flags };
    try {
      return f();
    } finally {
      this.flags = saved;
    }
  }

  private closeGroup(node: Node): Node {
    if (this.ch() !== ')') throw new RegexSyntaxError('missing closing parenthesis', this.i);
    this.i++;
    return node;
  }

  /** After a backslash: a class (\\d), an assertion or group-like escape (\\b, \\Q), or one code point. */
  private escape(inClass: boolean): Node | CharTest | number {
    const c = this.ch();
    this.i++;
    if (c === '') throw new RegexSyntaxError('\\ at end of pattern', this.i - 1);
    const unicode = this.flags.unicode;
    switch (c) {
      case 'd': return unicode ? isDigitUnicode : isDigitAscii;
      case 'D': return unicode ? (x) => !isDigitUnicode(x) : (x) => !isDigitAscii(x);
      case 'w': return unicode ? isWordUnicode : isWordAscii;
      case 'W': return unicode ? (x) => !isWordUnicode(x) : (x) => !isWordAscii(x);
      case 's': return unicode ? isSpaceUnicode : isSpaceAscii;
      case 'S': return unicode ? (x) => !isSpaceUnicode(x) : (x) => !isSpaceAscii(x);
      case 'h': return (x) => x === 0x09 || x === 0x20 || x === 0xa0 || (x >= 0x2000 && x <= 0x200a) || x === 0x3000 || x === 0x1680 || x === 0x180e || x === 0x202f || x === 0x205f;
      case 'v': if (!inClass) return (x) => (x >= 0x0a && x <= 0x0d) || x === 0x85 || x === 0x2028 || x === 0x2029; break;
    }
    if (!inClass) {
      if (c === 'b') return { k: 'assert', what: 'word' };
      if (c === 'B') return { k: 'assert', what: 'notWord' };
      if (c === 'A') return { k: 'assert', what: 'start' };
      if (c === 'z') return { k: 'assert', what: 'end' };
      if (c === 'Z') return { k: 'assert', what: 'endOrFinalNewline' };
      if (c === 'G') throw new RegexUnsupportedError('\\G');
      if (/[1-9]/.test(c) || c === 'g' || c === 'k') throw new RegexUnsupportedError('a backreference');
      if (c === 'Q') return this.quoted();
      if (c === 'E') return { k: 'seq', items: [] };
    }
    if (c === 'p' || c === 'P') {
      const m = /^(?:\{(\^?)(\w+)\}|(\w))/.exec(this.rest(40));
      if (!m) throw new RegexSyntaxError('malformed \\p', this.i);
      this.i += m[0].length;
      const negate = (c === 'P') !== (m[1] === '^');
      let re: RegExp;
      try {
        re = new RegExp(`\\p{${m[2] ?? m[3]}}`, 'u');
      } catch {
        throw new RegexSyntaxError(`unknown property name after \\${c}`, this.i);
      }
      return (x) => re.test(String.fromCodePoint(x)) !== negate;
    }
    return this.characterEscape(c);
  }

  private characterEscape(c: string): number {
    const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, f: 0x0c, e: 0x1b, a: 0x07, b: 0x08, v: 0x0b };
    if (c in simple) return simple[c]!;
    if (c === 'x') {
      const braced = /^\{([0-9a-fA-F]{1,8})\}/.exec(this.rest(10));
      if (braced) {
        this.i += braced[0].length;
        const cp = parseInt(braced[1]!, 16);
        if (cp > 0x10ffff) throw new RegexSyntaxError('character code point value in \\x{} is too large', this.i);
        return cp;
      }
      const plain = /^[0-9a-fA-F]{1,2}/.exec(this.rest(2));
      if (plain) this.i += plain[0].length;
      return plain ? parseInt(plain[0], 16) : 0;
    }
    if (c === '0') {
      const octal = /^[0-7]{0,2}/.exec(this.rest(2))![0];
      this.i += octal.length;
      return parseInt('0' + octal, 8);
    }
    if (c === 'c') {
      const next = this.ch();
      this.i++;
      return next.toUpperCase().charCodeAt(0) ^ 0x40;
    }
    if (/[A-Za-z0-9]/.test(c)) throw new RegexSyntaxError(`unrecognized character follows \\: ${c}`, this.i - 1);
    return c.codePointAt(0)!;
  }

  private quoted(): Node {
    const items: Node[] = [];
    while (this.i < this.cps.length && !(this.ch() === '\\' && this.ch(1) === 'E')) {
      items.push(this.literal(this.peek()!));
      this.i++;
    }
    if (this.i < this.cps.length) this.i += 2;
    return { k: 'seq', items };
  }

  private charClass(): CharTest {
    const negate = this.ch() === '^';
    if (negate) this.i++;
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      if (this.i >= this.cps.length) throw new RegexSyntaxError('missing terminating ] for character class', this.i);
      const c = this.ch();
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && this.ch(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.rest(12));
        if (m) {
          const posix = POSIX[m[2]!];
          if (!posix) throw new RegexSyntaxError('unknown POSIX class name', this.i);
          this.i += m[0].length;
          tests.push(m[1] ? (x) => !posix(x) : posix);
          continue;
        }
      }
      let low: number | undefined;
      this.i++;
      if (c === '\\') {
        const escaped = this.escape(true);
        if (typeof escaped !== 'number') {
          tests.push(escaped as CharTest);
          continue;
        }
        low = escaped;
      } else {
        low = c.codePointAt(0)!;
      }
      if (this.ch() === '-' && this.ch(1) !== ']' && this.ch(1) !== '') {
        this.i++;
        let high: number;
        const hc = this.ch();
        this.i++;
        if (hc === '\\') {
          const escaped = this.escape(true);
          if (typeof escaped !== 'number') throw new RegexSyntaxError('invalid range in character class', this.i);
          high = escaped;
        } else high = hc.codePointAt(0)!;
        if (high < low) throw new RegexSyntaxError('range out of order in character class', this.i);
        const lo = low;
        tests.push(this.flags.caseless ? (x) => inRangeCaseless(x, lo, high) : (x) => x >= lo && x <= high);
      } else {
        const v = low;
        tests.push(this.flags.caseless ? (x) => foldCase(x) === foldCase(v) : (x) => x === v);
      }
    }
    return negate ? (x) => !tests.some((t) => t(x)) : (x) => tests.some((t) => t(x));
  }
}

function inRangeCaseless(x: number, lo: number, hi: number): boolean {
  if (x >= lo && x <= hi) return true;
  const lower = foldCase(x);
  const upper = String.fromCodePoint(x).toUpperCase();
  const up = Array.from(upper).length === 1 ? upper.codePointAt(0)! : x;
  return (lower >= lo && lower <= hi) || (up >= lo && up <= hi);
}

// ------------------------------------------------------------ program

type Inst =
  | { op: 'char'; test: CharTest }
  | { op: 'split'; x: number; y: number } // x has priority
  | { op: 'jmp'; to: number }
  | { op: 'save'; slot: number }
  | { op: 'assert'; what: Assertion }
  | { op: 'match' };

export interface Program {
  insts: Inst[];
  groups: number;
  names: Array<string | undefined>;
  firstLine: boolean;
  /** The u modifier: \\b and \\w by Unicode properties. */
  unicode: boolean;
}

function compileNode(node: Node, out: Inst[]): void {
  if (out.length > MAX_PROGRAM) throw new RegexUnsupportedError('a pattern this large');
  switch (node.k) {
    case 'char':
      out.push({ op: 'char', test: node.test });
      return;
    case 'assert':
      out.push({ op: 'assert', what: node.what });
      return;
    case 'seq':
      for (const item of node.items) compileNode(item, out);
      return;
    case 'group':
      if (node.index !== undefined) out.push({ op: 'save', slot: 2 * node.index });
      compileNode(node.body, out);
      if (node.index !== undefined) out.push({ op: 'save', slot: 2 * node.index + 1 });
      return;
    case 'alt': {
      const jumps: Array<{ op: 'jmp'; to: number }> = [];
      node.items.forEach((item, i) => {
        if (i < node.items.length - 1) {
          const split: Inst = { op: 'split', x: out.length + 1, y: 0 };
          out.push(split);
          compileNode(item, out);
          const jmp = { op: 'jmp' as const, to: 0 };
          out.push(jmp);
          jumps.push(jmp);
          split.y = out.length;
        } else compileNode(item, out);
      });
      for (const j of jumps) j.to = out.length;
      return;
    }
    case 'repeat': {
      const { body, min, max, greedy } = node;
      for (let i = 0; i < min; i++) compileNode(body, out);
      if (max === Infinity) {
        const split: Inst = { op: 'split', x: 0, y: 0 };
        const at = out.length;
        out.push(split);
        compileNode(body, out);
        out.push({ op: 'jmp', to: at });
        const [body0, after] = [at + 1, out.length];
        [split.x, split.y] = greedy ? [body0, after] : [after, body0];
        return;
      }
      const splits: Inst[] = [];
      for (let i = min; i < max; i++) {
        const split: Inst = { op: 'split', x: 0, y: 0 };
        splits.push(split);
        out.push(split);
        (split as { x: number }).x = out.length;
        compileNode(body, out);
      }
      for (const split of splits as Array<{ op: 'split'; x: number; y: number }>) {
        const [body0, after] = [split.x, out.length];
        [split.x, split.y] = greedy ? [body0, after] : [after, body0];
      }
      return;
    }
  }
}

const MODIFIERS = new Set(['i', 'm', 's', 'u', 'x', 'f', 'U', 'o', 'E']);

/**
 * Compiles an Elixir regex source with its modifiers (`~r/src/imsux`). Throws RegexSyntaxError
 * where PCRE would refuse the pattern; what PCRE accepts but cannot be matched in linear time
 * gives a regex that refuses to match (RegexUnsupportedError).
 */
export function compileRegex(source: string, modifiers: string): ElixirRegex {
  for (const m of modifiers) if (!MODIFIERS.has(m)) throw new RegexSyntaxError(`unknown modifier ${m}`, 0);
  if (source.length > MAX_PATTERN) throw new RegexUnsupportedError('a pattern this large');
  const flags: Flags = {
    caseless: modifiers.includes('i'),
    multiline: modifiers.includes('m'),
    dotall: modifiers.includes('s'),
    extended: modifiers.includes('x'),
    ungreedy: modifiers.includes('U'),
    unicode: modifiers.includes('u'),
  };
  try {
    const parser = new Parser(source, flags);
    const tree = parser.parse();
    const insts: Inst[] = [{ op: 'save', slot: 0 }];
    compileNode(tree, insts);
    insts.push({ op: 'save', slot: 1 }, { op: 'match' });
    const program: Program = { insts, groups: parser.groups, names: parser.names, firstLine: modifiers.includes('f'), unicode: flags.unicode };
    return new ElixirRegex(source, modifiers, program);
  } catch (e) {
    // A regex kept as a value is fine; matching with it is refused then.
    if (e instanceof RegexUnsupportedError) return new ElixirRegex(source, modifiers, undefined, e.message);
    throw e;
  }
}

// ------------------------------------------------------------ Pike VM

interface Thread {
  pc: number;
  slots: number[];
}

function assertionHolds(what: Assertion, s: Subject, i: number, unicode: boolean): boolean {
  const { cps } = s;
  switch (what) {
    case 'start': return i === 0;
    case 'end': return i === cps.length;
    case 'endOrFinalNewline': return i === cps.length || (i === cps.length - 1 && cps[i] === 0x0a);
    case 'bol': return i === 0 || cps[i - 1] === 0x0a;
    case 'eol': return i === cps.length || cps[i] === 0x0a;
    case 'word':
    case 'notWord': {
      const isWord = unicode ? isWordUnicode : isWordAscii;
      const before = i > 0 && isWord(cps[i - 1]!);
      const after = i < cps.length && isWord(cps[i]!);
      return (before !== after) === (what === 'word');
    }
  }
}

/** Leftmost-first match from code point `start` on; the capture slots of the match, or undefined. */
function run(program: Program, s: Subject, start: number, wantSlots: boolean, budget: RegexBudget): number[] | undefined {
  const { insts } = program;
  let work = 0;
  const charge = () => {
    if (++work === 10_000) {
      budget(work);
      work = 0;
    }
  };
  const nslots = wantSlots ? program.groups * 2 : 2;
  const unicode = program.unicode;
  let limit = s.cps.length;
  if (program.firstLine) {
    const nl = s.cps.indexOf(0x0a);
    if (nl >= 0) limit = nl;
  }
  let clist: Thread[] = [];
  let nlist: Thread[] = [];
  let matched: number[] | undefined;
  const onList = new Int32Array(insts.length).fill(-1);
  let generation = 0;

  const add = (list: Thread[], pc: number, slots: number[], i: number): void => {
    // An explicit stack keeps deep epsilon chains off the JavaScript stack.
    const stack: Array<{ pc: number; slots: number[] }> = [{ pc, slots }];
    while (stack.length > 0) {
      charge();
      const { pc: p, slots: sl } = stack.pop()!;
      if (onList[p] === generation) continue;
      onList[p] = generation;
      const inst = insts[p]!;
      switch (inst.op) {
        case 'jmp':
          stack.push({ pc: inst.to, slots: sl });
          break;
        case 'split':
          stack.push({ pc: inst.y, slots: sl }, { pc: inst.x, slots: sl });
          break;
        case 'save': {
          if (inst.slot < nslots) {
            const copy = sl.slice();
            copy[inst.slot] = i;
            stack.push({ pc: p + 1, slots: copy });
          } else stack.push({ pc: p + 1, slots: sl });
          break;
        }
        case 'assert':
          if (assertionHolds(inst.what, s, i, unicode)) stack.push({ pc: p + 1, slots: sl });
          break;
        default:
          list.push({ pc: p, slots: sl });
      }
    }
  };

  const empty = new Array<number>(nslots).fill(-1);
  for (let i = start; i <= limit; i++) {
    if (!matched) {
      generation++;
      // A new thread at each position, behind the ones already running (lower priority).
      const seeded = clist;
      clist = [];
      for (const t of seeded) clist.push(t);
      addSeed(clist, i);
    }
    if (clist.length === 0) {
      if (matched) break;
      continue;
    }
    generation++;
    nlist = [];
    const cp = i < limit ? s.cps[i] : undefined;
    for (const t of clist) {
      charge();
      const inst = insts[t.pc]!;
      if (inst.op === 'match') {
        matched = t.slots;
        break; // lower-priority threads are cut off
      }
      if (inst.op === 'char' && cp !== undefined && inst.test(cp)) add(nlist, t.pc + 1, t.slots, i + 1);
    }
    clist = nlist;
  }
  return matched;

  function addSeed(list: Thread[], i: number) {
    // Re-mark the threads already present so the seed does not duplicate them.
    for (const t of list) onList[t.pc] = generation;
    add(list, 0, empty, i);
  }
}
