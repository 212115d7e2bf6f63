import { IsIn, IsInt, IsString, IsUUID, Matches, Max, Min } from 'class-validator';

/** Names safe to put in an Apinizer URL path: no slashes, backslashes, percent-escapes, control characters or dot segments. */
// eslint-disable-next-line no-control-regex -- refuses control characters on purpose
export const APINIZER_NAME_PATTERN = /^(?!\.{1,2}$)[^/\\%\u0000-\u001f\u007f]{1,200}$/;

/** What every Gcore Cloud resource target has: the provider, project, region and resource id. */
abstract class GcoreResourceTargetDto {
  /** @example "gcore" */
  @IsIn(['gcore'])
  provider: 'gcore';

  /**
   * Gcore project id.
   * @example 1
   */
  @IsInt()
  @Min(1)
  @Max(2147483647)
  projectId: number;

  /**
   * Gcore region id.
   * @example 76
   */
  @IsInt()
  @Min(1)
  @Max(2147483647)
  regionId: number;

  /**
   * Resource id (UUID) of the L7 policy or load balancer.
   * @example "d1b2c3d4-0000-4000-8000-000000000001"
   */
  @IsUUID('all')
  id: string;
}

/** A Gcore L7 policy of a load balancer listener. */
export class GcoreL7PolicyTargetDto extends GcoreResourceTargetDto {
  /** @example "l7policy" */
  @IsIn(['l7policy'])
  kind: 'l7policy';
}

/** A Gcore load balancer. */
export class GcoreLoadBalancerTargetDto extends GcoreResourceTargetDto {
  /** @example "loadbalancer" */
  @IsIn(['loadbalancer'])
  kind: 'loadbalancer';
}

/** A policy of an Apinizer API proxy, addressed by name. */
export class ApinizerPolicyTargetDto {
  /** @example "apinizer" */
  @IsIn(['apinizer'])
  provider: 'apinizer';

  /** @example "policy" */
  @IsIn(['policy'])
  kind: 'policy';

  /**
   * Apinizer project name.
   * @example "demo"
   */
  @IsString()
  @Matches(APINIZER_NAME_PATTERN, { message: 'must be 1-200 characters without "/", "\\", "%", control characters or dot segments' })
  projectName: string;

  /**
   * API proxy name.
   * @example "petstore"
   */
  @IsString()
  @Matches(APINIZER_NAME_PATTERN, { message: 'must be 1-200 characters without "/", "\\", "%", control characters or dot segments' })
  apiProxyName: string;

  /**
   * Policy name (unique within the proxy).
   * @example "rate-limit"
   */
  @IsString()
  @Matches(APINIZER_NAME_PATTERN, { message: 'must be 1-200 characters without "/", "\\", "%", control characters or dot segments' })
  policyName: string;
}
