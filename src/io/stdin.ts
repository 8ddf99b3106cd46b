import type { Readable } from 'node:stream';

export async function readStdin(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}
