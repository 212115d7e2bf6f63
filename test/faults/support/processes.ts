/**
 * Real processes for the fault suites: the built apps (`npm run build` → dist/, run from a private snapshot) and any
 * other command. Every process started here is killed in `stopAll()` (call it in afterAll) and, as a last resort, by a
 * synchronous SIGKILL on the test process's 'exit'.
 *
 * Debugging knobs: FAULTS_VERBOSE=1 (echo every process line and progress to stderr), FAULTS_LOG_DIR=<dir> (one log
 * file per process), FAULTS_KEEP_KEYS=1 (leave the suite's Redis keys, see redis.ts), FAULTS_DIST=<dir> (run another build).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MIN_WAIT_MS, scaled, until } from '../../support/wait';

export const ROOT = resolve(__dirname, '..', '..', '..');
const MAX_LINES = 50_000;
const VERBOSE = process.env.FAULTS_VERBOSE === '1';
/** When set, every process's output also goes to `<dir>/<name>.log` (for debugging a failing suite). */
const LOG_DIR = process.env.FAULTS_LOG_DIR;

export type AppName = 'gateway' | 'worker' | 'provider-sandbox';

const ENTRIES: AppName[] = ['gateway', 'worker', 'provider-sandbox'];
const entry = (dist: string, app: AppName) => join(dist, 'apps', app, 'src', 'main.js');
let snapshot: string | undefined;

/**
 * The build the suite runs: a private copy of dist/ taken on first use, so a rebuild during the run (`nest build`
 * deletes dist/ first) cannot pull files from under a process being (re)started, nor mix two builds. FAULTS_DIST
 * points at another build instead (used as is).
 */
export function distDir(): string {
  if (process.env.FAULTS_DIST) return resolve(process.env.FAULTS_DIST);
  if (snapshot) return snapshot;
  const dist = join(ROOT, 'dist');
  // a build in progress: wait (bounded) until the entries exist and nothing was written for a moment
  const deadline = Date.now() + 60_000;
  for (;;) {
    const complete = ENTRIES.every((app) => existsSync(entry(dist, app)));
    if (complete && Date.now() - newestMtime(dist) > 1500) break;
    if (Date.now() > deadline) {
      if (!complete)
        throw new Error(
          `${entry(
            dist,
            ENTRIES.find((app) => !existsSync(entry(dist, app)))!,
          )} is missing: run "npm run build" first`,
        );
      break;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
  const copy = tempDir('rpg-faults-dist-');
  cpSync(dist, copy, { recursive: true });
  for (const app of ENTRIES) if (!existsSync(entry(copy, app))) throw new Error(`dist/ changed while it was copied (${app} missing): run the suite again`);
  snapshot = copy;
  return copy;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    try {
      newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
    } catch {
      /* removed meanwhile */
    }
  }
  return newest;
}

export function appScript(app: AppName): string {
  return entry(distDir(), app);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  private exit?: Exit;
  private readonly watchers = new Set<(line: string) => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise<Exit>((r) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        r(this.exit);
      }),
    );
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          this.push(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      });
      stream?.on('end', () => buffer && this.push(buffer));
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }
  get running(): boolean {
    return this.exit === undefined;
  }
  get exitInfo(): Exit | undefined {
    return this.exit;
  }

  private push(line: string): void {
    if (VERBOSE) process.stderr.write(`[${this.name}] ${line}\n`);
    if (LOG_DIR) {
      mkdirSync(LOG_DIR, { recursive: true });
      appendFileSync(join(LOG_DIR, `${this.name.replace(/[^\w.-]/g, '_')}.log`), line + '\n');
    }
    if (this.lines.length >= MAX_LINES) this.lines.splice(0, MAX_LINES / 10);
    this.lines.push(line);
    for (const w of this.watchers) w(line);
  }

  /** Resolves with the first line (already printed or to come) that matches. */
  waitForLine(pattern: RegExp | string, timeoutMs = 20_000): Promise<string> {
    const test = (line: string) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    timeoutMs = scaled(Math.max(timeoutMs, MIN_WAIT_MS)); // a ceiling for a line that never comes (TEST_TIME_SCALE)
    return new Promise<string>((resolveLine, reject) => {
      const timer = setTimeout(() => {
        this.watchers.delete(watcher);
        reject(new Error(`${this.name}: no line matching ${String(pattern)} within ${timeoutMs} ms; last lines:\n${this.tail(15)}`));
      }, timeoutMs);
      const watcher = (line: string) => {
        if (!test(line)) return;
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolveLine(line);
      };
      this.watchers.add(watcher);
      void this.exited.then((e) => {
        if (!this.watchers.has(watcher)) return;
        clearTimeout(timer);
        this.watchers.delete(watcher);
        reject(new Error(`${this.name} exited (${e.signal ?? e.code}) before printing ${String(pattern)}; last lines:\n${this.tail(15)}`));
      });
    });
  }

  tail(n = 20): string {
    return this.lines
      .slice(-n)
      .map((l) => l.slice(0, 400))
      .join('\n');
  }

  /** JSON log lines (pino) of this process. */
  json(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const l of this.lines) {
      if (!l.startsWith('{')) continue;
      try {
        out.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        /* not JSON */
      }
    }
    return out;
  }

  /** kill -9: no shutdown hooks, no goodbye. */
  async kill9(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it does not exit within `graceMs`. Resolves with how it ended. */
  async stop(graceMs = 10_000): Promise<Exit & { forced: boolean }> {
    if (!this.running) return { ...this.exit!, forced: false };
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first !== 'timeout') return { ...first, forced: false };
    this.child.kill('SIGKILL');
    return { ...(await this.exited), forced: true };
  }
}

