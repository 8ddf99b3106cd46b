import type { ApiClient, ApiResponse, Method } from './client.js';
import { UnexpectedAnswerError } from './errors.js';

// The shapes of the registry's JSON answers, as far as hexts reads them: each resource module
// states its own with these few checks, and an answer of another shape becomes one clear
// UnexpectedAnswerError at the API boundary instead of a TypeError somewhere in a command.
// A check hands back the very value it was given: fields hexts does not read pass through
// untouched (--json shows the answer as it came).

/** Checks `value` (found at `at`) and returns it typed; throws a Mismatch otherwise. */
export type Shape<T> = (value: unknown, at: string) => T;
/** A field that may be absent (`undefined` when it is). */
export type Optional<T> = Shape<T | undefined> & { readonly optional: true };
export type Infer<S> = S extends Shape<infer T> ? T : never;

class Mismatch {
  constructor(readonly at: string, readonly problem: string) {}
}

/** What a value is, in words; never the value itself, which may be a secret. */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return typeof value;
}

const primitive = <T>(expected: string, test: (value: unknown) => boolean): Shape<T> => (value, at) => {
  if (!test(value)) throw new Mismatch(at, value === undefined ? 'is missing' : `is ${kind(value)}, not ${expected}`);
  return value as T;
};

export const string = primitive<string>('a string', (v) => typeof v === 'string');
export const number = primitive<number>('a number', (v) => typeof v === 'number');
export const boolean = primitive<boolean>('true or false', (v) => typeof v === 'boolean');

export const oneOf = <const T extends string>(...values: T[]): Shape<T> =>
  primitive<T>(`one of ${values.join(', ')}`, (v) => values.includes(v as T));

export const nullable = <T>(shape: Shape<T>): Shape<T | null> => (value, at) => (value === null ? null : shape(value, at));

export const optional = <T>(shape: Shape<T>): Optional<T> =>
  Object.assign((value: unknown, at: string) => (value === undefined ? undefined : shape(value, at)), { optional: true as const });

/** A field hexts reads only after testing its type itself. */
export const unchecked = optional((value: unknown) => value);

export const array = <T>(item: Shape<T>): Shape<T[]> => (value, at) => {
  if (!Array.isArray(value)) throw new Mismatch(at, value === undefined ? 'is missing' : `is ${kind(value)}, not a list`);
  value.forEach((v, i) => item(v, `${at}[${i}]`));
  return value as T[];
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function objectAt(value: unknown, at: string): Record<string, unknown> {
  if (!isObject(value)) throw new Mismatch(at, value === undefined ? 'is missing' : `is ${kind(value)}, not an object`);
  return value;
}

/** An object whose every value has one shape (`{"mix.exs": "…"}`). */
export const record = <T>(item: Shape<T>): Shape<Record<string, T>> => (value, at) => {
  for (const [key, v] of Object.entries(objectAt(value, at))) item(v, `${at}.${key}`);
  return value as Record<string, T>;
};

type Fields = Record<string, Shape<unknown>>;
type ObjectOf<F extends Fields> = {
  [K in keyof F as F[K] extends { optional: true } ? never : K]: Infer<F[K]>;
} & {
  [K in keyof F as F[K] extends { optional: true } ? K : never]?: Infer<F[K]>;
};

/** An object with these fields (and any others, unchecked). */
export const object = <F extends Fields>(fields: F): Shape<ObjectOf<F>> => (value, at) => {
  const found = objectAt(value, at);
  for (const [key, field] of Object.entries(fields)) field(found[key], at === '' ? key : `${at}.${key}`);
  return value as ObjectOf<F>;
};

/**
 * The body of `response` (the answer to METHOD PATH), checked against `shape`. A write the
 * registry answered with 2xx was carried out, whatever its answer looks like: the error says so.
 */
export function checked<T>(shape: Shape<T>, client: ApiClient, method: Method, path: string, response: ApiResponse<unknown>): T {
  try {
    return shape(response.body, '');
  } catch (err) {
    if (!(err instanceof Mismatch)) throw err;
    const endpoint = `${method} ${client.url({ path }).pathname}`;
    const what = err.at === '' ? `the answer ${err.problem.replace(/^is missing$/, 'is empty')}` : `${err.at} ${err.problem}`;
    throw new UnexpectedAnswerError(
      `${endpoint}: ${what}`,
      method === 'GET'
        ? undefined
        : `The registry carried out the ${method} (status ${response.status}); check the current state before trying again.`,
    );
  }
}

/** Sends `spec` and checks its answer against `shape`. */
export async function request<T>(client: ApiClient, shape: Shape<T>, spec: Parameters<ApiClient['request']>[0]): Promise<T> {
  return checked(shape, client, spec.method, spec.path, await client.request<unknown>(spec));
}
