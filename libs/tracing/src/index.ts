export * from './tracing';
export * from './tracing-config';
export { startTracing, shutdownTracing, QuietRootSampler, isWebhookRequest, WEBHOOK_USER_AGENT_PREFIX } from './tracing.sdk';
