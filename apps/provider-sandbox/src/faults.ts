import { randomUUID } from 'node:crypto';
import type { Checked } from './config';

/** Body of `POST /__sandbox/faults`. */
export interface FaultSpec {
  method?: string;
  /** Matches when the request path (with its query string) contains this string. */
  path: string;
  /** How many matching requests use it (default 1; -1 = unlimited). */
  count?: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
  taskError?: string;
  taskDurationMs?: number;
  extraTasks?: number;
  lbTask?: boolean;
  deployFailEnvs?: string[];
}

export interface Fault extends FaultSpec {
  id: string;
  /** Uses left; -1 = unlimited. */
  remaining: number;
  hits: number;
}

/** What a fault changes in the normal handling of a write. */
export interface WriteModifiers {
  taskError?: string;
  taskDurationMs?: number;
  extraTasks?: number;
  lbTask?: boolean;
  deployFailEnvs?: string[];
}

export interface FaultMatch {
  delayMs: number;
  hang: boolean;
  /** Set when a fault answers in place of the provider. */
  status?: number;
  hasBody: boolean;
  body?: unknown;
  headers?: Record<string, string>;
  mods: WriteModifiers | null;
}

const SPEC_KEYS = new Set([
  'method',
  'path',
  'count',
  'status',
  'body',
  'headers',
  'delayMs',
  'hang',
  'taskError',
  'taskDurationMs',
  'extraTasks',
  'lbTask',
  'deployFailEnvs',
]);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export function checkFaultSpec(input: unknown): Checked<FaultSpec> {
  if (!isObj(input)) return { ok: false, errors: ['body must be an object'] };
  const e: string[] = [];
  for (const k of Object.keys(input)) if (!SPEC_KEYS.has(k)) e.push(`${k}: unknown field`);
  const s = input;
  if (typeof s.path !== 'string' || s.path.length === 0) e.push('path: must be a non-empty string');
  if (s.method !== undefined && typeof s.method !== 'string') e.push('method: must be a string');
  if (s.count !== undefined && !(isInt(s.count) && (s.count >= 1 || s.count === -1))) e.push('count: must be an integer >= 1 or -1');
  if (s.status !== undefined && !(isInt(s.status) && s.status >= 100 && s.status <= 599)) e.push('status: must be an HTTP status code');
  if (s.headers !== undefined && !(isObj(s.headers) && Object.values(s.headers).every((h) => typeof h === 'string'))) {
    e.push('headers: must be an object of strings');
  }
  for (const k of ['delayMs', 'taskDurationMs'] as const) {
    if (s[k] !== undefined && !(typeof s[k] === 'number' && s[k] >= 0)) e.push(`${k}: must be a number >= 0`);
  }
  if (s.extraTasks !== undefined && !(isInt(s.extraTasks) && s.extraTasks >= 0)) e.push('extraTasks: must be an integer >= 0');
  for (const k of ['hang', 'lbTask'] as const) {
    if (s[k] !== undefined && typeof s[k] !== 'boolean') e.push(`${k}: must be a boolean`);
  }
  if (s.taskError !== undefined && typeof s.taskError !== 'string') e.push('taskError: must be a string');
  if (s.deployFailEnvs !== undefined && !(Array.isArray(s.deployFailEnvs) && s.deployFailEnvs.every((x) => typeof x === 'string'))) {
    e.push('deployFailEnvs: must be an array of strings');
  }
  return e.length ? { ok: false, errors: e } : { ok: true, value: s as unknown as FaultSpec };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Injected faults, checked in insertion order. Every matching fault uses up one count per matching request;
 * the first fault that answers by itself (`hang` or `status`) ends the walk, so later faults are not used.
 * Delays of the used faults add up; write modifiers are merged (later ones win per field).
 * A fault that only modifies writes (no method, status, hang, delayMs or headers) matches only non-GET requests,
 * so a gateway's read before its write does not use it up.
 */
export class FaultStore {
  private faults: Fault[] = [];

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: randomUUID(), remaining: spec.count ?? 1, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults;
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  match(method: string, path: string): FaultMatch | null {
    if (this.faults.length === 0) return null;
    let decoded: string | undefined;
    let result: FaultMatch | null = null;
    let exhausted = false;
    for (const f of this.faults) {
      if (f.remaining === 0) continue;
      if (f.method !== undefined && f.method.toUpperCase() !== method) continue;
      if (f.method === undefined && (method === 'GET' || method === 'HEAD') && isWriteOnly(f)) continue;
      if (!path.includes(f.path)) {
        if (!path.includes('%')) continue;
        decoded ??= safeDecode(path);
        if (!decoded.includes(f.path)) continue;
      }
      f.hits++;
      if (f.remaining > 0 && --f.remaining === 0) exhausted = true;
      result ??= { delayMs: 0, hang: false, hasBody: false, mods: null };
      result.delayMs += f.delayMs ?? 0;
      if (f.headers) result.headers = { ...result.headers, ...f.headers };
      const mods = pickMods(f);
      if (mods) result.mods = { ...result.mods, ...mods };
      if (f.hang) {
        result.hang = true;
        break;
      }
      if (f.status !== undefined) {
        result.status = f.status;
        result.hasBody = f.body !== undefined;
        result.body = f.body;
        break;
      }
    }
    if (exhausted) this.faults = this.faults.filter((f) => f.remaining !== 0);
    return result;
  }
}

function isWriteOnly(f: Fault): boolean {
  return f.status === undefined && !f.hang && f.delayMs === undefined && f.headers === undefined;
}

function pickMods(f: Fault): WriteModifiers | null {
  let m: WriteModifiers | null = null;
  if (f.taskError !== undefined) (m ??= {}).taskError = f.taskError;
  if (f.taskDurationMs !== undefined) (m ??= {}).taskDurationMs = f.taskDurationMs;
  if (f.extraTasks !== undefined) (m ??= {}).extraTasks = f.extraTasks;
  if (f.lbTask !== undefined) (m ??= {}).lbTask = f.lbTask;
  if (f.deployFailEnvs !== undefined) (m ??= {}).deployFailEnvs = f.deployFailEnvs;
  return m;
}
