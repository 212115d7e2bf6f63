import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ApinizerPolicyTargetDto, GcoreL7PolicyTargetDto, GcoreLoadBalancerTargetDto, ResultErrorDto } from '@rpg/routing-policy';

/** Targets to read (1..50). */
@ApiExtraModels(GcoreL7PolicyTargetDto, GcoreLoadBalancerTargetDto, ApinizerPolicyTargetDto)
export class LookupRequestDto {
  @ApiProperty({
    type: 'array',
    minItems: 1,
    maxItems: 50,
    items: {
      oneOf: [
        { $ref: getSchemaPath(GcoreL7PolicyTargetDto) },
        { $ref: getSchemaPath(GcoreLoadBalancerTargetDto) },
        { $ref: getSchemaPath(ApinizerPolicyTargetDto) },
      ],
    },
    example: [{ provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' }],
  })
  targets: Record<string, unknown>[];
}

/** One target's current state. */
export class LookupItemDto {
  @ApiProperty({ type: 'object', additionalProperties: true })
  target: Record<string, unknown>;
  /** Whether the provider knows the target. */
  found: boolean;
  /**
   * Unified fields per kind (L7: action, name, position, redirect*, tags; LB: name, preferredConnectivity, logging, tags;
   * Apinizer: scope, pipeline, endpoint, order, policy).
   */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  current?: Record<string, unknown>;
  /** The provider's object, as returned. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  provider?: unknown;
  /** Set when this target could not be read (timeout, provider error); the other items are unaffected. */
  error?: ResultErrorDto;
}

export class LookupResponseDto {
  items: LookupItemDto[];
}
