import type { Target } from '@rpg/routing-policy';

export interface LookupTargetsCommand {
  targets: Target[];
  /** Per target; LOOKUP_TIMEOUT_MS when absent. */
  timeoutMs?: number;
}
