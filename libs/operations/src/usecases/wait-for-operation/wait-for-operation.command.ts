export interface WaitForOperationCommand {
  operationId: string;
  timeoutMs: number;
}
