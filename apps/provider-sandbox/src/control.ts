import type { FastifyInstance } from 'fastify';
import { checkConfigPatch } from './config';
import { type SandboxContext, resetContext } from './context';
import { checkFaultSpec } from './faults';
import type { Lock } from './gcore/model';
import { settleL7, settleLb } from './gcore/resources';
import { taskControlView } from './gcore/tasks';

/** The control API under /__sandbox (no auth, no latency, no faults, not counted). */
export function registerControlRoutes(app: FastifyInstance, ctx: SandboxContext): void {
  const badRequest = (errors: string[]) => ({ error: 'bad_request', message: errors.join('; '), errors });

  app.post('/__sandbox/reset', async () => {
    resetContext(ctx);
    return { ok: true };
  });

  app.get('/__sandbox/config', async () => ctx.config);

  app.patch('/__sandbox/config', async (req, reply) => {
    const checked = checkConfigPatch(req.body ?? {});
    if (!checked.ok) return reply.code(400).send(badRequest(checked.errors));
    Object.assign(ctx.config, checked.value);
    return ctx.config;
  });

  app.get('/__sandbox/faults', async () => ({ faults: ctx.faults.list() }));

  app.post('/__sandbox/faults', async (req, reply) => {
    const checked = checkFaultSpec(req.body);
    if (!checked.ok) return reply.code(400).send(badRequest(checked.errors));
    const fault = ctx.faults.add(checked.value);
    return reply.code(201).send({ id: fault.id });
  });

  app.delete('/__sandbox/faults', async () => ({ cleared: ctx.faults.clear() }));

  app.get('/__sandbox/requests', async () => ctx.requests.snapshot());

  app.delete('/__sandbox/requests', async () => {
    ctx.requests.clear();
    return { ok: true };
  });

  app.get<{ Params: { id: string } }>('/__sandbox/tasks/:id', async (req, reply) => {
    const t = ctx.tasks.get(req.params.id);
    if (!t) return reply.code(404).send({ error: 'not_found', message: `task ${req.params.id} not found` });
    return taskControlView(t, Date.now());
  });

  app.get<{ Params: { id: string } }>('/__sandbox/state/l7policies/:id', async (req, reply) => {
    const e = ctx.gcore.l7.get(req.params.id);
    if (!e) return reply.code(404).send({ error: 'not_found', message: `L7 policy ${req.params.id} not found` });
    const policy = settleL7(e, Date.now());
    return { ...policy, lock: lockView(e.lock) };
  });

  app.get<{ Params: { id: string } }>('/__sandbox/state/loadbalancers/:id', async (req, reply) => {
    const e = ctx.gcore.lbs.get(req.params.id);
    if (!e) return reply.code(404).send({ error: 'not_found', message: `load balancer ${req.params.id} not found` });
    const lb = settleLb(e, Date.now());
    return { ...lb, lock: lockView(e.lock) };
  });

  app.get<{ Params: { project: string; proxy: string } }>('/__sandbox/state/apinizer/:project/:proxy', async (req, reply) => {
    const proxy = ctx.apinizer.projects.get(req.params.project)?.proxies.get(req.params.proxy);
    if (!proxy) return reply.code(404).send({ error: 'not_found', message: `proxy ${req.params.project}/${req.params.proxy} not found` });
    return proxy;
  });
}

function lockView(lock: Lock<unknown> | null): Record<string, unknown> | null {
  if (!lock) return null;
  return { taskIds: lock.tasks.map((t) => t.id), finishAtMs: lock.finishAtMs, failed: lock.failed, pendingChange: lock.change };
}
