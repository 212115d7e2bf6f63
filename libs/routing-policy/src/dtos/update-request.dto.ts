import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsObject, IsString, IsUrl, MaxLength } from 'class-validator';
import { IsOptionalNonNull } from '@rpg/common';
import { ApinizerPolicyChangesDto, GcoreL7PolicyChangesDto, GcoreLoadBalancerChangesDto } from './changes.dto';
import { RolloutDto } from './rollout.dto';
import { ApinizerPolicyTargetDto, GcoreL7PolicyTargetDto, GcoreLoadBalancerTargetDto } from './targets.dto';

/** Update one Gcore L7 policy. */
export class GcoreL7PolicyUpdateDto {
  target: GcoreL7PolicyTargetDto;
  changes: GcoreL7PolicyChangesDto;
}

/** Update one Gcore load balancer. */
export class GcoreLoadBalancerUpdateDto {
  target: GcoreLoadBalancerTargetDto;
  changes: GcoreLoadBalancerChangesDto;
}

/** Update one Apinizer policy. */
export class ApinizerPolicyUpdateDto {
  target: ApinizerPolicyTargetDto;
  changes: ApinizerPolicyChangesDto;
}

export type UpdateDto = GcoreL7PolicyUpdateDto | GcoreLoadBalancerUpdateDto | ApinizerPolicyUpdateDto;

/** One request updating 1..50 targets across providers. */
@ApiExtraModels(GcoreL7PolicyUpdateDto, GcoreLoadBalancerUpdateDto, ApinizerPolicyUpdateDto)
export class RoutingPolicyUpdateRequestDto {
  @ApiProperty({
    description: 'The targets to update (1..50), fanned out in parallel. Each item is one of three kinds, chosen by target.provider and target.kind.',
    type: 'array',
    minItems: 1,
    maxItems: 50,
    items: {
      oneOf: [
        { $ref: getSchemaPath(GcoreL7PolicyUpdateDto) },
        { $ref: getSchemaPath(GcoreLoadBalancerUpdateDto) },
        { $ref: getSchemaPath(ApinizerPolicyUpdateDto) },
      ],
    },
    example: [
      {
        target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' },
        changes: { name: 'redirect-to-new-site' },
      },
      {
        target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'rate-limit' },
        changes: { policy: { messageCountForInterval: 200 } },
      },
    ],
  })
  @IsArray()
  updates: UpdateDto[];

  /**
   * Plan only: read and merge everything, write nothing, answer 200 with each result's plan.
   * @example false
   */
  @IsOptionalNonNull()
  @IsBoolean()
  dryRun?: boolean;

  /**
   * This operation's events are also sent here, signed with the callbackSecret returned once in the 202 answer.
   * Loopback and private addresses are refused unless WEBHOOK_ALLOW_PRIVATE_NETWORKS=true.
   */
  @IsOptionalNonNull()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2048)
  callbackUrl?: string;

  /**
   * Any client string, echoed in the operation and its events.
   * @example "change-1234"
   */
  @IsOptionalNonNull()
  @IsString()
  @MaxLength(200)
  reference?: string;

  /**
   * Staged rollout: run the targets in batches, in request order, instead of all at once. The next batch starts once every
   * target of the current one ended and `pauseSeconds` passed. `onFailure: "halt"` cancels the targets not started yet at
   * the first failure (result `CANCELLED`, error code `CANCELLED_BY_ROLLOUT`); `"revert"` also restores what the operation
   * changed (each result's `compensation`) and ends the operation `ROLLED_BACK` or `ROLLBACK_FAILED`. A later update of a
   * target of a batch still waiting waits behind it. Absent: every target at once, and a failure changes nothing for the others.
   * @example {"batches": [1, 3, "rest"], "pauseSeconds": 60, "onFailure": "halt"}
   */
  // its fields are checked by validateRollout (they need the number of updates)
  @IsOptionalNonNull()
  @IsObject()
  rollout?: RolloutDto;
}
