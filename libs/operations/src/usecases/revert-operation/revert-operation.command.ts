export interface RevertOperationCommand {
  operationId: string;
  /** The API key's name: the revert's requestedBy, and the scope of its Idempotency-Key. */
  apiKeyName: string;
  /** Plan only: each target's calls, diff and drift state; nothing written (200). */
  dryRun?: boolean;
  /** Revert targets that drifted since the operation too (their later changes are overwritten). */
  force?: boolean;
  reference?: string;
  callbackUrl?: string;
  idempotencyKey?: string;
}
