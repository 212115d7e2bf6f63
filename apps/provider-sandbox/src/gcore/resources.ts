import type { TaskRecord } from './tasks';
import type { L7Change, L7Entry, L7Policy, LbEntry, LbUpdateBody, LoadBalancer, Lock } from './model';

export function createLock<C>(tasks: TaskRecord[], change: C | null): Lock<C> {
  let finishAtMs = 0;
  let failed = false;
  for (const t of tasks) {
    finishAtMs = Math.max(finishAtMs, t.finishAtMs);
    if (t.failWith !== null) failed = true;
  }
  return { tasks, finishAtMs, failed, change };
}

/** The first task of the lock that is not terminal yet (the one shown as `task_id`). */
function holdingTask(lock: Lock<unknown>, now: number): TaskRecord {
  return lock.tasks.find((t) => now < t.finishAtMs) ?? lock.tasks[lock.tasks.length - 1];
}

/**
 * Brings an L7 policy up to date with the clock: applies its pending change once every task FINISHED,
 * drops it when one ended in ERROR, and shows the lock (task_id, PENDING_UPDATE) while tasks run.
 */
export function settleL7(entry: L7Entry, now: number): L7Policy {
  const p = entry.policy;
  const lock = entry.lock;
  if (!lock) return p;
  if (now >= lock.finishAtMs) {
    if (!lock.failed && lock.change) applyL7Change(p, lock.change);
    entry.lock = null;
    p.task_id = null;
    p.provisioning_status = 'ACTIVE';
  } else {
    p.task_id = holdingTask(lock, now).id;
    p.provisioning_status = 'PENDING_UPDATE';
  }
  return p;
}

const CODE_ACTIONS = new Set(['REDIRECT_TO_URL', 'REDIRECT_PREFIX']);

export function applyL7Change(p: L7Policy, change: L7Change): void {
  const b = change.body;
  if (change.mode === 'put') {
    p.action = b.action;
    p.redirect_url = b.redirect_url ?? null;
    p.redirect_prefix = b.redirect_prefix ?? null;
    p.redirect_pool_id = b.redirect_pool_id ?? null;
    p.redirect_http_code = CODE_ACTIONS.has(b.action) ? (b.redirect_http_code ?? 302) : null;
    p.tags = b.tags ? [...b.tags] : [];
    if (b.name !== undefined) p.name = b.name;
    if (b.position !== undefined) p.position = b.position;
    return;
  }
  if (b.action !== p.action) {
    p.action = b.action;
    if (b.action !== 'REDIRECT_TO_URL') p.redirect_url = null;
    if (b.action !== 'REDIRECT_PREFIX') p.redirect_prefix = null;
    if (b.action !== 'REDIRECT_TO_POOL') p.redirect_pool_id = null;
    if (!CODE_ACTIONS.has(b.action)) p.redirect_http_code = null;
  }
  if (b.name !== undefined) p.name = b.name;
  if (b.position !== undefined) p.position = b.position;
  if (b.redirect_url !== undefined) p.redirect_url = b.redirect_url;
  if (b.redirect_prefix !== undefined) p.redirect_prefix = b.redirect_prefix;
  if (b.redirect_pool_id !== undefined) p.redirect_pool_id = b.redirect_pool_id;
  if (b.redirect_http_code !== undefined) p.redirect_http_code = b.redirect_http_code;
  if (b.tags !== undefined) p.tags = [...b.tags];
  if (CODE_ACTIONS.has(p.action) && p.redirect_http_code === null) p.redirect_http_code = 302;
}

/** Same as settleL7, for load balancers. */
export function settleLb(entry: LbEntry, now: number): LoadBalancer {
  const lb = entry.lb;
  const lock = entry.lock;
  if (!lock) return lb;
  if (now >= lock.finishAtMs) {
    if (!lock.failed && lock.change) applyLbChange(lb, lock.change, lock.finishAtMs);
    entry.lock = null;
    lb.task_id = null;
    lb.provisioning_status = 'ACTIVE';
  } else {
    lb.task_id = holdingTask(lock, now).id;
    lb.provisioning_status = 'PENDING_UPDATE';
  }
  return lb;
}

export function applyLbChange(lb: LoadBalancer, b: LbUpdateBody, atMs: number): void {
  if (b.name !== undefined) lb.name = b.name;
  if (b.preferred_connectivity !== undefined) lb.preferred_connectivity = b.preferred_connectivity;
  if (b.admin_state_up !== undefined) lb.admin_state_up = b.admin_state_up;
  if (b.logging !== undefined) {
    const l = b.logging;
    lb.logging = {
      ...lb.logging,
      ...l,
      retention_policy: l.retention_policy === undefined ? lb.logging.retention_policy : l.retention_policy && { ...l.retention_policy },
    };
  }
  if (b.tags !== undefined) mergeTags(lb, b.tags);
  lb.updated_at = new Date(atMs).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** JSON Merge Patch (RFC 7386) of the user tags; read-only tags never change. */
function mergeTags(lb: LoadBalancer, patch: Record<string, string | null> | null): void {
  if (patch === null) {
    lb.tags_v2 = lb.tags_v2.filter((t) => t.read_only);
    return;
  }
  for (const [key, value] of Object.entries(patch)) {
    const i = lb.tags_v2.findIndex((t) => t.key === key);
    const existing = i === -1 ? undefined : lb.tags_v2[i];
    if (existing?.read_only) continue;
    if (value === null) {
      if (existing) lb.tags_v2.splice(i, 1);
    } else if (existing) {
      existing.value = value;
    } else {
      lb.tags_v2.push({ key, value, read_only: false });
    }
  }
}
