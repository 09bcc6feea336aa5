// Shared by the model-server suite and its bench: starting `diffucode serve` (the real CLI, a real local Ray head on
// loopback) and looking at the processes it started.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

export interface Server {
  url: string;
  proc: ChildProcess;
  tokenFile: string;
  token: string;
  /** Ray's session folder (logs under session_latest/logs). Short: Ray's socket paths must fit 107 bytes. */
  rayDir: string;
  /** The temp folder holding the token file and Ray's session folder; removeServerDir deletes it. */
  dir: string;
  output: () => string;
}

export function removeServerDir(s: Server): void {
  rmSync(s.dir, { recursive: true, force: true });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function makeToken(dir: string): { tokenFile: string; token: string } {
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token + '\n');
  chmodSync(tokenFile, 0o600);
  return { tokenFile, token };
}

/** Starts `node dist/cli.js serve ...` and resolves when it prints its URL. */
export async function startServer(extra: string[], readyTimeoutMs = 240_000): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'dcs-'));
  const { tokenFile, token } = makeToken(dir);
  const port = await freePort();
  const rayDir = join(dir, 'ray');
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--token-file', tokenFile, '--temp-dir', rayDir, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`diffucode serve was not ready within ${readyTimeoutMs / 1000} s:\n${out}`)), readyTimeoutMs);
    const check = () => {
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`diffucode serve exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { url, proc, tokenFile, token, rayDir, dir, output: () => out };
}

/** Stops the server with SIGTERM, as a service manager would; resolves with its exit code. */
export function stopServer(s: Server, timeoutMs = 90_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (s.proc.exitCode !== null) return resolve(s.proc.exitCode);
    const timer = setTimeout(() => reject(new Error(`diffucode serve did not exit within ${timeoutMs / 1000} s of SIGTERM:\n${s.output()}`)), timeoutMs);
    s.proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    s.proc.kill('SIGTERM');
  });
}

/** Every live process below `pid`, with its command line (Linux /proc). */
export function descendants(pid: number): Map<number, string> {
  const kids = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(e)]);
    } catch {
      /* exited while we looked */
    }
  }
  const out = new Map<number, string>();
  const todo = [pid];
  while (todo.length) {
    for (const c of kids.get(todo.pop()!) ?? []) {
      if (out.has(c)) continue;
      out.set(c, cmdline(c));
      todo.push(c);
    }
  }
  return out;
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of the model replicas (Ray names its actor processes ray::ServeReplica:<app>:<deployment>). */
export function modelReplicas(serverPid: number): number[] {
  return [...descendants(serverPid)].filter(([, cmd]) => cmd.includes('ServeReplica:diffucode:DiffuCodeModel')).map(([pid]) => pid);
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
