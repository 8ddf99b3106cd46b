// System, Mix, Code, Version, Application, IO, Exception and the Erlang modules mix.exs files
// call. Answers that depend on the toolchain come from the stated assumptions (and are
// recorded for --verbose); anything that would run a program, reach the network or change
// the machine is refused by name.
import { availableParallelism } from 'node:os';
import { Atom, ErlMap, Tuple, atom } from '../../erlang/term.js';
import { TermSyntaxError, parseTerms } from '../../erlang/text.js';
import {
  compareVersions, matches, parseRequirement, parseVersion, type RequirementVersion, type Version,
} from '../../repository/requirement.js';
import { ElixirSyntaxError } from '../error.js';
import { ElixirException, OutsideModelError, argumentError } from '../errors.js';
import { inspect } from '../inspect.js';
import { ELIXIR_ADDED, ELIXIR_MODULES, OTP_ADDED, OTP_MODULES } from '../modules.js';
import { FileAccessError, type Runtime } from '../runtime.js';
import { FALSE, NIL, TRUE, bool, isBinary, isKeyword, makeMap, mapGet, structName, type Value } from '../values.js';
import { accessGet } from './enum.js';
import { listToString, toStringChars, versionText } from './kernel.js';
import { atomArg, binArg, define, need, strArg, type StdFn } from './table.js';

const out = (s: string) => Buffer.from(s, 'utf8');
const charlist = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!);
const refuse = (fn: string, why: string, hint?: string): StdFn => () => {
  throw new OutsideModelError(`${fn}: ${why}`, hint);
};
const RUNS_PROGRAM = 'it runs a program, and hexts never runs programs while reading mix.exs';
const PROGRAM_HINT = 'Compute the value ahead of time and keep it in a file of the project (read it with File.read!/1).';

// ------------------------------------------------------------ versions

/** Which release a dotted version is at least. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split(/[.-]/).map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** Code.ensure_loaded?/1 for a module that is not defined in evaluated code. */
export function moduleInToolchain(module: string, rt: Runtime): boolean {
  const { elixirVersion, otpRelease } = rt.assumptions;
  if (module.startsWith('Elixir.')) {
    const name = module.slice('Elixir.'.length);
    if (ELIXIR_MODULES.has(name)) return true;
    const added = ELIXIR_ADDED[name];
    return added !== undefined && versionAtLeast(elixirVersion, added);
  }
  if (OTP_MODULES.has(module)) return true;
  const since = OTP_ADDED[module];
  return since !== undefined && Number(otpRelease) >= since;
}

const invalidVersion = (v: Value) => new ElixirException('Version.InvalidVersionError', `invalid version: ${inspect(v)}`, { version: v });
const invalidRequirement = (v: Value) => new ElixirException('Version.InvalidRequirementError', `invalid requirement: ${inspect(v)}`, { requirement: v });

function versionStruct(v: Version | RequirementVersion): ErlMap {
  return makeMap([
    [atom('__struct__'), atom('Elixir.Version')],
    [atom('major'), v.major],
    [atom('minor'), v.minor],
    [atom('patch'), v.patch ?? 0],
    [atom('pre'), v.pre.map((p) => (typeof p === 'number' ? p : out(p)))],
    [atom('build'), v.build.length > 0 ? out(v.build.join('.')) : NIL],
  ]);
}

/** A version argument: a string or a %Version{}. */
function versionArg(v: Value, name: string): Version {
  if (structName(v) === 'Version') return parseVersion(versionText(v as ErlMap));
  need(isBinary(v), name);
  try {
    return parseVersion(Buffer.from(v as Uint8Array).toString('utf8'));
  } catch {
    throw invalidVersion(v);
  }
}

function requirementArg(v: Value, name: string): string {
  if (structName(v) === 'Version.Requirement') return Buffer.from(mapGet(v as ErlMap, atom('source')) as Uint8Array).toString('utf8');
  need(isBinary(v), name);
  const text = Buffer.from(v as Uint8Array).toString('utf8');
  try {
    parseRequirement(text);
  } catch {
    throw invalidRequirement(v);
  }
  return text;
}

