import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiExtraModels, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, RequireScope } from '@rpg/common';
import { AcceptUpdateUseCase, PlanUpdateUseCase } from '@rpg/operations';
import { OperationDto, RoutingPolicyUpdateRequestDto, validateUpdateRequest } from '@rpg/routing-policy';
import { ProblemResponses } from './problem-responses';

@ApiTags('routing-policy-updates')
@ApiBearerAuth()
@ApiExtraModels(OperationDto)
@Controller('v1/routing-policy-updates')
export class RoutingPolicyUpdatesController {
  constructor(
    private readonly accept: AcceptUpdateUseCase,
    private readonly plan: PlanUpdateUseCase,
  ) {}

  @Post()
  @HttpCode(202)
  @RequireScope('policies.write')
  @ApiOperation({
    summary: 'Update routing policies across providers',
    description:
      'Validates, stores the operation and answers 202 with Location; workers then call Gcore and Apinizer. `dryRun: true` answers 200 with the planned provider calls and diffs, writing nothing.',
  })
  @ApiBody({ type: RoutingPolicyUpdateRequestDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body within 24 h returns the same operation.' })
  @ApiResponse({ status: 202, type: OperationDto, description: 'Accepted and stored; poll Location. With callbackUrl the answer holds callbackSecret (shown once).' })
  @ApiResponse({ status: 200, type: OperationDto, description: 'Dry run: results carry plan and diff.' })
  @ProblemResponses(400, 401, 403, 413, 415, 422, 503)
  async create(@Body() body: unknown, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply, @Headers('idempotency-key') _key?: string): Promise<OperationDto> {
    const request = validateUpdateRequest(body);
    if (request.dryRun) {
      void reply.status(200);
      return (await this.plan.execute(request)) as OperationDto;
    }
    const { operation, callbackSecret } = await this.accept.execute(request, req.apiKey?.name ?? 'unknown');
    void reply.header('location', `/v1/operations/${operation.id}`);
    return { ...operation, ...(callbackSecret ? { callbackSecret } : {}) } as OperationDto;
  }
}
