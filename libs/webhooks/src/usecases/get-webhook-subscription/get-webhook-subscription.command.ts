export interface GetWebhookSubscriptionCommand {
  subscriptionId: string;
}