function allowPre(opts: Value | undefined): boolean {
  if (!isKeyword(opts ?? [])) return true;
  return (opts as Tuple[]).find((t) => t.elements[0] === atom('allow_pre'))?.elements[1] !== FALSE;
}

const order = (c: number) => atom(c < 0 ? 'lt' : c > 0 ? 'gt' : 'eq');

define('Version', {
  'parse/1': ([s]) => {
    need(isBinary(s!), 'Version.parse/1');
    try {
      return new Tuple([atom('ok'), versionStruct(parseVersion(Buffer.from(s).toString('utf8')))]);
    } catch {
      return atom('error');
    }
  },
  'parse!/1': ([s]) => {
    need(isBinary(s!), 'Version.parse!/1');
    return versionStruct(versionArg(s, 'Version.parse!/1'));
  },
  'compare/2': ([a, b]) => order(compareVersions(versionArg(a!, 'Version.compare/2'), versionArg(b!, 'Version.compare/2'))),
  'match?/2': ([v, r]) => bool(matches(versionArg(v!, 'Version.match?/3'), requirementArg(r!, 'Version.match?/3'))),
  'match?/3': ([v, r, o]) => bool(matches(versionArg(v!, 'Version.match?/3'), requirementArg(r!, 'Version.match?/3'), { allowPre: allowPre(o) })),
  'to_string/1': ([v]) => {
    need(structName(v!) === 'Version', 'Version.to_string/1');
    return out(versionText(v as ErlMap));
  },
  'parse_requirement/1': ([s]) => {
    need(isBinary(s!), 'Version.parse_requirement/1');
    try {
      requirementArg(s, 'Version.parse_requirement/1');
    } catch {
      return atom('error');
    }
    return new Tuple([atom('ok'), requirementStruct(s)]);
  },
  'parse_requirement!/1': ([s]) => {
    requirementArg(s!, 'Version.parse_requirement!/1');
    return requirementStruct(s as Uint8Array);
  },
});

function requirementStruct(source: Uint8Array): ErlMap {
  return makeMap([[atom('__struct__'), atom('Elixir.Version.Requirement')], [atom('source'), Buffer.from(source)], [atom('lexed'), []]]);
}

// ------------------------------------------------------------ System

function envName(v: Value, name: string): string {
  need(isBinary(v), name);
  return Buffer.from(v as Uint8Array).toString('utf8');
}

