import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, ValidateIf, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value);
const toBool = ({ value }: { value: unknown }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every environment variable the processes read, validated once at boot.
 * A bad value stops the process with one line naming the variable (see ConfigValidationError).
 */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  /** Listen address of the gateway and the worker's metrics (default: 127.0.0.1 in development, 0.0.0.0 in production). */
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*|localhost|[A-Za-z0-9.-]+)$/, { message: 'must be an IP address or a host name' })
  HOST?: string;

  /** Signs stream tokens and browser session cookies; the same on every gateway (required in production, random in development). */
  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  @Matches(/^.{32,}$/s, { message: 'must be at least 32 characters' })
  SESSION_SECRET?: string;

  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /**
   * Seed nodes of a Redis Cluster (`host:port`, comma-separated): when set, every connection is a cluster client and
   * REDIS_URL only contributes credentials and TLS (its userinfo and scheme). Unset: the single Redis at REDIS_URL.
   */
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5}(\s*,\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):\d{1,5})*\s*$/, {
    message: 'must be comma-separated host:port seed nodes',
  })
  REDIS_CLUSTER_NODES?: string;

  /** Prefix of every BullMQ key; wrapped in a hash tag so BullMQ runs on Redis Cluster. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'must be 1-32 letters, digits, _ or -' })
  QUEUE_PREFIX = 'rpg';

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  API_KEYS?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  GCORE_API_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  GCORE_API_KEY?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  APINIZER_API_URL?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  APINIZER_API_TOKEN?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  APINIZER_USERNAME?: string;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  APINIZER_PASSWORD?: string;

  /** Where the built-in provider sandbox listens when a provider URL is not set. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  SANDBOX_PORT = 4010;

  @Transform(toBool)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_NETWORKS = false;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  INBOUND_WEBHOOK_SECRETS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  GCORE_TASK_POLL_INITIAL_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300_000)
  GCORE_TASK_POLL_MAX_MS = 2000;

  /** Interval of the task sweep: one `GET /cloud/v1/tasks` per project/region lists every task still running; 0 turns it off. */
  @Transform(toInt)
  @ValidateIf((env: EnvironmentVariables) => env.GCORE_TASK_SWEEP_MS !== 0)
  @IsInt()
  @Min(100)
  @Max(60_000)
  GCORE_TASK_SWEEP_MS = 500;

  /** Per-task poll interval while the sweep covers the task's project/region (the sweep detects the end; this is the backstop). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(300_000)
  GCORE_TASK_SWEEP_BACKSTOP_MS = 15_000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(7_200_000)
  GCORE_TASK_TIMEOUT_MS = 1_800_000;

  /**
   * How long a task read may keep answering 404 before the target fails with TASK_NOT_FOUND: Gcore's task store is
   * eventually consistent, so a task id a write just returned may be unknown for a moment (0: fail at the first 404).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  GCORE_TASK_NOT_FOUND_GRACE_MS = 30_000;

  /** How long a write waits and retries while Gcore answers 409 (resource locked by a running task). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  GCORE_LOCK_WAIT_MS = 120_000;

  /** HTTP attempts per provider call on retryable failures (connection errors, 408, 429, 5xx). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  PROVIDER_MAX_ATTEMPTS = 4;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  PROVIDER_REQUEST_TIMEOUT_MS = 30_000;

  /** Consecutive failed provider calls (connection errors, timeouts, 5xx) that open a provider's circuit breaker. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  PROVIDER_CIRCUIT_FAILURE_THRESHOLD = 5;

  /** How long an open circuit refuses calls before one trial call is let through (half-open). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  PROVIDER_CIRCUIT_OPEN_MS = 10_000;

  /**
   * How long a target keeps retrying through a provider outage (503/502/504, 429, connection refused/reset, timeouts),
   * counted from the first failure of the outage; after it the target fails PROVIDER_UNAVAILABLE.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  PROVIDER_OUTAGE_BUDGET_MS = 600_000;

  /** Longest wait between two tries of a target during an outage (1 s doubling up to this, with jitter): how soon a recovery is noticed. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  PROVIDER_OUTAGE_BACKOFF_MAX_MS = 30_000;

  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^\s*\d+(\s*,\s*\d+)*\s*$/, { message: 'must be comma-separated integers (milliseconds)' })
  WEBHOOK_RETRY_DELAYS_MS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  OPERATION_RETENTION_DAYS = 30;

  @IsOptional()
  @Transform(emptyToUndefined)
  @IsString()
  CORS_ORIGINS?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_CONCURRENCY = 50;

  /** Requests per minute per API key on /v1 routes (429 with Retry-After beyond). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_PER_MINUTE = 6000;

  /** Interval of the `: heartbeat` comment on Server-Sent Events streams (keeps proxies and browsers from closing idle streams). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300_000)
  SSE_HEARTBEAT_MS = 15_000;

  /** The worker's Prometheus endpoint (GET /metrics); 0 disables it. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT = 9464;

  /**
   * The worker's CPU niceness (0 normal, 19 lowest; only ever lowered): started with a gateway (`npm start`, one
   * container or session), the gateway's requests take the cores first and the worker works through its durable backlog
   * in what is left. Niceness ranks threads within one cgroup (and autogroup) only: between containers or systemd units,
   * give the gateway a larger CPU weight (`cpu.weight`, `--cpu-shares`) instead.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(19)
  WORKER_NICENESS = 10;
}

export class ConfigValidationError extends Error {}

/** Validates raw env; throws ConfigValidationError whose message is one line naming the first bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) if (raw[key] !== undefined) picked[key] = raw[key];
  const env = plainToInstance(EnvironmentVariables, picked, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    const first = errors[0];
    // decorators register bottom-up: the last constraint is the first written, the type check ("must be an integer"),
    // which is the one to name for PORT=abc rather than a range bound it fails as a side effect
    const reason = Object.values(first.constraints ?? {}).pop() ?? 'is invalid';
    const secretLike = /KEY|TOKEN|PASSWORD|SECRET/.test(first.property);
    // never echo credentials, even inside a URL-ish value (REDIS_URL=redis://:pass@host)
    const value = String(first.value).replace(/(^|\/\/)[^/@\s]*@/, '$1***@');
    const shown = secretLike ? '' : ` (got ${JSON.stringify(value)})`;
    throw new ConfigValidationError(`Invalid configuration: ${first.property} ${reason.replace(new RegExp(`^${first.property}\\s*`), '')}${shown}`);
  }
  return env;
}
