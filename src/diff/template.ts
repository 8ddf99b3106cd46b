import { splitArgv } from '../util/argv.js';

// mix's diff_command: a command line with __PATH1__ and __PATH2__ standing for the two
// directories. Checked when it is set and when it is used; split into arguments
// (src/util/argv.ts), never read by a shell.

export const PATH1 = '__PATH1__';
export const PATH2 = '__PATH2__';

/** Why `template` cannot be a diff command, or undefined when it can. */
export function diffCommandProblem(template: string): string | undefined {
  let args: string[];
  try {
    args = splitArgv(template);
  } catch (err) {
    return `cannot be split into arguments: ${(err as Error).message}`;
  }
  if (args.length === 0) return 'is empty';
  if (!template.includes(PATH1) || !template.includes(PATH2)) return `must name both directories, with ${PATH1} and ${PATH2}`;
  return undefined;
}

/** The command's arguments with the placeholders replaced, wherever they stand in an argument. */
export function diffCommandArgv(template: string, path1: string, path2: string): string[] {
  return splitArgv(template).map((arg) => arg.replaceAll(PATH1, path1).replaceAll(PATH2, path2));
}
