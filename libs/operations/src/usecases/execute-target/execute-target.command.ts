export interface ExecuteTargetCommand {
  operationId: string;
  index: number;
  /** Whether BullMQ will run this job again if it throws now (Redis away: its attempts; provider outages do not use them). */
  canRetry: boolean;
  /** The provider outage this target is waiting out, as the previous try left it (absent: none so far). */
  outage?: TargetOutage;
  /** The job running this (queue, name, id), for the log line of an internal error. */
  job?: { queue: string; name: string; id?: string; attemptsMade?: number };
}

/** A provider outage a target is waiting out: when its first failure was (epoch ms), and how many tries failed since. */
export interface TargetOutage {
  since: number;
  attempt: number;
}
