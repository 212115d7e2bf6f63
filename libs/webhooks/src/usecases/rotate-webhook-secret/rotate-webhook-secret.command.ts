export interface RotateWebhookSecretCommand {
  subscriptionId: string;
}
