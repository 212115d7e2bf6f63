/** Small helpers of `npm run bench` (no dependencies beyond the repo's own). */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${(lastError as Error).message})` : ''}`);
}

/** Nearest-rank percentile of an unsorted list (0 when empty). */
export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Largest value (0 for none), without spreading: 100k+ arguments overflow the stack. */
export const maxOf = (values: number[]): number => values.reduce((a, b) => (b > a ? b : a), 0);
export const mean = (values: number[]): number => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

/** Deterministic shuffle (mulberry32) so a run is repeatable. */
export function shuffled<T>(items: T[], seed = 42): T[] {
  let a = seed >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export interface Child {
  name: string;
  proc: ChildProcess;
  logFile: string;
}

/** Spawns `node [nodeArgs] script` with env, stdout+stderr into <logDir>/<name>.log. */
export function spawnNode(name: string, script: string, env: NodeJS.ProcessEnv, logDir: string, nodeArgs: string[] = []): Child {
  const logFile = join(logDir, `${name}.log`);
  const out = createWriteStream(logFile);
  const proc = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  return { name, proc, logFile };
}

export function spawnCmd(name: string, cmd: string, args: string[], logDir: string): Child {
  const logFile = join(logDir, `${name}.log`);
  const out = createWriteStream(logFile);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  return { name, proc, logFile };
}

export async function stopChild(c: Child, graceMs = 3000): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.proc.once('exit', () => r()));
  c.proc.kill('SIGTERM');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export function tailOf(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Resident set size of a process from /proc (MB): current and peak (VmHWM). */
export function rssOf(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

let clockTicks = 0;
/** CPU time (user + system, seconds) of a process from /proc/<pid>/stat; NaN when unavailable. */
export function cpuSecondsOf(pid: number): number {
  try {
    if (!clockTicks) {
      clockTicks = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
    }
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return NaN;
  }
}

/** Resets the peak RSS (VmHWM) of a process we own (Linux `clear_refs` 5); false when not possible. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** `INFO commandstats` + `INFO cpu` → calls per command and Redis CPU seconds. */
export interface RedisStats {
  at: number;
  calls: Record<string, number>;
  cpuS: number;
}

export function parseRedisInfo(text: string, at: number): RedisStats {
  const calls: Record<string, number> = {};
  let cpuS = 0;
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m) calls[m[1]] = Number(m[2]);
    const c = /^used_cpu_(sys|user):([\d.]+)/.exec(line);
    if (c) cpuS += Number(c[2]);
  }
  return { at, calls, cpuS };
}

/** Command calls between two snapshots, without the INFO calls of the bench itself. */
export function callsDelta(a: RedisStats, b: RedisStats): { total: number; scripts: number; byCommand: Record<string, number> } {
  const byCommand: Record<string, number> = {};
  let total = 0;
  let scripts = 0;
  for (const [cmd, n] of Object.entries(b.calls)) {
    if (cmd === 'info') continue;
    const d = n - (a.calls[cmd] ?? 0);
    if (d <= 0) continue;
    byCommand[cmd] = d;
    total += d;
    if (cmd === 'evalsha' || cmd === 'eval' || cmd === 'fcall' || cmd === 'evalsha_ro' || cmd === 'eval_ro') scripts += d;
  }
  return { total, scripts, byCommand };
}

export function fmt(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}
