// The local test registry for the benchmarks, in a process of its own.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Starts registry/main.ts; resolves with the child and the environment it exports. */
export function startRegistry() {
  const child = spawn(process.execPath, ['--import', 'tsx', '--', 'registry/main.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const env = Object.fromEntries([...out.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
      if (env.HEX_API_URL && env.HEXTS_REPO_PUBLIC_KEY_PATH) resolve({ child, env });
    });
    child.on('exit', (code) => reject(new Error(`the registry exited (${code})`)));
  });
}

/** POSTs JSON to one of the registry's /_test routes and returns the decoded answer. */
export function arrange(env, path, body) {
  const url = new URL(path, env.HEX_API_URL);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      ca: readFileSync(env.HEX_CACERTS_PATH),
      headers: { 'content-type': 'application/json', 'user-agent': 'hexts-bench', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode < 300 ? resolve(text ? JSON.parse(text) : undefined) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}
