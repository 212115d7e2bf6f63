export interface SendTestEventCommand {
  subscriptionId: string;
}
