export interface GetOperationCommand {
  operationId: string;
}
