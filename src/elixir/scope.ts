// Where evaluated code runs: its file, its module, the variables and aliases in scope.
import type { Ast, Meta } from './ast.js';
import type { Where } from './errors.js';
import type { Value } from './values.js';

export interface SourceFile {
  /** Absolute path (what __ENV__.file is). */
  path: string;
  /** The directory __DIR__ names. */
  dir: string;
  /** How messages name the file: relative to the project (`mix.exs`). */
  display: string;
}

/** One clause of a def/defp, with what it captured where it was defined. */
export interface Clause {
  params: Ast[];
  guard: Ast | undefined;
  body: Ast;
  file: SourceFile;
  aliases: ReadonlyMap<string, string>;
  imports: readonly string[];
  meta: Meta;
}

export interface FunctionDef {
  module: ModuleState;
  name: string;
  arity: number;
  visibility: 'def' | 'defp' | 'defmacro' | 'defmacrop';
  clauses: Clause[];
}

export class ModuleState {
  readonly attributes = new Map<string, Value>();
  readonly accumulating = new Set<string>();
  readonly functions = new Map<string, FunctionDef>();
  usesMixProject = false;
  /** Set once the module body has finished: only then can its functions be called. */
  compiled = false;
  constructor(
    /** The module atom's name: `Elixir.Foo.MixProject`. */
    readonly name: string,
    readonly file: SourceFile,
    readonly meta: Meta,
  ) {}

  /** `Foo.MixProject`, as messages name it. */
  get display(): string {
    return moduleDisplay(this.name);
  }
}

export const moduleDisplay = (atomName: string): string =>
  atomName.startsWith('Elixir.') ? atomName.slice('Elixir.'.length) : `:${atomName}`;

/** What the code in scope runs in: its file, its module, and whether it is the module body itself. */
export interface Context {
  file: SourceFile;
  module: ModuleState | undefined;
  /** `name/arity` of the function being run, for messages (undefined in a module body or file). */
  fn: string | undefined;
  inModuleBody: boolean;
}

/**
 * Variables, aliases and imports in scope. A block's statements share one Scope (rebinding is
 * seen by what follows); a clause, branch or fn body runs in a child, whose bindings stay there.
 */
export class Scope {
  constructor(
    readonly ctx: Context,
    readonly vars: Map<string, Value> = new Map(),
    readonly aliases: Map<string, string> = new Map(),
    public imports: string[] = [],
  ) {}

  child(): Scope {
    return new Scope(this.ctx, new Map(this.vars), new Map(this.aliases), [...this.imports]);
  }

  /** A fresh scope in another context (a function body) keeping only aliases and imports. */
  static forClause(ctx: Context, clause: Clause): Scope {
    return new Scope(ctx, new Map(), new Map(clause.aliases), [...clause.imports]);
  }

  where(meta: Meta | undefined): Where {
    return { file: this.ctx.file.display, line: meta?.line ?? 0, column: meta?.column || undefined };
  }
}
