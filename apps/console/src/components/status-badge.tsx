/** An operation's, a target's or a delivery's status as text with a colour that repeats it (never colour alone). */
const TONES: Record<string, string> = {
  SUCCEEDED: 'good',
  FINISHED: 'good',
  COMPLETED: 'good',
  IN_SYNC: 'good',
  ENABLED: 'good',
  FAILED: 'bad',
  ROLLBACK_FAILED: 'bad',
  DRIFTED: 'bad',
  ERROR: 'bad',
  DISABLED: 'bad',
  PARTIALLY_SUCCEEDED: 'warn',
  ROLLED_BACK: 'warn',
  CANCELLED: 'warn',
  SKIPPED: 'warn',
  NOT_FOUND: 'warn',
  HALTED: 'warn',
  RUNNING: 'busy',
  PENDING: 'busy',
  NEW: 'busy',
  PAUSED: 'busy',
  COMPENSATING: 'busy',
};

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${TONES[status] ?? 'plain'}`}>{status}</span>;
}
