import { Body, Controller, Headers, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, RequireScope } from '@rpg/common';
import { SubmitUpdateUseCase } from '@rpg/operations';
import { OperationDto, RoutingPolicyUpdateRequestDto } from '@rpg/routing-policy';
import { ProblemResponses } from './problem-responses';

/** `Prefer: wait=N` (RFC 7240), N in seconds. */
function parsePreferWait(prefer: string | undefined): number | undefined {
  const match = /(?:^|[,;\s])wait\s*=\s*(\d{1,4})/i.exec(prefer ?? '');
  return match ? Number(match[1]) : undefined;
}

@ApiTags('routing-policy-updates')
@ApiBearerAuth()
@Controller('v1/routing-policy-updates')
export class RoutingPolicyUpdatesController {
  private readonly logger = new Logger('RoutingPolicyUpdates');

  constructor(private readonly submit: SubmitUpdateUseCase) {}

  @Post()
  @HttpCode(202)
  @RequireScope('policies.write')
  @ApiOperation({
    summary: 'Update routing policies across providers',
    description:
      'Validates, stores the operation and answers 202 with Location; workers then call Gcore and Apinizer. `dryRun: true` answers 200 with the ' +
      'planned provider calls and diffs, writing nothing. `Prefer: wait=N` (N ≤ 60) answers 200 with the finished operation if it ends in time.',
  })
  @ApiBody({ type: RoutingPolicyUpdateRequestDto })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Scoped to the API key, kept 24 h: the same key and body return the original operation (Idempotent-Replayed: true); another body → 422.',
  })
  @ApiHeader({ name: 'Prefer', required: false, description: 'wait=N: wait up to N seconds (max 60) for the operation to finish.', example: 'wait=10' })
  @ApiResponse({
    status: 202,
    type: OperationDto,
    description: 'Accepted and stored; follow Location. With callbackUrl the answer holds callbackSecret (shown once).',
  })
  @ApiResponse({ status: 200, type: OperationDto, description: 'Dry run (results carry plan and diff), or finished within Prefer: wait.' })
  @ProblemResponses(400, 401, 403, 413, 415, 422, 503)
  async create(
    @Body() body: unknown,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('idempotency-key') idempotencyKey?: string,
    @Headers('prefer') prefer?: string,
  ): Promise<OperationDto> {
    const waitSeconds = parsePreferWait(prefer);
    const result = await this.submit.execute({ body, apiKeyName: req.apiKey?.name ?? 'unknown', idempotencyKey, waitSeconds });
    if (!result.operation.dryRun) {
      // the request id ties this line to the operation; worker lines carry the operation id
      this.logger.log(
        { requestId: req.id, operationId: result.operation.id, targets: result.operation.results.length, replayed: result.replayed },
        'operation accepted',
      );
    }
    void reply.status(result.status);
    if (!result.operation.dryRun) void reply.header('location', `/v1/operations/${result.operation.id}`);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    if (result.waitApplied !== undefined) void reply.header('preference-applied', `wait=${result.waitApplied}`);
    const showSecret = result.callbackSecret && !result.replayed;
    return { ...result.operation, ...(showSecret ? { callbackSecret: result.callbackSecret } : {}) } as OperationDto;
  }
}
