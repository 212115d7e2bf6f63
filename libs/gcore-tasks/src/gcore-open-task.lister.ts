import type { GcoreClient, GcoreTask } from '@rpg/gcore';
import type { TaskScope } from '@rpg/routing-policy';

export interface OpenTasks {
  /** Task id → state as listed (only the state is kept: a scope may list thousands). */
  tasks: Map<string, GcoreTask['state']>;
  /** Every open task of the scope is in `tasks`: one that is not has ended. */
  complete: boolean;
  /** Several pages were needed (a task ending while they were fetched may be missing: see GcoreTaskWatcher). */
  paged: boolean;
}

export interface OpenTaskListerOptions {
  pageLimit?: number;
  maxPages?: number;
  pageConcurrency?: number;
  /** Share of a page requested again by the next one. */
  pageOverlap?: number;
}

/**
 * Lists every NEW/RUNNING task of one Gcore project/region with `GET /cloud/v1/tasks`. Pages after the first are fetched
 * together and overlap: a task ending meanwhile shifts later offsets down, and the overlap absorbs that. Incomplete past
 * `maxPages` pages, or when the pages hold far fewer distinct tasks than the count says (a provider ignoring `offset`).
 */
export class GcoreOpenTaskLister {
  private readonly pageLimit: number;
  private readonly maxPages: number;
  private readonly pageConcurrency: number;
  private readonly pageOverlap: number;

  constructor(
    private readonly client: GcoreClient,
    options: OpenTaskListerOptions = {},
  ) {
    this.pageLimit = options.pageLimit ?? 1000; // the API's maximum
    this.maxPages = options.maxPages ?? 20;
    this.pageConcurrency = options.pageConcurrency ?? 4;
    this.pageOverlap = options.pageOverlap ?? 0.1;
  }

  async list(scope: TaskScope): Promise<OpenTasks> {
    const query = (offset: number) => this.client.listTasks({ ...scope, states: ['NEW', 'RUNNING'], limit: this.pageLimit, offset });
    const first = await query(0);
    const tasks = new Map(first.results.map((t) => [t.id, t.state]));
    const pageSize = first.results.length;
    if (pageSize === 0 || pageSize >= first.count) return { tasks, complete: true, paged: false };
    const step = Math.max(1, pageSize - Math.ceil(pageSize * this.pageOverlap));
    const offsets: number[] = [];
    for (let offset = step; offset < first.count && offsets.length < this.maxPages - 1; offset += step) offsets.push(offset);
    for (let i = 0; i < offsets.length; i += this.pageConcurrency) {
      const pages = await Promise.all(offsets.slice(i, i + this.pageConcurrency).map(query));
      for (const page of pages) for (const t of page.results) tasks.set(t.id, t.state);
    }
    const covered = offsets[offsets.length - 1] + pageSize >= first.count;
    return { tasks, complete: covered && tasks.size >= first.count * 0.9, paged: true };
  }
}