define('System', {
  'version/0': (_, rt) => {
    rt.assume(`System.version() is "${rt.assumptions.elixirVersion}" (the Elixir version hexts assumes)`);
    return out(rt.assumptions.elixirVersion);
  },
  'otp_release/0': (_, rt) => {
    rt.assume(`System.otp_release() is "${rt.assumptions.otpRelease}" (the Erlang/OTP release hexts assumes)`);
    return out(rt.assumptions.otpRelease);
  },
  'get_env/0': (_, rt) => makeMap(rt.allEnv().map(([k, v]) => [out(k), out(v)])),
  'get_env/1': ([n], rt) => {
    const v = rt.getEnv(envName(n!, 'System.get_env/2'));
    return v === undefined ? NIL : out(v);
  },
  'get_env/2': ([n, d], rt) => {
    const v = rt.getEnv(envName(n!, 'System.get_env/2'));
    return v === undefined ? d! : out(v);
  },
  'fetch_env/1': ([n], rt) => {
    const v = rt.getEnv(envName(n!, 'System.fetch_env/1'));
    return v === undefined ? atom('error') : new Tuple([atom('ok'), out(v)]);
  },
  'fetch_env!/1': ([n], rt) => {
    const name = envName(n!, 'System.fetch_env!/1');
    const v = rt.getEnv(name);
    if (v === undefined) throw new ElixirException('System.EnvError', `could not fetch environment variable ${JSON.stringify(name)} because it is not set`, { env: n });
    return out(v);
  },
  'user_home/0': (_, rt) => {
    const home = rt.getEnv('HOME');
    return home === undefined ? NIL : out(home);
  },
  'user_home!/0': (_, rt) => {
    const home = rt.getEnv('HOME');
    if (home === undefined) throw new ElixirException('RuntimeError', 'could not find the user home, please set the HOME environment variable');
    return out(home);
  },
  'cwd/0': (_, rt) => out(rt.cwd),
  'cwd!/0': (_, rt) => out(rt.cwd),
  'schedulers_online/0': (_, rt) => {
    const n = availableParallelism();
    rt.assume(`System.schedulers_online() is ${n} (this machine's processors)`);
    return n;
  },
  'schedulers/0': (_, rt) => {
    const n = availableParallelism();
    rt.assume(`System.schedulers() is ${n} (this machine's processors)`);
    return n;
  },
  'compiled_endianness/0': () => atom('little'),
  'cmd/2': refuse('System.cmd/2', RUNS_PROGRAM, PROGRAM_HINT),
  'cmd/3': refuse('System.cmd/3', RUNS_PROGRAM, PROGRAM_HINT),
  'shell/1': refuse('System.shell/1', RUNS_PROGRAM, PROGRAM_HINT),
  'shell/2': refuse('System.shell/2', RUNS_PROGRAM, PROGRAM_HINT),
  'find_executable/1': refuse('System.find_executable/1', 'it searches the PATH outside the project'),
  'put_env/1': refuse('System.put_env/1', 'it changes the environment'),
  'put_env/2': refuse('System.put_env/2', 'it changes the environment'),
  'delete_env/1': refuse('System.delete_env/1', 'it changes the environment'),
  'halt/0': refuse('System.halt/0', 'it stops the program'),
  'halt/1': refuse('System.halt/1', 'it stops the program'),
  'stop/0': refuse('System.stop/0', 'it stops the program'),
  'stop/1': refuse('System.stop/1', 'it stops the program'),
  'at_exit/1': refuse('System.at_exit/1', 'it runs code when the program exits'),
  'tmp_dir/0': refuse('System.tmp_dir/0', 'it looks outside the project'),
  'tmp_dir!/0': refuse('System.tmp_dir!/0', 'it looks outside the project'),
});

// ------------------------------------------------------------ Mix

define('Mix', {
  'env/0': (_, rt) => {
    rt.assume(`Mix.env() is :${rt.assumptions.mixEnv} (${rt.assumptions.mixEnv === 'dev' ? 'MIX_ENV is not set' : 'from MIX_ENV'})`);
    return atom(rt.assumptions.mixEnv);
  },
  'target/0': (_, rt) => {
    rt.assume(`Mix.target() is :${rt.assumptions.mixTarget} (${rt.assumptions.mixTarget === 'host' ? 'MIX_TARGET is not set' : 'from MIX_TARGET'})`);
    return atom(rt.assumptions.mixTarget);
  },
  'compilers/0': (_, rt) => {
    const v = rt.assumptions.elixirVersion;
    rt.assume(`Mix.compilers() is Elixir ${v}'s`);
    return (versionAtLeast(v, '1.16.0') ? ['erlang', 'elixir', 'app'] : ['yecc', 'leex', 'erlang', 'elixir', 'app']).map(atom);
  },
  'raise/1': ([m]) => {
    throw new ElixirException('Mix.Error', strArg(m!, 'Mix.raise/2'));
  },
  'raise/2': ([m]) => {
    throw new ElixirException('Mix.Error', strArg(m!, 'Mix.raise/2'));
  },
  'shell/0': () => atom('Elixir.Mix.Shell.IO'),
  'debug?/0': () => FALSE,
  'env/1': refuse('Mix.env/1', 'it changes the Mix environment'),
  'target/1': refuse('Mix.target/1', 'it changes the Mix target'),
});

