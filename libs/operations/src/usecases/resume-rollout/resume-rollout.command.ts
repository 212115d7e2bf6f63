export interface ResumeRolloutCommand {
  operationId: string;
}
