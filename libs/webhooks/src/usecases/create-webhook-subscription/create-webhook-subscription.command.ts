export interface CreateWebhookSubscriptionCommand {
  url: string;
  events: string[];
  description?: string;
}