define('Mix.Shell.IO', {
  'info/1': ([m], rt) => {
    rt.print('stdout', `${chardata(m!, rt)}\n`);
    return atom('ok');
  },
  'error/1': ([m], rt) => {
    rt.print('stderr', `${chardata(m!, rt)}\n`);
    return atom('ok');
  },
});

define('Mix.Project', {
  'config/0': refuse('Mix.Project.config/0', 'the project is still being read when mix.exs asks for it'),
  'get/0': refuse('Mix.Project.get/0', 'the project is still being read when mix.exs asks for it'),
  'compile_path/0': refuse('Mix.Project.compile_path/0', 'it depends on a build directory'),
  'build_path/0': refuse('Mix.Project.build_path/0', 'it depends on a build directory'),
});

// ------------------------------------------------------------ Code

define('Code', {
  'ensure_loaded?/1': ([m], rt) => {
    const module = atomArg(m!, 'Code.ensure_loaded?/1');
    const loaded = rt.moduleLoaded(module.name);
    rt.assume(`Code.ensure_loaded?(${inspect(module)}) is ${loaded} (Elixir ${rt.assumptions.elixirVersion}, Erlang/OTP ${rt.assumptions.otpRelease}; dependencies are not loaded while mix reads mix.exs)`);
    return bool(loaded);
  },
  'ensure_loaded/1': ([m], rt) => {
    const module = atomArg(m!, 'Code.ensure_loaded/1');
    return rt.moduleLoaded(module.name) ? new Tuple([atom('module'), module]) : new Tuple([atom('error'), atom('nofile')]);
  },
  'ensure_compiled/1': ([m], rt) => {
    const module = atomArg(m!, 'Code.ensure_compiled/1');
    return rt.moduleLoaded(module.name) ? new Tuple([atom('module'), module]) : new Tuple([atom('error'), atom('nofile')]);
  },
  'require_file/1': ([p], rt) => rt.evalFile(strArg(p!, 'Code.require_file/2'), 'require'),
  'require_file/2': ([p, rel], rt) => rt.evalFile(relativePath(p!, rel!, 'Code.require_file/2'), 'require'),
  'compile_file/1': ([p], rt) => rt.evalFile(strArg(p!, 'Code.compile_file/2'), 'compile'),
  'compile_file/2': ([p, rel], rt) => rt.evalFile(relativePath(p!, rel!, 'Code.compile_file/2'), 'compile'),
  'eval_file/1': ([p], rt) => rt.evalFile(strArg(p!, 'Code.eval_file/2'), 'eval'),
  'eval_file/2': ([p, rel], rt) => rt.evalFile(relativePath(p!, rel!, 'Code.eval_file/2'), 'eval'),
  'string_to_quoted/1': ([s], rt) => stringToQuoted(strArg(s!, 'Code.string_to_quoted/2'), [], rt),
  'string_to_quoted/2': ([s, o], rt) => stringToQuoted(strArg(s!, 'Code.string_to_quoted/2'), o!, rt),
  'string_to_quoted!/1': ([s], rt) => rt.stringToQuoted(strArg(s!, 'Code.string_to_quoted!/2'), false),
  'string_to_quoted!/2': ([s, o], rt) => rt.stringToQuoted(strArg(s!, 'Code.string_to_quoted!/2'), option(o!, 'columns') === TRUE),
  'eval_quoted/1': ([q], rt) => rt.evalQuoted(q!, []),
  'eval_quoted/2': ([q, b], rt) => rt.evalQuoted(q!, b!),
  'eval_quoted/3': ([q, b], rt) => rt.evalQuoted(q!, b!),
  'eval_string/1': ([s], rt) => rt.evalQuoted(rt.stringToQuoted(strArg(s!, 'Code.eval_string/3'), false), []),
  'eval_string/2': ([s, b], rt) => rt.evalQuoted(rt.stringToQuoted(strArg(s!, 'Code.eval_string/3'), false), b!),
  'eval_string/3': ([s, b], rt) => rt.evalQuoted(rt.stringToQuoted(strArg(s!, 'Code.eval_string/3'), false), b!),
  // The code path decides where modules are loaded from; changing it changes nothing here.
  'delete_path/1': () => FALSE,
  'append_path/1': () => TRUE,
  'prepend_path/1': () => TRUE,
  'append_path/2': () => TRUE,
  'prepend_path/2': () => TRUE,
});

