export interface ExecuteTargetCommand {
  operationId: string;
  index: number;
  /** Whether BullMQ will run this job again if it throws now. */
  canRetry: boolean;
  /** The job running this (queue, name, id), for the log line of an internal error. */
  job?: { queue: string; name: string; id?: string; attemptsMade?: number };
}
