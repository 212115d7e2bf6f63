import { Body, Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, RequireScope } from '@rpg/common';
import { SubmitUpdateUseCase } from '@rpg/operations';
import { OperationDto, RoutingPolicyUpdateRequestDto } from '@rpg/routing-policy';
import { parsePreferWait } from '../http/prefer-wait';
import { ProblemResponses } from './problem-responses';

/** Request examples shown in the docs; each one succeeds as it is against the built-in sandbox's seed (`npm start`). */
const UPDATE_REQUEST_EXAMPLES = {
  'rename-l7-and-tune-apinizer': {
    summary: 'Rename a Gcore L7 policy and raise an Apinizer rate limit',
    value: {
      updates: [
        {
          target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' },
          changes: { name: 'redirect-to-new-site' },
        },
        {
          target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'rate-limit' },
          changes: { policy: { messageCountForInterval: 200 } },
        },
      ],
      reference: 'change-1234',
    },
  },
  'load-balancer-tags': {
    summary: 'Rename a Gcore load balancer and merge-patch its tags (null removes one)',
    value: {
      updates: [
        {
          target: { provider: 'gcore', kind: 'loadbalancer', projectId: 1, regionId: 76, id: 'a1b2c3d4-0000-4000-8000-000000000001' },
          changes: { name: 'web-lb', tags: { team: 'platform', obsolete: null } },
        },
      ],
    },
  },
  'staged-rollout': {
    summary: 'Staged rollout: one L7 policy first, then the rest; a failure cancels what has not started and restores what changed',
    value: {
      updates: [1, 2, 3].map((n) => ({
        target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: `d1b2c3d4-0000-4000-8000-${String(n).padStart(12, '0')}` },
        changes: { name: `canary-rename-${n}` },
      })),
      rollout: { batches: [1, 'rest'], pauseSeconds: 5, onFailure: 'revert' },
      reference: 'rollout-42',
    },
  },
  'dry-run': {
    summary: 'Dry run: the planned provider calls and diffs, nothing written (200)',
    value: {
      dryRun: true,
      updates: [
        {
          target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' },
          changes: { action: 'REDIRECT_TO_URL', redirectUrl: 'https://www.example.com/new', redirectHttpCode: 301 },
        },
      ],
    },
  },
};

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
  @ApiBody({ type: RoutingPolicyUpdateRequestDto, examples: UPDATE_REQUEST_EXAMPLES })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Scoped to the API key, kept 24 h: the same key and body return the original operation (Idempotent-Replayed: true); another body → 422.',
  })
  @ApiHeader({ name: 'Prefer', required: false, description: '`wait=N`: wait up to N seconds (max 60) for the operation to finish.' })
  @ApiResponse({
    status: 202,
    type: OperationDto,
    description: 'Accepted and stored; follow Location. With callbackUrl the answer holds callbackSecret (shown once).',
  })
  @ApiResponse({ status: 200, type: OperationDto, description: 'Dry run (results carry plan and diff), or finished within Prefer: wait.' })
  @ProblemResponses(400, 401, 403, 413, 415, 422, 503)
  async create(@Body() body: unknown, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<OperationDto> {
    // headers read from the request, not with @Headers(): the Swagger plugin would list each as a required parameter
    const waitSeconds = parsePreferWait(req.headers.prefer);
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
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
