// What the standard library table sees of the evaluation: the stated toolchain, the
// environment, the project's files, and a way to call back into evaluated code.
import type { Value } from './values.js';

/** The toolchain and environment mix.exs is evaluated against (see `hexts build --help`). */
export interface Assumptions {
  /** System.version(): `1.14.0`. */
  elixirVersion: string;
  /** System.otp_release(): `25`. */
  otpRelease: string;
  /** Mix.env(): `dev` unless MIX_ENV says otherwise. */
  mixEnv: string;
  /** Mix.target(): `host` unless MIX_TARGET says otherwise. */
  mixTarget: string;
}

/** The project's files, as the evaluator may see them: reads stay inside the project. */
export interface ProjectFiles {
  /** A regular file's bytes; throws FileAccessError (with a POSIX reason) otherwise. */
  read(path: string): Buffer;
  /** What is at the path (symlinks followed), or undefined when nothing is. */
  stat(path: string): 'file' | 'directory' | 'other' | undefined;
  /** The names in a directory; throws FileAccessError when it cannot be listed. */
  list(path: string): string[];
  /** Whether the path is inside the project (only those are read). */
  inside(path: string): boolean;
}

export class FileAccessError extends Error {
  constructor(readonly reason: 'enoent' | 'eisdir' | 'eacces' | 'efbig' | 'enotdir' | 'eio' | 'special') {
    super(reason);
  }
}

export interface Runtime {
  readonly assumptions: Assumptions;
  readonly files: ProjectFiles;
  /** The directory relative paths are resolved against (mix runs in the project directory). */
  readonly cwd: string;
  /** An environment variable as mix.exs may see it: hexts's own secrets read as unset. */
  getEnv(name: string): string | undefined;
  /** Every visible environment variable. */
  allEnv(): Array<[string, string]>;
  /** Calls a function value; raises BadFunctionError/BadArityError like Elixir. */
  apply(fun: Value, args: Value[]): Value;
  /** Calls Module.function/arity (apply/3); `module` is the atom's name (`Elixir.String`). */
  applyRemote(module: string, name: string, args: Value[]): Value;
  /** Charges work done by a library function against the evaluation's budget. */
  tick(units?: number): void;
  /** Records an answer taken from the stated toolchain or environment, for --verbose. */
  assume(note: string): void;
  /** Text the code printed (IO.puts, IO.warn). */
  print(stream: 'stdout' | 'stderr', text: string): void;
  /** Code.require_file / compile_file / eval_file of another file of the project. */
  evalFile(path: string, how: 'require' | 'compile' | 'eval'): Value;
  /** Code.string_to_quoted/2: source as quoted values; throws the parser's ElixirSyntaxError. */
  stringToQuoted(source: string, columns: boolean): Value;
  /** Code.eval_quoted/2: evaluates quoted values with a binding; returns {value, binding}. */
  evalQuoted(quoted: Value, binding: Value): Value;
  /** Whether a module of that atom name exists (defined in evaluated code, or part of Elixir/OTP). */
  moduleLoaded(module: string): boolean;
  /**
   * function_exported?/3: for modules defined in evaluated code and functions of the model;
   * refuses (OutsideModelError) for other functions of Elixir/OTP, whose answer it cannot know.
   */
  functionExported(module: string, name: string, arity: number): boolean;
  /** Module.register_attribute/3, get_attribute/2, put_attribute/3 on a module whose body is running. */
  moduleAttribute(module: string, op: 'register' | 'get' | 'put', name: string, value: Value): Value;
  /** Refuses a binary or list larger than the evaluation allows. */
  checkSize(kind: 'binary' | 'list', size: number): void;
}
