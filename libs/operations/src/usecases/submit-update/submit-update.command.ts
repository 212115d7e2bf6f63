export interface SubmitUpdateCommand {
  body: unknown;
  apiKeyName: string;
  idempotencyKey?: string;
  /** Prefer: wait=N, in seconds (0..60). */
  waitSeconds?: number;
}