function option(opts: Value, key: string): Value | undefined {
  return isKeyword(opts) ? opts.find((t) => t.elements[0] === atom(key))?.elements[1] : undefined;
}

/** Code.string_to_quoted/2: {:ok, quoted}, or {:error, {meta, message, token}} for a syntax error. */
function stringToQuoted(source: string, opts: Value, rt: Runtime): Value {
  try {
    return new Tuple([atom('ok'), rt.stringToQuoted(source, option(opts, 'columns') === TRUE)]);
  } catch (e) {
    if (!(e instanceof ElixirSyntaxError)) throw e;
    const meta = [new Tuple([atom('line'), e.line]), new Tuple([atom('column'), e.column])];
    return new Tuple([atom('error'), new Tuple([meta, out(e.description), out('')])]);
  }
}

function relativePath(p: Value, rel: Value, name: string): string {
  const path = strArg(p, name);
  if (path.startsWith('/')) return path;
  return `${strArg(rel, name).replace(/\/+$/, '')}/${path}`;
}

// ------------------------------------------------------------ Application

function applicationEnv(app: Value, key: Value, rt: Runtime): void {
  rt.assume(`Application.get_env(${inspect(app)}, ${inspect(key)}) is unset: config/config.exs is loaded only after mix has read mix.exs`);
}

define('Application', {
  'get_env/2': ([app, key], rt) => {
    applicationEnv(app!, key!, rt);
    return NIL;
  },
  'get_env/3': ([app, key, d], rt) => {
    applicationEnv(app!, key!, rt);
    return d!;
  },
  'fetch_env/2': ([app, key], rt) => {
    applicationEnv(app!, key!, rt);
    return atom('error');
  },
  'fetch_env!/2': ([app, key], rt) => {
    applicationEnv(app!, key!, rt);
    throw argumentError(`could not fetch application environment ${inspect(key!)} for application ${inspect(app!)} because the application was not loaded nor configured`);
  },
  'get_all_env/1': ([app], rt) => {
    rt.assume(`Application.get_all_env(${inspect(app!)}) is empty: config/config.exs is loaded only after mix has read mix.exs`);
    return [];
  },
  'put_env/3': refuse('Application.put_env/3', 'it changes application configuration'),
  'put_env/4': refuse('Application.put_env/4', 'it changes application configuration'),
  'ensure_all_started/1': refuse('Application.ensure_all_started/1', 'it starts applications'),
  'app_dir/1': refuse('Application.app_dir/1', 'it depends on where applications are installed'),
  'app_dir/2': refuse('Application.app_dir/2', 'it depends on where applications are installed'),
});

// ------------------------------------------------------------ IO, Exception

function chardata(v: Value, rt: Runtime): string {
  if (Array.isArray(v)) return listToString(v, rt).toString('utf8');
  return toStringChars(v, rt).toString('utf8');
}

function device(d: Value): 'stdout' | 'stderr' {
  return d === atom('stderr') ? 'stderr' : 'stdout';
}

