import type { FastifyRequest } from 'fastify';
import { type SandboxConfig, nextTaskDurationMs } from './config';
import { FaultStore, type WriteModifiers } from './faults';
import { RequestLog, type RequestLogEntry } from './request-log';
import type { ApinizerState } from './apinizer/model';
import type { GcoreState } from './gcore/model';
import { type TaskRecord, TaskStore } from './gcore/tasks';
import { seedApinizer, seedGcore } from './seed';

export type Provider = 'gcore' | 'apinizer';

/** Everything the sandbox knows. Routes read `ctx.gcore` / `ctx.apinizer` on each call, so reset can swap them (tasks survive a reset). */
export interface SandboxContext {
  /** Live config (same object as ProviderSandbox.config). */
  config: SandboxConfig;
  /** The config given at creation; reset restores it. */
  initialConfig: Readonly<SandboxConfig>;
  tasks: TaskStore;
  faults: FaultStore;
  requests: RequestLog;
  gcore: GcoreState;
  apinizer: ApinizerState;
  /** Issued Apinizer tokens → expiry (ms epoch). Kept across reset so clients holding one are not surprised. */
  apinizerTokens: Map<string, number>;
}

export function createContext(initialConfig: SandboxConfig): SandboxContext {
  return {
    config: { ...initialConfig },
    initialConfig: Object.freeze({ ...initialConfig }),
    tasks: new TaskStore(),
    faults: new FaultStore(),
    requests: new RequestLog(),
    gcore: seedGcore(),
    apinizer: seedApinizer(),
    apinizerTokens: new Map(),
  };
}

export function resetContext(ctx: SandboxContext): void {
  // Same object (ProviderSandbox.config points at it), initial values.
  for (const key of Object.keys(ctx.config)) delete (ctx.config as unknown as Record<string, unknown>)[key];
  Object.assign(ctx.config, ctx.initialConfig);
  // tasks are kept: Gcore never forgets a task id it returned, and a client still following one across a reset must
  // find it (a task that stays unknown is a fault a test asks for: taskVisibilityDelayMs or a 404 fault)
  ctx.faults.clear();
  ctx.requests.clear();
  ctx.gcore = seedGcore();
  ctx.apinizer = seedApinizer();
}

/** Per-request data set by the onRequest hook (provider requests only). */
export interface RequestMeta {
  provider: Provider;
  entry: RequestLogEntry;
  mods: WriteModifiers | null;
}

export const META_KEY = 'sandboxMeta';

type MetaCarrier = { [META_KEY]: RequestMeta | null };

export function setMeta(req: FastifyRequest, meta: RequestMeta): void {
  (req as unknown as MetaCarrier)[META_KEY] = meta;
}

export function getMeta(req: FastifyRequest): RequestMeta | null {
  return (req as unknown as MetaCarrier)[META_KEY];
}

/** The write modifiers of the faults that matched this request, if any. */
export function writeMods(req: FastifyRequest): WriteModifiers {
  return getMeta(req)?.mods ?? {};
}

export function providerOf(path: string): Provider {
  return path.startsWith('/apiops') ? 'apinizer' : 'gcore';
}

export interface TaskRequest {
  taskType: string;
  projectId: number;
  regionId: number;
  data: unknown;
  requestId: string;
}

/** Creates 1 + extraTasks tasks; with `taskError` only the last one fails. */
export function createTasks(ctx: SandboxContext, spec: TaskRequest, mods: WriteModifiers, now: number): TaskRecord[] {
  const n = 1 + (mods.extraTasks ?? 0);
  const tasks: TaskRecord[] = [];
  for (let i = 0; i < n; i++) {
    tasks.push(
      ctx.tasks.create(
        {
          ...spec,
          durationMs: mods.taskDurationMs ?? nextTaskDurationMs(ctx.config),
          failWith: i === n - 1 && mods.taskError !== undefined ? mods.taskError : null,
        },
        now,
      ),
    );
  }
  return tasks;
}
