/** `Prefer: wait=N` (RFC 7240), N in seconds; undefined when absent or not a number. */
export function parsePreferWait(prefer: string | string[] | undefined): number | undefined {
  const value = Array.isArray(prefer) ? prefer.join(',') : prefer;
  const match = /(?:^|[,;\s])wait\s*=\s*(\d{1,4})(?:\s*(?:[,;]|$))/i.exec(value ?? '');
  return match ? Number(match[1]) : undefined;
}
