import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type SandboxContext, createTasks, writeMods } from '../context';
import { sendGcoreError } from './errors';
import type { L7Change, L7Entry, L7Policy, LbEntry, LbUpdateBody } from './model';
import { applyL7Change, applyLbChange, createLock, settleL7, settleLb } from './resources';
import { isTaskVisible } from './strict';
import { type TaskRecord, taskState, taskView } from './tasks';
import { type InvalidFields, checkL7Update, checkLbUpdate, summarize } from './validation';

type ScopeParams = { p: string; r: string };
type ItemParams = ScopeParams & { id: string };
type PageQuery = { limit?: string; offset?: string };

const DIGITS = /^\d+$/;

interface Scope {
  projectId: number;
  regionId: number;
}

/** Parses project_id/region_id from the path; answers 404 and returns null when they are unknown. */
function scopeOf(ctx: SandboxContext, params: ScopeParams, reply: FastifyReply): Scope | null {
  if (!DIGITS.test(params.p) || !DIGITS.test(params.r)) {
    sendGcoreError(reply, 404, 'NotFoundError', 'Not found.');
    return null;
  }
  const projectId = Number(params.p);
  const regionId = Number(params.r);
  if (!ctx.gcore.projects.has(projectId)) {
    sendGcoreError(reply, 404, 'NotFoundError', `Project ${projectId} not found.`);
    return null;
  }
  if (!ctx.gcore.regions.has(regionId)) {
    sendGcoreError(reply, 404, 'NotFoundError', `Region ${regionId} not found.`);
    return null;
  }
  return { projectId, regionId };
}

function page<T>(items: T[], query: PageQuery, defaultLimit = 1000): { count: number; results: T[] } {
  const limit = DIGITS.test(query.limit ?? '') ? Number(query.limit) : defaultLimit;
  const offset = DIGITS.test(query.offset ?? '') ? Number(query.offset) : 0;
  return { count: items.length, results: items.slice(offset, offset + limit) };
}

function invalid(reply: FastifyReply, fields: InvalidFields): FastifyReply {
  return sendGcoreError(reply, 400, 'ValidationError', summarize(fields), fields);
}

