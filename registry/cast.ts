// Ecto-style casting of request parameters, shared by the changeset-like validations.

/** A string; null when absent or "" (Ecto's empty value); undefined when of another type. */
export function castString(value: unknown): string | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  return typeof value === 'string' ? value : undefined;
}

/** A list of strings; null when absent; undefined when of another type. */
export function castStringList(value: unknown): string[] | null | undefined {
  if (value === undefined || value === null) return null;
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

/** Ecto counts lengths in characters. */
export const characters = (s: string): number => [...s].length;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