define('IO', {
  'puts/1': ([m], rt) => {
    rt.print('stdout', `${chardata(m!, rt)}\n`);
    return atom('ok');
  },
  'puts/2': ([d, m], rt) => {
    rt.print(device(d!), `${chardata(m!, rt)}\n`);
    return atom('ok');
  },
  'write/1': ([m], rt) => {
    rt.print('stdout', chardata(m!, rt));
    return atom('ok');
  },
  'write/2': ([d, m], rt) => {
    rt.print(device(d!), chardata(m!, rt));
    return atom('ok');
  },
  'warn/1': ([m], rt) => {
    rt.print('stderr', `warning: ${chardata(m!, rt)}\n`);
    return atom('ok');
  },
  'warn/2': ([m], rt) => {
    rt.print('stderr', `warning: ${chardata(m!, rt)}\n`);
    return atom('ok');
  },
  'inspect/1': ([v], rt) => {
    rt.print('stdout', `${inspect(v!)}\n`);
    return v!;
  },
  'inspect/2': ([v], rt) => {
    rt.print('stdout', `${inspect(v!)}\n`);
    return v!;
  },
  'iodata_to_binary/1': ([v], rt) => toIodata(v!, rt),
  'chardata_to_string/1': ([v], rt) => out(chardata(v!, rt)),
  'gets/1': refuse('IO.gets/1', 'it waits for input'),
  'read/2': refuse('IO.read/2', 'it waits for input'),
});

define('Exception', {
  'message/1': ([e]) => {
    need(e instanceof ErlMap && mapGet(e, atom('__exception__')) === TRUE, 'Exception.message/1');
    return mapGet(e as ErlMap, atom('message')) ?? out('');
  },
});

/** The exception struct a `rescue` binds: module, message and the fields Elixir gives it. */
export function exceptionStruct(e: ElixirException): Value {
  const fields: Array<[Value, Value]> = [
    [atom('__struct__'), atom(`Elixir.${e.module}`)],
    [atom('__exception__'), TRUE],
    [atom('message'), out(e.elixirMessage)],
  ];
  for (const [k, v] of Object.entries(e.fields)) {
    if (k !== 'kind' && k !== 'value' && v !== undefined && typeof v === 'object') fields.push([atom(k), v as Value]);
  }
  return makeMap(fields);
}

// ------------------------------------------------------------ Erlang modules

function toIodata(v: Value, rt: Runtime): Buffer {
  const chunks: Buffer[] = [];
  let size = 0;
  const walk = (x: Value): void => {
    rt.tick();
    if (isBinary(x)) chunks.push(Buffer.from(x));
    else if (typeof x === 'number' && x >= 0 && x <= 255) chunks.push(Buffer.from([x]));
    else if (Array.isArray(x)) x.forEach(walk);
    else throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: not an iodata term\n');
    size += chunks[chunks.length - 1]?.length ?? 0;
    rt.checkSize('binary', size);
  };
  walk(v);
  return Buffer.concat(chunks);
}

function charlistOrFail(v: Value, rt: Runtime): string {
  if (!Array.isArray(v)) throw argumentError('errors were found at the given arguments:\n\n  * 1st argument: not a list of characters\n');
  return listToString(v, rt).toString('utf8');
}

