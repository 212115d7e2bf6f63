/**
 * How List Policies answers: `status` / `success` full items in the crud / per-policy envelope, `summary` named summary
 * items, `summary-nameless` the crud page's example (items `{type, active, description}` without `name`). `auto`: `status`,
 * or `summary-nameless` in strict mode (resolved on each request, so a runtime switch to strict applies).
 */
export type ApinizerListMode = 'status' | 'success' | 'summary' | 'summary-nameless';
export type ApinizerDeployShape = 'detailList' | 'deploymentResults';

/** Runtime behaviour of the sandbox. Every field can be changed with `PATCH /__sandbox/config`. */
export interface SandboxConfig {
  /** Duration of every new Gcore task (ms). */
  taskDurationMs: number;
  /** When both min and max are set, each new task gets a uniform random duration in [min, max]. */
  taskDurationMinMs?: number | null;
  taskDurationMaxMs?: number | null;
  /** Added to every provider request (not to control requests). */
  latencyMs: number;
  gcoreApiKey: string;
  apinizerToken: string;
  apinizerUsername: string;
  apinizerPassword: string;
  apinizerTokenTtlS: number;
  apinizerListMode: ApinizerListMode | 'auto';
  apinizerDeployShape: ApinizerDeployShape;
  /** When true, the v1 LB PATCH also creates an `update_loadbalancer` task and locks the LB until it ends. */
  lbPatchCreatesTask: boolean;
  /**
   * How long a new Gcore task stays invisible (its GET answers 404, the listing leaves it out): Gcore's task store is
   * eventually consistent. null: 0, or STRICT_TASK_VISIBILITY_DELAY_MS in strict mode (resolved on each request).
   */
  taskVisibilityDelayMs?: number | null;
  /**
   * Strict mode: answer as the references say and, where they are silent or in conflict, take the reading least
   * favourable to the gateway (see README "Provider sandbox"). Tests run strict; `npm start`, README examples and the bench
   * keep the friendly default.
   */
  strict: boolean;
}

export const DEFAULT_SANDBOX_CONFIG: Readonly<SandboxConfig> = Object.freeze({
  taskDurationMs: 2000,
  taskDurationMinMs: null,
  taskDurationMaxMs: null,
  latencyMs: 0,
  gcoreApiKey: 'sandbox-gcore-key',
  apinizerToken: 'sandbox-apinizer-token',
  apinizerUsername: 'sandbox',
  apinizerPassword: 'sandbox-password',
  apinizerTokenTtlS: 3600,
  apinizerListMode: 'auto',
  apinizerDeployShape: 'detailList',
  lbPatchCreatesTask: false,
  taskVisibilityDelayMs: null,
  strict: false,
});

type FieldKind = 'ms' | 'optionalMs' | 'string' | 'positive' | 'bool' | readonly string[];

const FIELDS: Record<keyof SandboxConfig, FieldKind> = {
  taskDurationMs: 'ms',
  taskDurationMinMs: 'optionalMs',
  taskDurationMaxMs: 'optionalMs',
  latencyMs: 'ms',
  gcoreApiKey: 'string',
  apinizerToken: 'string',
  apinizerUsername: 'string',
  apinizerPassword: 'string',
  apinizerTokenTtlS: 'positive',
  apinizerListMode: ['auto', 'status', 'success', 'summary', 'summary-nameless'],
  apinizerDeployShape: ['detailList', 'deploymentResults'],
  lbPatchCreatesTask: 'bool',
  taskVisibilityDelayMs: 'optionalMs',
  strict: 'bool',
};

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function checkField(kind: FieldKind, v: unknown): string | null {
  const isMs = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  if (Array.isArray(kind)) return kind.includes(v) ? null : `must be one of ${kind.join(', ')}`;
  switch (kind) {
    case 'ms':
      return isMs(v) ? null : 'must be a number >= 0';
    case 'optionalMs':
      return v === null || isMs(v) ? null : 'must be a number >= 0 or null';
    case 'positive':
      return typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a number > 0';
    case 'string':
      return typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string';
    case 'bool':
      return typeof v === 'boolean' ? null : 'must be a boolean';
    default:
      return 'unknown kind';
  }
}

/** Checks a partial config (from the control API or from createProviderSandbox options). */
export function checkConfigPatch(input: unknown): Checked<Partial<SandboxConfig>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: ['body must be an object'] };
  }
  const errors: string[] = [];
  const value: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(input)) {
    const kind = FIELDS[key as keyof SandboxConfig];
    if (kind === undefined) {
      errors.push(`${key}: unknown field`);
      continue;
    }
    if (v === undefined) continue;
    const err = checkField(kind, v);
    if (err) errors.push(`${key}: ${err}`);
    else value[key] = v;
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: value };
}

/** The duration of a new task under `config`. */
export function nextTaskDurationMs(config: SandboxConfig): number {
  const min = config.taskDurationMinMs;
  const max = config.taskDurationMaxMs;
  if (typeof min === 'number' && typeof max === 'number') {
    const lo = Math.min(min, max);
    const hi = Math.max(min, max);
    return Math.round(lo + Math.random() * (hi - lo));
  }
  return config.taskDurationMs;
}
