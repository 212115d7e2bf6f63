import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemException, PublicRoute } from '@rpg/common';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { SubmitUpdateUseCase } from '@rpg/operations';
import { OperationDto } from '@rpg/routing-policy';
import { INBOUND_EVENT_TYPES, ReceiveInboundWebhookUseCase } from '@rpg/webhooks';
import { ProblemResponses } from './problem-responses';

@ApiTags('inbound-webhooks')
@ApiExtraModels(OperationDto)
@Controller('v1/inbound-webhooks')
export class InboundWebhooksController {
  constructor(
    private readonly receive: ReceiveInboundWebhookUseCase,
    private readonly submit: SubmitUpdateUseCase,
    private readonly tasks: GcoreTaskWatcher,
  ) {}

  @Post(':source')
  @HttpCode(200)
  @PublicRoute()
  @ApiOperation({
    summary: 'Receive a signed Standard Webhook',
    description:
      'No API key: the signature (secret from INBOUND_WEBHOOK_SECRETS) is the credential, verified over the raw body with ±5 min tolerance. ' +
      '`routing-policy.update.requested` creates an operation (202 {operationId}); with `dryRun: true` it answers 200 with the planned ' +
      'operation itself, exactly as POST /v1/routing-policy-updates does (same 400/422 problems), and writes nothing. ' +
      '`gcore.task.updated` {taskId} makes the poller check that task now. A repeated webhook-id answers 200 {duplicate: true}.',
  })
  @ApiParam({ name: 'source', example: 'ci' })
  @ApiResponse({
    status: 200,
    description: 'A dry run (the planned operation, as the REST dry run answers it), a task hint taken, or a repeated webhook-id.',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(OperationDto) },
        { type: 'object', properties: { duplicate: { type: 'boolean' }, accepted: { type: 'boolean' }, polled: { type: 'boolean' } } },
      ],
    },
  })
  @ApiResponse({ status: 202, schema: { properties: { operationId: { type: 'string' } } } })
  @ProblemResponses(400, 401, 404, 422)
  async receiveWebhook(@Param('source') source: string, @Req() req: FastifyRequest & { rawBody?: Buffer }, @Res({ passthrough: true }) reply: FastifyReply): Promise<object> {
    const raw = req.rawBody ?? Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? ''));
    const event = await this.receive.execute(source, raw, req.headers);
    if (event.duplicate) return { duplicate: true };
    try {
      if (event.type === INBOUND_EVENT_TYPES.updateRequested) {
        // the same use case as the REST route; the webhook-id doubles as the idempotency key
        const result = await this.submit.execute({ body: event.data, apiKeyName: `inbound:${source}`, idempotencyKey: event.id });
        if (result.operation.dryRun) {
          // nothing was stored, so there is no operation to point at: the plan is the answer (and the same webhook-id
          // sent again plans again instead of being answered as a duplicate)
          await this.receive.release(source, event.id);
          void reply.status(200);
          return result.operation;
        }
        void reply.status(result.status === 200 ? 200 : 202);
        void reply.header('location', `/v1/operations/${result.operation.id}`);
        return { operationId: result.operation.id };
      }
      const taskId = (event.data as { taskId?: unknown } | null)?.taskId;
      if (typeof taskId !== 'string' || !/^[0-9a-fA-F-]{36}$/.test(taskId)) {
        throw ProblemException.validation([{ path: 'data.taskId', message: 'must be a task id (UUID)' }]);
      }
      const polled = (await this.tasks.pollNow(taskId)) === 'promoted';
      return { accepted: true, polled };
    } catch (error) {
      await this.receive.release(source, event.id);
      throw error;
    }
  }
}
