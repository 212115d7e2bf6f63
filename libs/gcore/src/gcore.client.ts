import { ERROR_CODES, ProviderError } from '@rpg/routing-policy';
import { ProviderHttpClient, ProviderRequest, ProviderResponse, ProviderUnavailableError, sleep } from '@rpg/provider-http';
import { mapGcoreError } from './gcore-error.mapper';
import type { GcoreL7Policy, GcoreLoadBalancer, GcoreTask, GcoreTaskListQuery, GcoreTaskPage } from './gcore.types';

export interface GcoreClientOptions {
  apiKey: string;
  /** How long a write keeps retrying while Gcore answers 409 (resource locked by a running task). */
  lockWaitMs: number;
}

type ResourcePath = { projectId: number; regionId: number; id: string };

/** What a load balancer PATCH answered: the load balancer (v1), and the tasks to follow (its lock task, or a v2 list). */
export interface LoadBalancerWrite {
  loadBalancer?: GcoreLoadBalancer;
  taskIds: string[];
}

const TASK_LIST_TIMEOUT_MS = 5_000;

/**
 * Rebuilds a write's body from a fresh read of the resource (for bodies that echo current values, like an L7 PATCH's
 * action + target field). Returns null while the resource is still locked by a task: nothing is sent then.
 */
export type RebuildBody = () => Promise<Record<string, unknown> | null>;

export interface LockedWriteOptions {
  /** Called after every lock wait so the retried body reflects what the lock's task changed. */
  rebuild?: RebuildBody;
  /** The body was built from a read of a locked resource: rebuild (after the lock) before sending anything. */
  readWhileLocked?: boolean;
}

/** The one place that speaks Gcore's Cloud API (auth header, paths, error shapes, the 409 lock wait). */
export class GcoreClient {
  constructor(
    private readonly http: ProviderHttpClient,
    private readonly options: GcoreClientOptions,
  ) {}

  static l7PolicyPath(t: ResourcePath): string {
    return `/cloud/v1/l7policies/${t.projectId}/${t.regionId}/${encodeURIComponent(t.id)}`;
  }
  static loadBalancerPath(t: ResourcePath): string {
    return `/cloud/v1/loadbalancers/${t.projectId}/${t.regionId}/${encodeURIComponent(t.id)}`;
  }

  getL7Policy(t: ResourcePath): Promise<GcoreL7Policy> {
    return this.call<GcoreL7Policy>({ method: 'GET', path: GcoreClient.l7PolicyPath(t), operation: 'l7policy.get' }, 'L7 policy read');
  }

  /**
   * The task ids of an L7 PATCH. `tasks: []` is Gcore's answer to a PATCH that changes nothing (the py SDK's
   * update_and_poll then skips polling); a 2xx without a list of task ids is malformed: nothing says the change runs.
   */
  async patchL7Policy(t: ResourcePath, body: Record<string, unknown>, options: LockedWriteOptions = {}): Promise<string[]> {
    const what = 'L7 policy update';
    const res = await this.write<unknown>({ method: 'PATCH', path: GcoreClient.l7PolicyPath(t), body, operation: 'l7policy.patch' }, what, options);
    const tasks = taskIdList(res.body);
    if (!tasks) throw malformedAnswer(what, res, 'it had no task list (`tasks`: a list of task ids)');
    return tasks;
  }

  getLoadBalancer(t: ResourcePath): Promise<GcoreLoadBalancer> {
    return this.call<GcoreLoadBalancer>({ method: 'GET', path: GcoreClient.loadBalancerPath(t), operation: 'loadbalancer.get' }, 'load balancer read');
  }

  /**
   * v1 PATCH answers the updated load balancer (whose `task_id`, when set, is a task to follow); a v2-style
   * `{tasks: [...]}` answer is accepted too. A 2xx without a body (lgo accepts 200/201/204) is confirmed by reading the
   * load balancer, as if that read were the answer. Any other 2xx is malformed.
   */
  async patchLoadBalancer(t: ResourcePath, body: Record<string, unknown>): Promise<LoadBalancerWrite> {
    const what = 'load balancer update';
    const res = await this.write<unknown>({ method: 'PATCH', path: GcoreClient.loadBalancerPath(t), body, operation: 'loadbalancer.patch' }, what);
    if (res.body === null || res.body === '') {
      const loadBalancer = await this.getLoadBalancer(t);
      return { loadBalancer, taskIds: isTaskId(loadBalancer.task_id) ? [loadBalancer.task_id] : [] };
    }
    const answer = res.body as (Partial<GcoreLoadBalancer> & { tasks?: unknown }) | null;
    if (answer && typeof answer === 'object' && !Array.isArray(answer)) {
      if ('tasks' in answer) {
        const tasks = taskIdList(answer);
        if (tasks) return { taskIds: tasks };
      } else if (typeof answer.id === 'string' && (answer.task_id == null || isTaskId(answer.task_id))) {
        return { loadBalancer: answer as GcoreLoadBalancer, taskIds: answer.task_id ? [answer.task_id] : [] };
      }
    }
    throw malformedAnswer(what, res, 'it was neither a load balancer nor a task list');
  }

  getTask(taskId: string): Promise<GcoreTask> {
    return this.call<GcoreTask>({ method: 'GET', path: `/cloud/v1/tasks/${encodeURIComponent(taskId)}`, operation: 'task.get' }, 'task read');
  }