const live = new Set<Proc>();
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const p of live) if (p.running) p.child.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Spawns a command with exactly `env` (plus PATH/HOME), capturing its output line by line. */
export function spawnProcess(name: string, command: string, args: string[], env: Record<string, string | undefined>): Proc {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_PATH']) if (process.env[k]) base[k] = process.env[k]!;
  const fullEnv: Record<string, string> = { ...base };
  // the apps may run from a copy of dist/ outside the repo: let them find the repo's node_modules
  fullEnv.NODE_PATH = [join(ROOT, 'node_modules'), base.NODE_PATH].filter(Boolean).join(':');
  for (const [k, v] of Object.entries(env)) if (v !== undefined) fullEnv[k] = v;
  const child = spawn(command, args, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  const proc = new Proc(name, child);
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

export function spawnApp(name: string, app: AppName, env: Record<string, string | undefined>): Proc {
  return spawnProcess(name, process.execPath, [appScript(app)], env);
}

/** Kills (SIGKILL) every process still running that these helpers started, and removes their temp dirs. */
export async function stopAll(): Promise<void> {
  const procs = [...live];
  await Promise.all(procs.map((p) => p.kill9()));
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
  snapshot = undefined;
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export function tempDir(prefix = 'rpg-faults-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export interface Restartable {
  proc: Proc;
  /** Launches it again the same way (same port, dir, environment) once the last process has exited. */
  restart(): Promise<void>;
}

/** `fields` plus the process `launch` starts now, and a `restart()` that replaces it after a kill. */
export async function restartable<T extends object>(what: string, launch: () => Promise<Proc>, fields: T): Promise<T & Restartable> {
  const handle: T & Restartable = {
    ...fields,
    proc: await launch(),
    async restart() {
      if (handle.proc.running) throw new Error(`${what} is still running`);
      handle.proc = await launch();
    },
  };
  return handle;
}

/** Waits until GET `url` answers `status` (default 200). */
export async function waitForHttp(url: string, timeoutMs = 20_000, status = 200): Promise<void> {
  await until(
    `GET ${url} → ${status}`,
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === status;
    },
    timeoutMs,
    100,
  );
}
