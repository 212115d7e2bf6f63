/** What the console tells a person about a failed call: the gateway's problem details, or a network failure. */
import { isGatewayError, type DriftItem } from '@routing-policy-gateway/client';

export interface FieldError {
  path: string;
  message: string;
}

export interface ShownProblem {
  /** One line: the problem's title and detail, or the network error. */
  summary: string;
  status?: number;
  requestId?: string;
  /** The fields at fault (`updates[0].changes.redirectHttpCode`). */
  fieldErrors: FieldError[];
}

export function describeError(error: unknown): ShownProblem {
  if (isGatewayError(error)) {
    const { problem } = error;
    const detail = problem.detail && problem.detail !== problem.title ? `: ${problem.detail}` : '';
    return { summary: `${problem.title}${detail}`, status: error.status, requestId: error.requestId, fieldErrors: problem.errors ?? [] };
  }
  if (error instanceof Error) return { summary: `The gateway could not be reached (${error.message}).`, fieldErrors: [] };
  return { summary: String(error), fieldErrors: [] };
}

/** A revert refused with 409 because targets changed since: the drifted items of its problem (`items`). */
export function driftRefusal(error: unknown): { detail: string; items: DriftItem[] } | undefined {
  if (!isGatewayError(error) || error.status !== 409) return undefined;
  const items: unknown = error.problem.items;
  if (!Array.isArray(items)) return undefined;
  return { detail: error.problem.detail, items: items.filter(isDriftItem) };
}

/** A drift item as the gateway sends it (in a 409 problem's `items`, or a revert dry run's `drift`). */
export function isDriftItem(value: unknown): value is DriftItem {
  return typeof value === 'object' && value !== null && 'state' in value && 'index' in value;
}
