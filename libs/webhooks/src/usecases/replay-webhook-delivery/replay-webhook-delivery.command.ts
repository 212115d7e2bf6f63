export interface ReplayWebhookDeliveryCommand {
  subscriptionId: string;
  deliveryId: string;
}
