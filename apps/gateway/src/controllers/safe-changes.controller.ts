import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, RequireScope } from '@rpg/common';
import { GetDriftUseCase, RevertOperationUseCase } from '@rpg/operations';
import { OperationDto } from '@rpg/routing-policy';
import { DriftResponseDto, RevertRequestDto } from '../dtos/safe-changes.dto';
import { ProblemResponse, ProblemResponses } from './problem-responses';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/operations')
export class SafeChangesController {
  constructor(
    private readonly drift: GetDriftUseCase,
    private readonly revert: RevertOperationUseCase,
  ) {}

  @Get(':id/drift')
  @RequireScope('policies.read')
  @ApiOperation({
    summary: 'Has anything changed since? Drift of every target',
    description:
      'Reads every target now and compares it with the state the operation left (`applied`): IN_SYNC, DRIFTED with a field diff, NOT_FOUND, ' +
      'NOT_APPLIED, UNKNOWN (no full current state, e.g. Apinizer summary lists) or ERROR. One failing provider never fails the answer. ' +
      'Fields the provider fills by itself (defaults, read-only tags, timestamps, statuses) are not drift.',
  })
  @ApiParam({ name: 'id', example: 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X' })
  @ApiResponse({ status: 200, type: DriftResponseDto })
  @ProblemResponses(401, 403, 404)
  async getDrift(@Param('id') id: string): Promise<DriftResponseDto> {
    return await this.drift.execute({ operationId: id });
  }

  @Post(':id/revert')
  @HttpCode(202)
  @RequireScope('policies.write')
  @ApiOperation({
    summary: 'Revert an operation',
    description:
      'A new operation (with `revertOf`) restoring, on every target that SUCCEEDED, the state read just before the write; the other targets are listed ' +
      'in `skipped`. 409 while the operation runs, and when a target changed since (each listed with its diff, nothing written) unless `force`. ' +
      '`dryRun: true` answers 200 with each target plan, diff and drift state.',
  })
  @ApiParam({ name: 'id', example: 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'As on updates: the same key and body answer the revert made the first time.' })
  @ApiResponse({ status: 202, type: OperationDto, description: 'The revert operation; follow Location.' })
  @ApiResponse({ status: 200, type: OperationDto, description: 'Dry run: the plan, with `drift` per target of the reverted operation.' })
  @ProblemResponses(400, 401, 403, 404, 422)
  @ProblemResponse(
    409,
    'The operation is still running (`operation-not-terminal`); or targets drifted since, cannot be checked, or have a later update queued ' +
      '(`targets-drifted`, each in `items` with its diff or reason; nothing written); or nothing can be reverted (`nothing-to-revert`, with `skipped`).',
    {
      slug: 'targets-drifted',
      detail:
        '1 target(s) changed since operation op_01JD8X3Q4M5N6P7R8S9T0V1W2X, or cannot be checked, or have a later update queued: ' +
        'nothing was written. Send force: true to overwrite them.',
      instance: '/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X/revert',
      extra: {
        items: [
          {
            index: 0,
            target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' },
            state: 'DRIFTED',
            diff: [{ field: 'name', applied: 'ours', current: 'theirs' }],
          },
        ],
      },
    },
  )
  async revertOperation(
    @Param('id') id: string,
    @Body() body: RevertRequestDto,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OperationDto> {
    const result = await this.revert.execute({
      operationId: id,
      apiKeyName: req.apiKey?.name ?? 'unknown',
      ...body,
      idempotencyKey: req.headers['idempotency-key'] as string | undefined,
    });
    void reply.status(result.status);
    if (result.status === 202) void reply.header('location', `/v1/operations/${result.operation.id}`);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    const showSecret = result.callbackSecret && !result.replayed;
    return { ...result.operation, ...(showSecret ? { callbackSecret: result.callbackSecret } : {}) } as OperationDto;
  }
}
