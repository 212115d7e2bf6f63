import type { TaskWaiter } from './provider-adapter';

/** Between operation id and index in a target reference. */
export const TARGET_REF_SEPARATOR = '#';

/**
 * `<operationId>#<index>`: one target of one operation as Redis keeps it (entries of a target's lane, waiters of a
 * provider task) and as logs name it. Operation ids hold no `#`; the last one separates.
 */
export function formatTargetRef({ operationId, index }: TaskWaiter): string {
  return `${operationId}${TARGET_REF_SEPARATOR}${index}`;
}

export function parseTargetRef(entry: string): TaskWaiter {
  const at = entry.lastIndexOf(TARGET_REF_SEPARATOR);
  return { operationId: entry.slice(0, at), index: Number(entry.slice(at + 1)) };
}
