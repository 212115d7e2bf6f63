import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  isURL,
} from 'class-validator';
import { IsOptionalNonNull, IsOptionalNullable } from '@rpg/common';

export const L7_ACTIONS = ['REDIRECT_TO_URL', 'REDIRECT_PREFIX', 'REDIRECT_TO_POOL', 'REJECT'] as const;
export type L7Action = (typeof L7_ACTIONS)[number];
export const REDIRECT_HTTP_CODES = [301, 302, 303, 307, 308] as const;
/** Gcore's name pattern for L7 policies (from its published schema). */
export const GCORE_L7_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z 0-9._-]{1,61}[a-zA-Z0-9._]$/;
/** Largest integer the providers' int32 fields hold (positions, orders, region ids, days). */
export const INT32_MAX = 2147483647;
/** An absolute path (`/api/v1/policies`): printable ASCII, no `\`, not protocol-relative (`//host`). */
const ABSOLUTE_PATH = /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/;
const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** A redirect prefix: an absolute path or an http(s) URL (the seed schema types it as a plain string). */
export function isRedirectPrefix(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 2048 && (ABSOLUTE_PATH.test(value) || isURL(value, HTTP_URL));
}

/** Changes to a Gcore L7 policy; send only what changes. */
export class GcoreL7PolicyChangesDto {
  /**
   * New action. When it changes, the new action's field must be sent too (redirectUrl, redirectPrefix or redirectPoolId; none for REJECT).
   * When omitted, the gateway reads the policy and sends its current action and target field, as Gcore's PATCH requires them.
   * @example "REDIRECT_TO_URL"
   */
  @IsOptionalNonNull()
  @IsIn(L7_ACTIONS)
  action?: L7Action;

  /**
   * Policy name: 3-63 characters, letters, digits, space, `.`, `_`, `-`.
   * @example "redirect-to-new-site"
   */
  @IsOptionalNonNull()
  @IsString()
  @Matches(GCORE_L7_NAME_PATTERN, { message: 'must match ^[a-zA-Z0-9][a-zA-Z 0-9._\\-]{1,61}[a-zA-Z0-9._]$' })
  name?: string;

  /**
   * Position of the policy in its listener, starting at 1.
   * @example 1
   */
  @IsOptionalNonNull()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  position?: number;

  /**
   * Target URL for REDIRECT_TO_URL.
   * @example "https://example.com/new"
   */
  @IsOptionalNonNull()
  @IsUrl(HTTP_URL)
  @MaxLength(2048)
  redirectUrl?: string;

  /**
   * Prefix for REDIRECT_PREFIX: an absolute path (`/api/v1/policies`) or an http(s) URL, at most 2048 characters.
   * @example "/api/v1/policies"
   */
  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptionalNonNull()
  @ValidateBy({
    name: 'isRedirectPrefix',
    validator: { validate: isRedirectPrefix, defaultMessage: () => 'must be an absolute path starting with "/" or an http(s) URL, at most 2048 characters' },
  })
  redirectPrefix?: string;

  /**
   * Pool id for REDIRECT_TO_POOL.
   * @example "b1b2c3d4-0000-4000-8000-000000000001"
   */
  @IsOptionalNonNull()
  @IsUUID('all')
  redirectPoolId?: string;

  /**
   * HTTP code of a redirect; only with REDIRECT_TO_URL or REDIRECT_PREFIX.
   * @example 301
   */
  @IsOptionalNonNull()
  @IsIn(REDIRECT_HTTP_CODES)
  redirectHttpCode?: number;

  /**
   * The FULL list of tags of the policy: it replaces the current list (L7 policy tags are plain strings, not a merge patch).
   * @example ["web", "blue"]
   */
  @IsOptionalNonNull()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  tags?: string[];
}

/** Log retention of a load balancer's log forwarding. */
export class RetentionPolicyDto {
  /**
   * Days to keep logs; null for the provider default. Required inside retentionPolicy (Gcore: `Required`, may be null).
   * @example 7
   */
  @ApiProperty({ type: 'integer', minimum: 1, maximum: INT32_MAX, nullable: true })
  @ValidateBy({
    name: 'isRetentionPeriod',
    validator: {
      validate: (v) => v === null || (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= INT32_MAX),
      defaultMessage: () => `is required: an integer of days (1..${INT32_MAX}), or null for the provider default`,
    },
  })
  period: number | null;
}

/** Log forwarding (LaaS) of a load balancer. */
export class LoadBalancerLoggingDto {
  /**
   * Log forwarding on or off (not nullable).
   * @example true
   */
  @IsOptionalNonNull()
  @IsBoolean()
  enabled?: boolean;

  /**
   * Log topic; null clears it (Gcore: string | null).
   * @example "lb-logs"
   */
  @IsOptionalNullable()
  @IsString()
  @MaxLength(255)
  topicName?: string | null;

