export interface DeliverWebhookCommand {
  deliveryId: string;
}
