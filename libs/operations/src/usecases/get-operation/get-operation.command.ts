export interface GetOperationCommand {
  operationId: string;
  /** `Prefer: wait=N`: answer when the operation is terminal or after this many seconds (at most 60). */
  waitSeconds?: number;
}
