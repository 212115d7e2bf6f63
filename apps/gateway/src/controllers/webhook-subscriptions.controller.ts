import { InjectQueue } from '@nestjs/bullmq';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import { OutboundUrlGuard, ProblemException, RequireScope } from '@rpg/common';
import { EVENT_TYPES, newSortableId } from '@rpg/operations';
import { QUEUES, WebhookDeliveryJob, WebhookEventJob } from '@rpg/queues';
import {
  DeliverWebhookUseCase,
  WEBHOOK_DELIVERY_JOB_OPTIONS,
  CreateWebhookSubscriptionDto,
  CreatedWebhookSubscriptionDto,
  WebhookDeliveryDto,
  WebhookDeliveryStore,
  WebhookSubscription,
  WebhookSubscriptionDto,
  WebhookSubscriptionStore,
} from '@rpg/webhooks';
import { ProblemResponses } from './problem-responses';

@ApiTags('webhook-subscriptions')
@ApiBearerAuth()
@Controller('v1/webhook-subscriptions')
export class WebhookSubscriptionsController {
  constructor(
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly guard: OutboundUrlGuard,
    private readonly deliver: DeliverWebhookUseCase,
    @InjectQueue(QUEUES.webhookEvents) private readonly events: Queue<WebhookEventJob>,
    @InjectQueue(QUEUES.webhookDeliveries) private readonly deliveryJobs: Queue<WebhookDeliveryJob>,
  ) {}

  @Post()
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Subscribe to events', description: 'The answer holds the signing secret; it is never shown again.' })
  @ApiResponse({ status: 201, type: CreatedWebhookSubscriptionDto })
  @ProblemResponses(400, 401, 403)
  async create(@Body() body: CreateWebhookSubscriptionDto): Promise<CreatedWebhookSubscriptionDto> {
    await this.guard.assertAllowed(body.url, 'url');
    const { subscription, secret } = await this.subscriptions.create(body);
    return { ...subscription, secret };
  }

  @Get()
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'List subscriptions' })
  @ApiResponse({ status: 200, type: [WebhookSubscriptionDto] })
  @ProblemResponses(401, 403)
  async list(): Promise<WebhookSubscriptionDto[]> {
    return this.subscriptions.list();
  }

  @Get(':id')
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Read a subscription' })
  @ApiResponse({ status: 200, type: WebhookSubscriptionDto })
  @ProblemResponses(401, 403, 404)
  async get(@Param('id') id: string): Promise<WebhookSubscriptionDto> {
    return this.find(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Delete a subscription' })
  @ApiResponse({ status: 204 })
  @ProblemResponses(401, 403, 404)
  async delete(@Param('id') id: string): Promise<void> {
    if (!(await this.subscriptions.delete(id))) throw ProblemException.notFound(`Webhook subscription ${id} does not exist.`);
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Send a webhook.test event to this subscription' })
  @ApiResponse({ status: 202, schema: { properties: { eventId: { type: 'string' } } } })
  @ProblemResponses(401, 403, 404)
  async test(@Param('id') id: string): Promise<{ eventId: string }> {
    const sub = await this.find(id);
    const eventId = newSortableId('evt_');
    await this.events.add(
      EVENT_TYPES.test,
      { events: [{ eventId, type: EVENT_TYPES.test, timestamp: new Date().toISOString(), data: { subscriptionId: sub.id, message: 'This is a test event.' } }], onlySubscriptionIds: [sub.id] },
      { jobId: eventId },
    );
    return { eventId };
  }

  @Get(':id/deliveries')
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Deliveries of this subscription, newest first, with every attempt' })
  @ApiResponse({ status: 200, type: [WebhookDeliveryDto] })
  @ProblemResponses(401, 403, 404)
  async listDeliveries(@Param('id') id: string): Promise<WebhookDeliveryDto[]> {
    await this.find(id);
    const deliveries = await this.deliveries.listForSubscription(id);
    return deliveries.map(({ id: deliveryId, eventId, eventType, status, createdAt, nextRetryAt, attempts }) => ({ id: deliveryId, eventId, eventType, status, createdAt, nextRetryAt, attempts }));
  }

  @Post(':id/deliveries/:deliveryId/replay')
  @HttpCode(202)
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Send a delivery again', description: 'A new attempt now with the same event id and body (and, if it fails, the retry schedule again).' })
  @ApiResponse({ status: 202, type: WebhookDeliveryDto })
  @ProblemResponses(401, 403, 404, 409)
  async replay(@Param('id') id: string, @Param('deliveryId') deliveryId: string): Promise<WebhookDeliveryDto> {
    const sub = await this.find(id);
    const delivery = await this.deliveries.get(deliveryId);
    if (!delivery || delivery.subscriptionId !== sub.id) throw ProblemException.notFound(`Delivery ${deliveryId} of subscription ${id} does not exist.`);
    if (delivery.status === 'PENDING') throw new ProblemException(409, 'delivery-in-progress', 'This delivery is still being attempted; replay it once it has ended.');
    if (sub.status !== 'ENABLED') throw new ProblemException(409, 'subscription-disabled', 'The subscription is disabled.');
    const replayed = await this.deliver.replay(delivery);
    await this.deliveryJobs.add('deliver', { deliveryId }, { jobId: `${deliveryId}-replay-${replayed.attempts.length}`, ...WEBHOOK_DELIVERY_JOB_OPTIONS });
    const { id: dId, eventId, eventType, status, createdAt, nextRetryAt, attempts } = replayed;
    return { id: dId, eventId, eventType, status, createdAt, nextRetryAt, attempts };
  }

  @Post(':id/rotate-secret')
  @RequireScope('webhooks.manage')
  @ApiOperation({
    summary: 'Give the subscription a new secret',
    description: 'The new secret is shown only here. For 24 h every delivery carries two signatures (new and old), so receivers can switch without losing events.',
  })
  @ApiResponse({ status: 201, schema: { properties: { secret: { type: 'string', example: 'whsec_...' }, previousSecretValidUntil: { type: 'string' } } } })
  @ProblemResponses(401, 403, 404)
  async rotate(@Param('id') id: string): Promise<{ secret: string; previousSecretValidUntil: string }> {
    await this.find(id);
    const secret = await this.subscriptions.rotateSecret(id);
    if (!secret) throw ProblemException.notFound(`Webhook subscription ${id} does not exist.`);
    return { secret, previousSecretValidUntil: new Date(Date.now() + 24 * 3600 * 1000).toISOString() };
  }

  private async find(id: string): Promise<WebhookSubscription> {
    const sub = await this.subscriptions.get(id);
    if (!sub) throw ProblemException.notFound(`Webhook subscription ${id} does not exist.`);
    return sub;
  }
}