  /**
   * Region of the log destination; null clears it (Gcore: int | null).
   * @example 76
   */
  @IsOptionalNullable()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  destinationRegionId?: number | null;

  /** Log retention; null clears it (Gcore: object | null). */
  @IsOptionalNullable()
  @ValidateNested()
  @Type(() => RetentionPolicyDto)
  retentionPolicy?: RetentionPolicyDto | null;
}

/** Changes to a Gcore load balancer; send only what changes. */
export class GcoreLoadBalancerChangesDto {
  /** @example "lb-web-renamed" */
  @IsOptionalNonNull()
  @IsString()
  @Matches(/^\S(.{0,253}\S)?$/, { message: 'must be 1-255 characters without leading or trailing spaces' })
  name?: string;

  /**
   * Preferred member connectivity.
   * @example "L3"
   */
  @IsOptionalNonNull()
  @IsIn(['L2', 'L3'])
  preferredConnectivity?: 'L2' | 'L3';

  /** Log forwarding changes; the object is not nullable (its topicName, destinationRegionId and retentionPolicy are). */
  @IsOptionalNonNull()
  @ValidateNested()
  @Type(() => LoadBalancerLoggingDto)
  logging?: LoadBalancerLoggingDto;

  /**
   * User tags as a JSON Merge Patch (RFC 7386): a key with a string sets it, a key with null deletes it, keys not sent are kept,
   * and `null` instead of an object removes every user tag. Read-only tags never change.
   * @example {"team": "edge", "legacy": null}
   */
  @IsOptionalNullable()
  @IsObject()
  tags?: Record<string, string | null> | null;
}

/** Where an Apinizer policy applies: to every endpoint of its API proxy, or to one endpoint. */
export const APINIZER_TARGET_SCOPES = ['ALL', 'ENDPOINT'] as const;
export type ApinizerTargetScope = (typeof APINIZER_TARGET_SCOPES)[number];
/** The Apinizer pipeline a policy runs in. */
export const APINIZER_TARGET_PIPELINES = ['REQUEST', 'RESPONSE', 'ERROR'] as const;
export type ApinizerTargetPipeline = (typeof APINIZER_TARGET_PIPELINES)[number];
/** The HTTP method of an ENDPOINT-scoped Apinizer policy's endpoint (ALL: every method). */
export const APINIZER_ENDPOINT_HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'ALL'] as const;

/** Changes to an Apinizer policy; the gateway builds the full PUT body from the current policy. */
export class ApinizerPolicyChangesDto {
  /** @example "ALL" */
  @IsOptionalNonNull()
  @IsIn(APINIZER_TARGET_SCOPES)
  targetScope?: ApinizerTargetScope;

  /**
   * Endpoint path, required with targetScope ENDPOINT.
   * @example "/pets"
   */
  @IsOptionalNonNull()
  @IsString()
  @MaxLength(1024)
  targetEndpoint?: string;

  /** @example "GET" */
  @IsOptionalNonNull()
  @IsIn(APINIZER_ENDPOINT_HTTP_METHODS)
  targetEndpointHTTPMethod?: string;

  /** @example "REQUEST" */
  @IsOptionalNonNull()
  @IsIn(APINIZER_TARGET_PIPELINES)
  targetPipeline?: ApinizerTargetPipeline;

  /**
   * 1-based position in its list; omitted keeps the current position (null is refused: omit the field instead).
   * @example 1
   */
  @IsOptionalNonNull()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  order?: number;

  /**
   * Deploy the proxy after the change (default false here; always sent explicitly to Apinizer). With true,
   * deployTargetEnvironmentNameList must name at least one environment.
   * @example false
   */
  @IsOptionalNonNull()
  @IsBoolean()
  deploy?: boolean;

  /**
   * Environments to deploy to; required (non-empty) with deploy: true, as Apinizer's behaviour with an empty list is undocumented.
   * @example ["dev"]
   */
  @IsOptionalNonNull()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  // eslint-disable-next-line no-control-regex -- refuses control characters on purpose
  @Matches(/^[^\u0000-\u001f\u007f]{1,200}$/, { each: true, message: 'each value must be 1-200 characters without control characters' })
  deployTargetEnvironmentNameList?: string[];

  /**
   * A partial policy merged as JSON Merge Patch into the current one (`type` cannot change). With `replacePolicy: true`, the
   * complete policy instead.
   * @example {"messageCountForInterval": 200}
   */
  @IsOptionalNonNull()
  @IsObject()
  policy?: Record<string, unknown>;

  /**
   * true: `policy` is the complete policy and replaces the current one as it is (no merge). Needed when the current full
   * policy is not known to the gateway (List Policies returned summaries and this gateway never applied the policy); then
   * `policy.type` and every required field of the type must be sent.
   * @example false
   */
  @IsOptionalNonNull()
  @IsBoolean()
  replacePolicy?: boolean;
}
