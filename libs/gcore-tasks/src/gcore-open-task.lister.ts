import type { GcoreClient, GcoreTask } from '@rpg/gcore';
import type { TaskScope } from '@rpg/routing-policy';

export interface OpenTasks {
  /** Task id → state as listed (only the state is kept: a scope may list thousands). */
  tasks: Map<string, GcoreTask['state']>;
  /** Every open task of the scope is in `tasks`: one that is not has ended. */
  complete: boolean;
  /** Several pages were needed (a task ending while they were fetched may be missing: see GcoreTaskWatcher). */
  paged: boolean;
  /** The listing held ended tasks although it asked for NEW and RUNNING only: the provider ignores the filter. */
  unfiltered: boolean;
}

export interface OpenTaskListerOptions {
  pageLimit?: number;
  maxPages?: number;
  pageConcurrency?: number;
  /** Share of a page requested again by the next one. */
  pageOverlap?: number;
}

const OPEN_STATES: GcoreTask['state'][] = ['NEW', 'RUNNING'];

/**
 * Lists every NEW/RUNNING task of one Gcore project/region with `GET /cloud/v1/tasks`. With a `count`, pages after the
 * first are fetched together and overlap: a task ending meanwhile shifts later offsets down, and the overlap absorbs
 * that. Without one, pages follow each other until an empty one (a short page may be a silently capped limit).
 * Incomplete past `maxPages` pages, when a page is empty although the count says more, or when the pages hold far fewer
 * distinct tasks than the count says (a provider ignoring `offset`).
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
    const query = (offset: number) => this.client.listTasks({ ...scope, states: OPEN_STATES, limit: this.pageLimit, offset });
    const tasks = new Map<string, GcoreTask['state']>();
    const add = (results: GcoreTask[]) => results.forEach((t) => tasks.set(t.id, t.state));
    const done = (complete: boolean, paged: boolean): OpenTasks => ({
      tasks,
      complete,
      paged,
      unfiltered: [...tasks.values()].some((state) => !OPEN_STATES.includes(state)),
    });

    const first = await query(0);
    add(first.results);
    const pageSize = first.results.length;
    if (first.count === null) {
      // no count: page on until an empty page
      let offset = pageSize;
      for (let page = 1; pageSize > 0 && page < this.maxPages; page++) {
        const next = await query(offset);
        if (next.results.length === 0) return done(true, page > 1);
        const known = tasks.size;
        add(next.results);
        if (tasks.size === known) return done(false, true); // the same tasks again: `offset` is ignored
        offset += next.results.length;
      }
      return done(pageSize === 0, false);
    }
    if (pageSize === 0) return done(first.count === 0, false);
    if (pageSize >= first.count) return done(true, false);

    const step = Math.max(1, pageSize - Math.ceil(pageSize * this.pageOverlap));
    const offsets: number[] = [];
    for (let offset = step; offset < first.count && offsets.length < this.maxPages - 1; offset += step) offsets.push(offset);
    for (let i = 0; i < offsets.length; i += this.pageConcurrency) {
      const pages = await Promise.all(offsets.slice(i, i + this.pageConcurrency).map(query));
      for (const page of pages) add(page.results);
    }
    const covered = offsets[offsets.length - 1] + pageSize >= first.count;
    return done(covered && tasks.size >= first.count * 0.9, true);
  }
}