  /**
   * One offset page of `GET /cloud/v1/tasks` (repeatable `state`; limit ≤ 1000). A background read: one attempt, a short
   * timeout, and outside the circuit breaker (its failures must not hold up writes). `count` is null when the answer
   * does not say (a bare array of tasks is tolerated); any other shape is an error.
   */
  async listTasks(query: GcoreTaskListQuery): Promise<GcoreTaskPage> {
    const params = new URLSearchParams({ project_id: String(query.projectId), region_id: String(query.regionId) });
    for (const state of query.states) params.append('state', state);
    params.set('limit', String(query.limit));
    params.set('offset', String(query.offset));
    params.set('order_by', 'asc');
    const page = await this.call<Partial<GcoreTaskPage> | GcoreTask[] | null>(
      { method: 'GET', path: `/cloud/v1/tasks?${params.toString()}`, operation: 'task.list', maxAttempts: 1, timeoutMs: TASK_LIST_TIMEOUT_MS, circuit: false },
      'task list',
    );
    const items = Array.isArray(page) ? page : Array.isArray(page?.results) ? page.results : null;
    if (!items)
      throw new ProviderError(ERROR_CODES.providerError, 'Gcore task list: the answer is neither a page ({count, results}) nor a list of tasks', {
        providerStatus: 200,
        providerBody: page,
      });
    const results = items.filter((t): t is GcoreTask => typeof (t as GcoreTask | null)?.id === 'string' && typeof (t as GcoreTask | null)?.state === 'string');
    const count = !Array.isArray(page) && typeof page?.count === 'number' ? page.count : null;
    return { count, results };
  }

  /** Whether Gcore calls are currently held back by the circuit breaker (background reads then skip their turn). */
  get circuitOpen(): boolean {
    return this.http.breaker.current === 'open';
  }

  /**
   * A write that waits out 409 "locked by a running task" for up to lockWaitMs, then fails with RESOURCE_LOCKED.
   * With `rebuild`, the body is rebuilt from a fresh read after each wait: the task holding the lock may have changed the
   * very values the body echoes, and re-sending the old body would silently undo that change.
   */
  private async write<T>(req: ProviderRequest, what: string, options: LockedWriteOptions = {}): Promise<ProviderResponse<T>> {
    const { rebuild } = options;
    const deadline = Date.now() + this.options.lockWaitMs;
    let wait = 1_000;
    let locked = Boolean(rebuild && options.readWhileLocked);
    let lockBody: unknown;
    let lockStatus: number | undefined;
    for (;;) {
      if (locked && rebuild) {
        const body = await rebuild();
        if (body) {
          req = { ...req, body };
          locked = false;
        }
      }
      if (!locked) {
        const res = await this.send<T>(req, what);
        if (res.status !== 409) {
          this.unwrap(res, what);
          return res;
        }
        locked = true;
        lockBody = res.body;
        lockStatus = 409;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const waited = `still locked after waiting ${Math.round(this.options.lockWaitMs / 1000)} s`;
        const message = lockStatus
          ? `${mapGcoreError(409, lockBody, what).message} (${waited})`
          : `Gcore ${what}: the resource is locked by a running task (${waited})`;
        throw new ProviderError(ERROR_CODES.resourceLocked, message, { providerStatus: lockStatus, providerBody: lockBody });
      }
      await sleep(Math.min(wait, remaining));
      wait = Math.min(wait * 1.5, 5_000);
      if (!rebuild) locked = false; // same body again
    }
  }

  private async call<T>(req: ProviderRequest, what: string): Promise<T> {
    return this.unwrap(await this.send<T>(req, what), what);
  }

  private async send<T>(req: ProviderRequest, what: string): Promise<ProviderResponse<T>> {
    try {
      return await this.http.send<T>({ ...req, headers: { authorization: `APIKey ${this.options.apiKey}`, ...req.headers } });
    } catch (error) {
      if (error instanceof ProviderUnavailableError) {
        throw new ProviderError(ERROR_CODES.providerUnavailable, `Gcore ${what} failed: ${error.message}`, {
          providerStatus: error.lastStatus,
          providerBody: error.lastBody,
          retryable: true,
        });
      }
      throw error;
    }
  }

  private unwrap<T>(res: ProviderResponse<T>, what: string): T {
    if (res.status >= 200 && res.status < 300) return res.body;
    throw mapGcoreError(res.status, res.body, what);
  }
}

function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The `tasks` of a TaskIDList answer, or null when there is no such list (or an item is not a task id). */
function taskIdList(body: unknown): string[] | null {
  const tasks = body && typeof body === 'object' && !Array.isArray(body) ? (body as { tasks?: unknown }).tasks : undefined;
  return Array.isArray(tasks) && tasks.every(isTaskId) ? [...new Set(tasks)] : null;
}

function malformedAnswer(what: string, res: ProviderResponse<unknown>, why: string): ProviderError {
  return new ProviderError(
    ERROR_CODES.providerError,
    `Gcore ${what} answered ${res.status} but ${why}: the answer is malformed, so whether the change was applied is unknown (read the target to check)`,
    { providerStatus: res.status, providerBody: res.body },
  );
}