define(':erlang', {
  'system_info/1': ([k], rt) => {
    if (k === atom('otp_release')) {
      rt.assume(`:erlang.system_info(:otp_release) is '${rt.assumptions.otpRelease}' (the Erlang/OTP release hexts assumes)`);
      return charlist(rt.assumptions.otpRelease);
    }
    if (k === atom('schedulers_online') || k === atom('schedulers')) {
      const n = availableParallelism();
      rt.assume(`:erlang.system_info(${inspect(k!)}) is ${n} (this machine's processors)`);
      return n;
    }
    throw new OutsideModelError(`:erlang.system_info(${inspect(k!)}): it describes the running Erlang system`);
  },
  'binary_to_atom/1': ([b]) => atom(binArg(b!, ':erlang.binary_to_atom/1').toString('utf8')),
  'binary_to_atom/2': ([b]) => atom(binArg(b!, ':erlang.binary_to_atom/2').toString('utf8')),
  'binary_to_existing_atom/2': ([b]) => atom(binArg(b!, ':erlang.binary_to_existing_atom/2').toString('utf8')),
  'atom_to_binary/1': ([a]) => out(atomArg(a!, ':erlang.atom_to_binary/1').name),
  'atom_to_binary/2': ([a]) => out(atomArg(a!, ':erlang.atom_to_binary/2').name),
  'atom_to_list/1': ([a]) => charlist(atomArg(a!, ':erlang.atom_to_list/1').name),
  'list_to_atom/1': ([l], rt) => atom(charlistOrFail(l!, rt)),
  'list_to_binary/1': ([l], rt) => toIodata(l!, rt),
  'iolist_to_binary/1': ([l], rt) => toIodata(l!, rt),
  'binary_to_list/1': ([b]) => Array.from(binArg(b!, ':erlang.binary_to_list/1')),
  'integer_to_binary/1': ([n]) => {
    need(typeof n === 'number' || typeof n === 'bigint', ':erlang.integer_to_binary/1');
    return out(String(n));
  },
  'integer_to_list/1': ([n]) => {
    need(typeof n === 'number' || typeof n === 'bigint', ':erlang.integer_to_list/1');
    return charlist(String(n));
  },
  'list_to_integer/1': ([l], rt) => rt.applyRemote('Elixir.List', 'to_integer', [l!]),
  'binary_to_integer/1': ([b], rt) => rt.applyRemote('Elixir.String', 'to_integer', [b!]),
  'element/2': ([i, t], rt) => rt.applyRemote('Elixir.Kernel', 'elem', [t!, typeof i === 'number' ? i - 1 : i!]),
  'tuple_to_list/1': ([t]) => {
    need(t instanceof Tuple, ':erlang.tuple_to_list/1');
    return [...(t as Tuple).elements];
  },
  'list_to_tuple/1': ([l]) => {
    need(Array.isArray(l), ':erlang.list_to_tuple/1');
    return new Tuple(l as Value[]);
  },
  'length/1': ([l], rt) => rt.applyRemote('Elixir.Kernel', 'length', [l!]),
  'is_list/1': ([v]) => bool(Array.isArray(v)),
  'is_binary/1': ([v]) => bool(isBinary(v!)),
  'is_atom/1': ([v]) => bool(v instanceof Atom),
  'halt/0': refuse(':erlang.halt/0', 'it stops the program'),
  'halt/1': refuse(':erlang.halt/1', 'it stops the program'),
});

define(':os', {
  'type/0': (_, rt) => {
    const family = process.platform === 'win32' ? 'win32' : 'unix';
    const name = process.platform === 'win32' ? 'nt' : process.platform;
    rt.assume(`:os.type() is {:${family}, :${name}} (this machine)`);
    return new Tuple([atom(family), atom(name)]);
  },
  'getenv/1': ([n], rt) => {
    const v = rt.getEnv(charlistOrFail(n!, rt));
    return v === undefined ? FALSE : charlist(v);
  },
  'getenv/2': ([n, d], rt) => {
    const v = rt.getEnv(charlistOrFail(n!, rt));
    return v === undefined ? d! : charlist(v);
  },
  'cmd/1': refuse(':os.cmd/1', RUNS_PROGRAM, PROGRAM_HINT),
  'cmd/2': refuse(':os.cmd/2', RUNS_PROGRAM, PROGRAM_HINT),
});

define(':code', {
  'get_path/0': (_, rt) => {
    rt.assume(':code.get_path() is [] (no code directories of an Elixir installation are known)');
    return [];
  },
  'delete_path/1': () => FALSE,
  'add_path/1': () => TRUE,
  'add_patha/1': () => TRUE,
  'add_pathz/1': () => TRUE,
  'priv_dir/1': refuse(':code.priv_dir/1', 'it depends on where applications are installed'),
  'lib_dir/0': refuse(':code.lib_dir/0', 'it depends on where Erlang is installed'),
  'lib_dir/1': refuse(':code.lib_dir/1', 'it depends on where applications are installed'),
  'root_dir/0': refuse(':code.root_dir/0', 'it depends on where Erlang is installed'),
});

