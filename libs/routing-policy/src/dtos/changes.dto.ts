import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  IsUrl,
  Matches,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export const L7_ACTIONS = ['REDIRECT_TO_URL', 'REDIRECT_PREFIX', 'REDIRECT_TO_POOL', 'REJECT'] as const;
export type L7Action = (typeof L7_ACTIONS)[number];
export const REDIRECT_HTTP_CODES = [301, 302, 303, 307, 308] as const;
/** Gcore's name pattern for L7 policies (from its published schema). */
export const GCORE_L7_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z 0-9._\-]{1,61}[a-zA-Z0-9._]$/;

/** Changes to a Gcore L7 policy; send only what changes. */
export class GcoreL7PolicyChangesDto {
  /**
   * New action. When it changes, the new action's field must be sent too (redirectUrl, redirectPrefix or redirectPoolId; none for REJECT).
   * When omitted, the gateway reads the policy and sends its current action and target field, as Gcore's PATCH requires them.
   * @example "REDIRECT_TO_URL"
   */
  @IsOptional() @IsIn(L7_ACTIONS)
  action?: L7Action;

  /**
   * Policy name: 3-63 characters, letters, digits, space, `.`, `_`, `-`.
   * @example "redirect-to-new-site"
   */
  @IsOptional() @IsString() @Matches(GCORE_L7_NAME_PATTERN, { message: 'must match ^[a-zA-Z0-9][a-zA-Z 0-9._\\-]{1,61}[a-zA-Z0-9._]$' })
  name?: string;

  /**
   * Position of the policy in its listener, starting at 1.
   * @example 1
   */
  @IsOptional() @IsInt() @Min(1)
  position?: number;

  /**
   * Target URL for REDIRECT_TO_URL.
   * @example "https://example.com/new"
   */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }) @MaxLength(2048)
  redirectUrl?: string;

  /**
   * URL prefix for REDIRECT_PREFIX.
   * @example "https://example.com/v2"
   */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }) @MaxLength(2048)
  redirectPrefix?: string;

  /**
   * Pool id for REDIRECT_TO_POOL.
   * @example "b1b2c3d4-0000-4000-8000-000000000001"
   */
  @IsOptional() @IsUUID('all')
  redirectPoolId?: string;

  /**
   * HTTP code of a redirect; only with REDIRECT_TO_URL or REDIRECT_PREFIX.
   * @example 301
   */
  @IsOptional() @IsIn(REDIRECT_HTTP_CODES)
  redirectHttpCode?: number;

  /**
   * The FULL list of tags of the policy: it replaces the current list (L7 policy tags are plain strings, not a merge patch).
   * @example ["web", "blue"]
   */
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(255, { each: true })
  tags?: string[];
}

/** Log retention of a load balancer's log forwarding. */
export class RetentionPolicyDto {
  /**
   * Days to keep logs; null for the provider default.
   * @example 7
   */
  @ValidateIf((_, v) => v !== null) @IsInt() @Min(1)
  period: number | null;
}

/** Log forwarding (LaaS) of a load balancer. */
export class LoadBalancerLoggingDto {
  /** @example true */
  @IsOptional() @IsBoolean()
  enabled?: boolean;

  /** @example "lb-logs" */
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(255)
  topicName?: string | null;

  /** @example 76 */
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsInt() @Min(1)
  destinationRegionId?: number | null;

  @IsOptional() @ValidateIf((_, v) => v !== null) @ValidateNested() @Type(() => RetentionPolicyDto)
  retentionPolicy?: RetentionPolicyDto | null;
}

/** Changes to a Gcore load balancer; send only what changes. */
export class GcoreLoadBalancerChangesDto {
  /** @example "lb-web-renamed" */
  @IsOptional() @IsString() @Matches(/^\S(.{0,253}\S)?$/, { message: 'must be 1-255 characters without leading or trailing spaces' })
  name?: string;

  /**
   * Preferred member connectivity.
   * @example "L3"
   */
  @IsOptional() @IsIn(['L2', 'L3'])
  preferredConnectivity?: 'L2' | 'L3';

  @IsOptional() @ValidateNested() @Type(() => LoadBalancerLoggingDto)
  logging?: LoadBalancerLoggingDto;

  /**
   * User tags as a JSON Merge Patch (RFC 7386): a key with a string sets it, a key with null deletes it, keys not sent are kept,
   * and `null` instead of an object removes every user tag. Read-only tags never change.
   * @example {"team": "edge", "legacy": null}
   */
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject()
  tags?: Record<string, string | null> | null;
}

/** Changes to an Apinizer policy; the gateway builds the full PUT body from the current policy. */
export class ApinizerPolicyChangesDto {
  /** @example "ALL" */
  @IsOptional() @IsIn(['ALL', 'ENDPOINT'])
  targetScope?: 'ALL' | 'ENDPOINT';

  /**
   * Endpoint path, required with targetScope ENDPOINT.
   * @example "/pets"
   */
  @IsOptional() @IsString() @MaxLength(1024)
  targetEndpoint?: string;

  /** @example "GET" */
  @IsOptional() @IsIn(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'ALL'])
  targetEndpointHTTPMethod?: string;

  /** @example "REQUEST" */
  @IsOptional() @IsIn(['REQUEST', 'RESPONSE', 'ERROR'])
  targetPipeline?: 'REQUEST' | 'RESPONSE' | 'ERROR';

  /**
   * 1-based position in its list; omitted keeps the current position.
   * @example 1
   */
  @IsOptional() @IsInt() @Min(1)
  order?: number;

  /**
   * Deploy the proxy after the change (default false here; always sent explicitly to Apinizer).
   * @example false
   */
  @IsOptional() @IsBoolean()
  deploy?: boolean;

  /** @example ["dev"] */
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true })
  deployTargetEnvironmentNameList?: string[];

  /**
   * A partial policy merged as JSON Merge Patch into the current one (`type` cannot change). With `replacePolicy: true`, the
   * complete policy instead.
   * @example {"messageCountForInterval": 200}
   */
  @IsOptional() @IsObject()
  policy?: Record<string, unknown>;

  /**
   * true: `policy` is the complete policy and replaces the current one as it is (no merge). Needed when the current full
   * policy is not known to the gateway (List Policies returned summaries and this gateway never applied the policy); then
   * `policy.type` and every required field of the type must be sent.
   * @example false
   */
  @IsOptional() @IsBoolean()
  replacePolicy?: boolean;
}
