export interface ReceiveInboundWebhookCommand {
  /** The `:source` of the URL: names the configured secret. */
  source: string;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: Buffer | string;
  headers: Record<string, string | string[] | undefined>;
}
