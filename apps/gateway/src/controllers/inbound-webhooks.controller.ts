import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PublicRoute } from '@rpg/common';
import { OperationDto } from '@rpg/routing-policy';
import { ReceiveInboundWebhookUseCase } from '@rpg/webhooks';
import { ProblemResponses } from './problem-responses';

@ApiTags('inbound-webhooks')
@ApiExtraModels(OperationDto)
@Controller('v1/inbound-webhooks')
export class InboundWebhooksController {
  constructor(private readonly receive: ReceiveInboundWebhookUseCase) {}

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
  async receiveWebhook(
    @Param('source') source: string,
    @Req() req: FastifyRequest & { rawBody?: Buffer },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<object> {
    const rawBody = req.rawBody ?? Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? ''));
    const outcome = await this.receive.execute({ source, rawBody, headers: req.headers });
    switch (outcome.kind) {
      case 'duplicate':
        return { duplicate: true };
      case 'planned':
        // the plan is the answer, exactly as the REST dry run answers it
        void reply.status(200);
        return outcome.operation;
      case 'accepted':
        void reply.status(outcome.status);
        void reply.header('location', `/v1/operations/${outcome.operationId}`);
        return { operationId: outcome.operationId };
      case 'task-hint':
        return { accepted: true, polled: outcome.polled };
    }
  }
}
