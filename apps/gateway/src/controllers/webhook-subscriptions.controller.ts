import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@rpg/common';
import {
  CreateWebhookSubscriptionDto,
  CreateWebhookSubscriptionUseCase,
  CreatedWebhookSubscriptionDto,
  DeleteWebhookSubscriptionUseCase,
  GetWebhookSubscriptionUseCase,
  ListWebhookDeliveriesUseCase,
  ListWebhookSubscriptionsUseCase,
  ReplayWebhookDeliveryUseCase,
  RotateWebhookSecretUseCase,
  RotatedWebhookSecret,
  SendTestEventUseCase,
  WebhookDelivery,
  WebhookDeliveryDto,
  WebhookSubscriptionDto,
} from '@rpg/webhooks';
import { ProblemResponses } from './problem-responses';

@ApiTags('webhook-subscriptions')
@ApiBearerAuth()
@Controller('v1/webhook-subscriptions')
export class WebhookSubscriptionsController {
  constructor(
    private readonly createSubscription: CreateWebhookSubscriptionUseCase,
    private readonly listSubscriptions: ListWebhookSubscriptionsUseCase,
    private readonly getSubscription: GetWebhookSubscriptionUseCase,
    private readonly deleteSubscription: DeleteWebhookSubscriptionUseCase,
    private readonly sendTestEvent: SendTestEventUseCase,
    private readonly deliveriesOfSubscription: ListWebhookDeliveriesUseCase,
    private readonly replayDelivery: ReplayWebhookDeliveryUseCase,
    private readonly rotateSecret: RotateWebhookSecretUseCase,
  ) {}

  @Post()
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Subscribe to events', description: 'The answer holds the signing secret; it is never shown again.' })
  @ApiResponse({ status: 201, type: CreatedWebhookSubscriptionDto })
  @ProblemResponses(400, 401, 403)
  async create(@Body() body: CreateWebhookSubscriptionDto): Promise<CreatedWebhookSubscriptionDto> {
    const { subscription, secret } = await this.createSubscription.execute({ url: body.url, events: body.events, description: body.description });
    return { ...subscription, secret };
  }

  @Get()
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'List subscriptions' })
  @ApiResponse({ status: 200, type: [WebhookSubscriptionDto] })
  @ProblemResponses(401, 403)
  async list(): Promise<WebhookSubscriptionDto[]> {
    return this.listSubscriptions.execute();
  }

  @Get(':id')
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Read a subscription' })
  @ApiResponse({ status: 200, type: WebhookSubscriptionDto })
  @ProblemResponses(401, 403, 404)
  async get(@Param('id') id: string): Promise<WebhookSubscriptionDto> {
    return this.getSubscription.execute({ subscriptionId: id });
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Delete a subscription' })
  @ApiResponse({ status: 204 })
  @ProblemResponses(401, 403, 404)
  async delete(@Param('id') id: string): Promise<void> {
    await this.deleteSubscription.execute({ subscriptionId: id });
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Send a webhook.test event to this subscription' })
  @ApiResponse({ status: 202, schema: { properties: { eventId: { type: 'string' } } } })
  @ProblemResponses(401, 403, 404)
  async test(@Param('id') id: string): Promise<{ eventId: string }> {
    return this.sendTestEvent.execute({ subscriptionId: id });
  }

  @Get(':id/deliveries')
  @RequireScope('webhooks.manage')
  @ApiOperation({ summary: 'Deliveries of this subscription, newest first, with every attempt' })
  @ApiResponse({ status: 200, type: [WebhookDeliveryDto] })
  @ProblemResponses(401, 403, 404)
  async listDeliveries(@Param('id') id: string): Promise<WebhookDeliveryDto[]> {
    const deliveries = await this.deliveriesOfSubscription.execute({ subscriptionId: id });
    return deliveries.map(toDeliveryDto);
  }

  @Post(':id/deliveries/:deliveryId/replay')
  @HttpCode(202)
  @RequireScope('webhooks.manage')
  @ApiOperation({
    summary: 'Send a delivery again',
    description: 'A new attempt now with the same event id and body (and, if it fails, the retry schedule again).',
  })
  @ApiResponse({ status: 202, type: WebhookDeliveryDto })
  @ProblemResponses(401, 403, 404, 409)
  async replay(@Param('id') id: string, @Param('deliveryId') deliveryId: string): Promise<WebhookDeliveryDto> {
    return toDeliveryDto(await this.replayDelivery.execute({ subscriptionId: id, deliveryId }));
  }

  @Post(':id/rotate-secret')
  @RequireScope('webhooks.manage')
  @ApiOperation({
    summary: 'Give the subscription a new secret',
    description:
      'The new secret is shown only here. For 24 h every delivery carries two signatures (new and old), so receivers can switch without losing events.',
  })
  @ApiResponse({ status: 201, schema: { properties: { secret: { type: 'string', example: 'whsec_...' }, previousSecretValidUntil: { type: 'string' } } } })
  @ProblemResponses(401, 403, 404)
  async rotate(@Param('id') id: string): Promise<RotatedWebhookSecret> {
    return this.rotateSecret.execute({ subscriptionId: id });
  }
}

/** A delivery as the API shows it: never its URL, body or lane. */
function toDeliveryDto({ id, eventId, eventType, status, createdAt, nextRetryAt, attempts }: WebhookDelivery): WebhookDeliveryDto {
  return { id, eventId, eventType, status, createdAt, nextRetryAt, attempts };
}
