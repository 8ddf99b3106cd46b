// A command line written as text (a setting such as diff_command), split into arguments the
// way a POSIX shell splits words, and nothing more: no variables, globs, pipes or
// redirections, since no shell ever reads it. Spaces separate arguments; '…' keeps its
// contents as they are; "…" keeps them too, a backslash escaping " \ $ ` there; outside
// quotes a backslash escapes the next character.

export class ArgvSyntaxError extends Error {}

export function splitArgv(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ArgvSyntaxError('a single quote is not closed');
      current += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      for (i++; ; i++) {
        if (i >= text.length) throw new ArgvSyntaxError('a double quote is not closed');
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) current += text[++i];
        else current += d;
      }
    } else if (c === '\\') {
      if (i + 1 >= text.length) throw new ArgvSyntaxError('a backslash ends the text');
      current += text[++i];
    } else {
      current += c;
    }
  }
  if (inWord) args.push(current);
  return args;
}
