import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException, PublicRoute } from '@rpg/common';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { AcceptUpdateUseCase } from '@rpg/operations';
import { validateUpdateRequest } from '@rpg/routing-policy';
import { INBOUND_EVENT_TYPES, ReceiveInboundWebhookUseCase } from '@rpg/webhooks';
import { ProblemResponses } from './problem-responses';

@ApiTags('inbound-webhooks')
@Controller('v1/inbound-webhooks')
export class InboundWebhooksController {
  constructor(
    private readonly receive: ReceiveInboundWebhookUseCase,
    private readonly accept: AcceptUpdateUseCase,
    private readonly tasks: GcoreTaskWatcher,
  ) {}

  @Post(':source')
  @HttpCode(200)
  @PublicRoute()
  @ApiOperation({
    summary: 'Receive a signed Standard Webhook',
    description:
      'No API key: the signature (secret from INBOUND_WEBHOOK_SECRETS) is the credential, verified over the raw body with ±5 min tolerance. ' +
      '`routing-policy.update.requested` creates an operation (202 {operationId}); `gcore.task.updated` {taskId} makes the poller check that task now. A repeated webhook-id answers 200 {duplicate: true}.',
  })
  @ApiParam({ name: 'source', example: 'ci' })
  @ApiResponse({ status: 200, schema: { properties: { duplicate: { type: 'boolean' }, accepted: { type: 'boolean' } } } })
  @ApiResponse({ status: 202, schema: { properties: { operationId: { type: 'string' } } } })
  @ProblemResponses(400, 401, 404, 422)
  async receiveWebhook(@Param('source') source: string, @Req() req: FastifyRequest & { rawBody?: Buffer }, @Res({ passthrough: true }) reply: FastifyReply): Promise<object> {
    const raw = req.rawBody ?? Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? ''));
    const event = await this.receive.execute(source, raw, req.headers);
    if (event.duplicate) return { duplicate: true };
    try {
      if (event.type === INBOUND_EVENT_TYPES.updateRequested) {
        const request = validateUpdateRequest(event.data);
        const { operation } = await this.accept.execute({ ...request, dryRun: false }, `inbound:${source}`);
        void reply.status(202).header('location', `/v1/operations/${operation.id}`);
        return { operationId: operation.id };
      }
      const taskId = (event.data as { taskId?: unknown } | null)?.taskId;
      if (typeof taskId !== 'string' || !/^[0-9a-fA-F-]{36}$/.test(taskId)) {
        throw ProblemException.validation([{ path: 'data.taskId', message: 'must be a task id (UUID)' }]);
      }
      const polled = await this.tasks.pollNow(taskId);
      return { accepted: true, polled };
    } catch (error) {
      await this.receive.release(source, event.id);
      throw error;
    }
  }
}
