/**
 * `npm start`: the provider sandbox (unless both provider URLs are set), the worker and the gateway as three processes,
 * with the adapters pointed at the sandbox. Ctrl-C / SIGTERM stops them all. `.env` in the working directory is read
 * first (the real environment wins) and the configuration validated once, before anything starts.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadAppConfigOrExit } from '@rpg/config';
import { WORKER_NODE_FLAGS } from './node-flags';

const dist = join(__dirname, '..', 'apps');
loadAppConfigOrExit(); // also puts .env into process.env, which the children inherit
const env = { ...process.env };
const sandboxPort = env.SANDBOX_PORT || '4010';
const needsSandbox = !env.GCORE_API_URL || !env.APINIZER_API_URL;
const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, script: string, extraEnv: NodeJS.ProcessEnv = {}, nodeFlags: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, join(dist, script)], { env: { ...env, ...extraEnv }, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited (${signal ?? code}); stopping the others`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

/** SIGTERM to every child still running, then exit once they have all stopped (each has its own 30 s deadline). */
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  let left = running.length;
  if (left === 0) process.exit(code);
  for (const c of running) {
    c.once('exit', () => {
      if (--left === 0) process.exit(code);
    });
    c.kill('SIGTERM');
  }
  setTimeout(() => process.exit(code), 35_000).unref();
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  if (needsSandbox) {
    run('sandbox', 'provider-sandbox/src/main.js', { SANDBOX_PORT: sandboxPort });
    await waitForHttp(`http://127.0.0.1:${sandboxPort}/apiops/test/healthcheck`, 10_000);
  }
  run('worker', 'worker/src/main.js', {}, WORKER_NODE_FLAGS);
  // the gateway last, once the worker is up: its closing lines (docs URL, dev key) are then the last a person sees
  const metricsPort = env.WORKER_METRICS_PORT ?? '9464';
  if (metricsPort !== '0') await waitForHttp(`http://127.0.0.1:${metricsPort}/health/live`, 20_000).catch(() => undefined);
  run('gateway', 'gateway/src/main.js');
}

void main().catch((error) => {
  console.error((error as Error).message);
  stop(1);
});