/** :file.consult/1 of a file of the project: Erlang terms, strings as charlists. */
function consult(path: string, rt: Runtime): Value {
  const absolute = path.startsWith('/') ? path : `${rt.cwd}/${path}`;
  if (!rt.files.inside(absolute)) {
    rt.assume(`:file.consult('${path}') reads as missing: hexts reads only files inside the project`);
    return new Tuple([atom('error'), atom('enoent')]);
  }
  let bytes: Buffer;
  try {
    bytes = rt.files.read(absolute);
  } catch (e) {
    if (e instanceof FileAccessError && e.reason !== 'special' && e.reason !== 'efbig') return new Tuple([atom('error'), atom(e.reason)]);
    if (e instanceof FileAccessError) throw new OutsideModelError(`:file.consult('${path}'): hexts reads only regular files of at most 16 MB`);
    throw e;
  }
  try {
    return new Tuple([atom('ok'), parseTerms(bytes) as Value[]]);
  } catch (e) {
    if (e instanceof TermSyntaxError) return new Tuple([atom('error'), new Tuple([e.line, atom('erl_parse'), charlist(e.message)])]);
    throw e;
  }
}

define(':file', {
  'consult/1': ([p], rt) => consult(isBinary(p!) ? Buffer.from(p).toString('utf8') : charlistOrFail(p!, rt), rt),
  'read_file/1': ([p], rt) => rt.applyRemote('Elixir.File', 'read', [isBinary(p!) ? p : out(charlistOrFail(p!, rt))]),
  'get_cwd/0': (_, rt) => new Tuple([atom('ok'), charlist(rt.cwd)]),
});

define(':lists', {
  'reverse/1': ([l]) => {
    need(Array.isArray(l), ':lists.reverse/1');
    return [...(l as Value[])].reverse();
  },
  'flatten/1': ([l], rt) => rt.applyRemote('Elixir.List', 'flatten', [l!]),
  'member/2': ([v, l], rt) => rt.applyRemote('Elixir.Enum', 'member?', [l!, v!]),
  'append/2': ([a, b], rt) => rt.applyRemote('Elixir.Kernel', '++', [a!, b!]),
  'sort/1': ([l], rt) => rt.applyRemote('Elixir.Enum', 'sort', [l!]),
  'usort/1': ([l], rt) => rt.applyRemote('Elixir.Enum', 'uniq', [rt.applyRemote('Elixir.Enum', 'sort', [l!])]),
  'keyfind/3': ([k, p, l], rt) => {
    const found = rt.applyRemote('Elixir.List', 'keyfind', [l!, k!, typeof p === 'number' ? p - 1 : p!]);
    return found === NIL ? FALSE : found;
  },
  'seq/2': ([a, b], rt) => rt.applyRemote('Elixir.Enum', 'to_list', [rt.applyRemote('Elixir.Range', 'new', [a!, b!])]),
});

define(':unicode', {
  'characters_to_binary/1': ([v], rt) => out(chardata(v!, rt)),
  'characters_to_list/1': ([v], rt) => charlist(chardata(v!, rt)),
});

define(':proplists', {
  'get_value/2': ([k, l]) => {
    need(Array.isArray(l), ':proplists.get_value/2');
    const found = (l as Value[]).find((t) => t instanceof Tuple && t.elements.length >= 1 && t.elements[0] === k);
    return found instanceof Tuple ? found.elements[1] ?? TRUE : atom('undefined');
  },
  'get_value/3': ([k, l, d]) => {
    need(Array.isArray(l), ':proplists.get_value/3');
    const found = (l as Value[]).find((t) => t instanceof Tuple && t.elements.length >= 1 && t.elements[0] === k);
    return found instanceof Tuple ? found.elements[1] ?? TRUE : d!;
  },
});

define(':maps', {
  'get/2': ([k, m]) => {
    need(m instanceof ErlMap, ':maps.get/2');
    const v = mapGet(m as ErlMap, k!);
    if (v === undefined) throw new ElixirException('KeyError', `key ${inspect(k!)} not found in: ${inspect(m!)}`);
    return v;
  },
  'get/3': ([k, m, d]) => accessGet(m!, k!, d!),
});
