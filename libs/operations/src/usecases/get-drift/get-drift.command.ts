export interface GetDriftCommand {
  operationId: string;
}