export function registerGcoreRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const findL7 = (scope: Scope, id: string): L7Entry | undefined => {
    const e = ctx.gcore.l7.get(id);
    return e && e.policy.project_id === scope.projectId && e.policy.region_id === scope.regionId ? e : undefined;
  };
  const findLb = (scope: Scope, id: string): LbEntry | undefined => {
    const e = ctx.gcore.lbs.get(id);
    return e && e.lb.project_id === scope.projectId && e.lb.region_id === scope.regionId ? e : undefined;
  };
  const l7NotFound = (reply: FastifyReply, id: string): FastifyReply => sendGcoreError(reply, 404, 'NotFoundError', `L7 policy ${id} not found.`);
  const lbNotFound = (reply: FastifyReply, id: string): FastifyReply => sendGcoreError(reply, 404, 'NotFoundError', `Load balancer ${id} not found.`);

  // ---- L7 policies -------------------------------------------------------------------------------
  app.get<{ Params: ScopeParams; Querystring: PageQuery }>('/cloud/v1/l7policies/:p/:r', async (req, reply) => {
    const scope = scopeOf(ctx, req.params, reply);
    if (!scope) return reply;
    const now = Date.now();
    const items = [];
    for (const e of ctx.gcore.l7.values()) {
      if (e.policy.project_id === scope.projectId && e.policy.region_id === scope.regionId) items.push(settleL7(e, now));
    }
    return page(items, req.query);
  });

  app.get<{ Params: ItemParams }>('/cloud/v1/l7policies/:p/:r/:id', async (req, reply) => {
    const scope = scopeOf(ctx, req.params, reply);
    if (!scope) return reply;
    const e = findL7(scope, req.params.id);
    if (!e) return l7NotFound(reply, req.params.id);
    return settleL7(e, Date.now());
  });

  const updateL7 = (mode: 'patch' | 'put') => async (req: FastifyRequest<{ Params: ItemParams }>, reply: FastifyReply) => {
    const scope = scopeOf(ctx, req.params, reply);
    if (!scope) return reply;
    const id = req.params.id;
    const e = findL7(scope, id);
    if (!e) return l7NotFound(reply, id);
    const checked = checkL7Update(req.body, mode === 'put');
    if (!checked.ok) return invalid(reply, checked.invalidFields);
    const body = checked.value;
    if (body.redirect_pool_id !== undefined && !ctx.gcore.pools.has(body.redirect_pool_id)) {
      return invalid(reply, { redirect_pool_id: [`Pool ${body.redirect_pool_id} does not exist.`] });
    }
    const now = Date.now();
    settleL7(e, now);
    if (e.lock) {
      return sendGcoreError(reply, 409, 'ConflictError', `L7 policy ${id} is locked by task ${e.policy.task_id}`);
    }
    if (mode === 'patch' && ctx.config.strict && changesNothing(e.policy, { mode, body })) return { tasks: [] };
    const tasks = createTasks(ctx, { taskType: 'update_l7policy', ...scope, data: req.body, requestId: randomUUID() }, writeMods(req), now);
    e.lock = createLock(tasks, { mode, body });
    settleL7(e, now);
    return { tasks: tasks.map((t) => t.id) };
  };
  app.patch('/cloud/v1/l7policies/:p/:r/:id', updateL7('patch'));
  app.put('/cloud/v1/l7policies/:p/:r/:id', updateL7('put'));

  // ---- Load balancers ----------------------------------------------------------------------------
  app.get<{ Params: ScopeParams; Querystring: PageQuery }>('/cloud/v1/loadbalancers/:p/:r', async (req, reply) => {
    const scope = scopeOf(ctx, req.params, reply);
    if (!scope) return reply;
    const now = Date.now();
    const items = [];
    for (const e of ctx.gcore.lbs.values()) {
      if (e.lb.project_id === scope.projectId && e.lb.region_id === scope.regionId) items.push(settleLb(e, now));
    }
    return page(items, req.query);
  });

  app.get<{ Params: ItemParams }>('/cloud/v1/loadbalancers/:p/:r/:id', async (req, reply) => {
    const scope = scopeOf(ctx, req.params, reply);
    if (!scope) return reply;
    const e = findLb(scope, req.params.id);
    if (!e) return lbNotFound(reply, req.params.id);
    return settleLb(e, Date.now());
  });

  /** Common part of both LB PATCH versions: 404, 400, 409. Returns the entry and body, or null after answering. */
  const prepareLbWrite = (
    req: FastifyRequest<{ Params: ItemParams }>,
    reply: FastifyReply,
    v2: boolean,
  ): { scope: Scope; entry: LbEntry; body: LbUpdateBody; now: number } | null => {
    const scope = scopeOf(ctx, req.params, reply);
    if (!scope) return null;
    const entry = findLb(scope, req.params.id);
    if (!entry) {
      lbNotFound(reply, req.params.id);
      return null;
    }
    const checked = checkLbUpdate(req.body, v2);
    if (!checked.ok) {
      invalid(reply, checked.invalidFields);
      return null;
    }
    const now = Date.now();
    settleLb(entry, now);
    if (entry.lock) {
      sendGcoreError(reply, 409, 'ConflictError', `Load balancer ${entry.lb.id} is locked by task ${entry.lb.task_id}`);
      return null;
    }
    return { scope, entry, body: checked.value, now };
  };

  app.patch<{ Params: ItemParams }>('/cloud/v1/loadbalancers/:p/:r/:id', async (req, reply) => {
    const w = prepareLbWrite(req, reply, false);
    if (!w) return reply;
    applyLbChange(w.entry.lb, w.body, w.now);
    const mods = writeMods(req);
    if (ctx.config.lbPatchCreatesTask || mods.lbTask) {
      const tasks = createTasks(ctx, { taskType: 'update_loadbalancer', ...w.scope, data: w.body, requestId: randomUUID() }, mods, w.now);
      w.entry.lock = createLock<LbUpdateBody>(tasks, null);
    }
    return settleLb(w.entry, w.now);
  });

  app.patch<{ Params: ItemParams }>('/cloud/v2/loadbalancers/:p/:r/:id', async (req, reply) => {
    const w = prepareLbWrite(req, reply, true);
    if (!w) return reply;
    if (Object.keys(w.body).length === 0) return { tasks: [] }; // nothing to change: no task
    const tasks = createTasks(ctx, { taskType: 'update_loadbalancer', ...w.scope, data: w.body, requestId: randomUUID() }, writeMods(req), w.now);
    w.entry.lock = createLock(tasks, w.body);
    settleLb(w.entry, w.now);
    return { tasks: tasks.map((t) => t.id) };
  });

  // ---- Tasks ---------------------------------------------------------------------------------------
  app.get<{ Params: { id: string } }>('/cloud/v1/tasks/:id', async (req, reply) => {
    const t = ctx.tasks.get(req.params.id);
    const now = Date.now();
    if (!t || !isTaskVisible(t, ctx.config, now)) return sendGcoreError(reply, 404, 'NotFoundError', `Task ${req.params.id} not found.`);
    return taskView(t, now);
  });

  type TaskQuery = PageQuery & {
    state?: string | string[];
    project_id?: string | string[];
    region_id?: string | string[];
    task_type?: string;
    order_by?: string;
  };
  app.get<{ Querystring: TaskQuery }>('/cloud/v1/tasks', async (req) => {
    const q = req.query;
    const list = (v: string | string[] | undefined): string[] | null => (v === undefined ? null : ([] as string[]).concat(v));
    const states = list(q.state);
    const projects = list(q.project_id);
    const regions = list(q.region_id);
    const now = Date.now();
    const keep = (t: TaskRecord): boolean =>
      isTaskVisible(t, ctx.config, now) &&
      (!states || states.includes(taskState(t, now))) &&
      (!projects || projects.includes(String(t.projectId))) &&
      (!regions || regions.includes(String(t.regionId))) &&
      (!q.task_type || q.task_type === t.taskType);
    const items: TaskRecord[] = [];
    for (const t of ctx.tasks.all()) if (keep(t)) items.push(t);
    if (q.order_by === 'desc') items.reverse();
    const limit = Math.min(1000, DIGITS.test(q.limit ?? '') ? Number(q.limit) : 10);
    const p = page(items, { ...q, limit: String(limit) });
    return { count: p.count, results: p.results.map((t) => taskView(t, now)) };
  });
}

/** Whether a PATCH would leave the policy as it is (strict mode then answers `{tasks: []}`: no task is created). */
function changesNothing(policy: L7Policy, change: L7Change): boolean {
  const after = structuredClone(policy);
  applyL7Change(after, change);
  return JSON.stringify(after) === JSON.stringify(policy);
}
