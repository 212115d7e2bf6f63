import { ResultDetail } from '@rpg/routing-policy';

/** The before-state a result already holds (recorded by an earlier attempt), to carry into every later detail. */
export function keptBefore(result: ResultDetail): Pick<ResultDetail, 'before' | 'beforeUnavailable'> {
  if (result.before) return { before: result.before };
  return result.beforeUnavailable ? { beforeUnavailable: result.beforeUnavailable } : {};
}
