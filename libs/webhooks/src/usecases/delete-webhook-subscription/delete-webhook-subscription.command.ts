export interface DeleteWebhookSubscriptionCommand {
  subscriptionId: string;
}
