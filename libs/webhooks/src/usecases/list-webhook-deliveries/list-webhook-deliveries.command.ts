export interface ListWebhookDeliveriesCommand {
  subscriptionId: string;
}
