export interface FailWebhookDeliveryCommand {
  deliveryId: string;
}
