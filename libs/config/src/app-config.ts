import { createHash, randomBytes } from 'node:crypto';
import { loadEnvFile } from './env-file';
import { ConfigValidationError, EnvironmentVariables, validateEnvironment } from './environment';

export const API_SCOPES = ['policies.write', 'policies.read', 'operations.read', 'webhooks.manage', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyEntry {
  name: string;
  /** sha256 of the key: the key itself is never kept in memory after boot. */
  hash: Buffer;
  scopes: ReadonlySet<ApiScope>;
}

/** Standard Webhooks' recommended retry schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const STANDARD_WEBHOOK_RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export interface AppConfig {
  env: string;
  production: boolean;
  port: number;
  /** Listen address of the gateway and of the worker's metrics endpoint. */
  host: string;
  /** Key of the HMAC that signs stream tokens and admin session cookies. */
  sessionSecret: Buffer;
  redisUrl: string;
  /** Seed nodes of a Redis Cluster; empty for a single Redis (REDIS_URL). */
  redisClusterNodes: RedisNode[];
  queuePrefix: string;
  apiKeys: ApiKeyEntry[];
  /** Set only when no API_KEYS were configured outside production: printed once at start. */
  generatedDevApiKey?: string;
  gcore: { baseUrl: string; apiKey: string; usesSandbox: boolean };
  apinizer: { baseUrl: string; token?: string; username?: string; password?: string; usesSandbox: boolean };
  sandboxUrl: string;
  provider: {
    maxAttempts: number;
    requestTimeoutMs: number;
    /** Circuit breaker of each provider: failures that open it, and how long it stays open before a trial call. */
    circuitFailureThreshold: number;
    circuitOpenMs: number;
    /** How long a target retries through a provider outage (from its first failure) before PROVIDER_UNAVAILABLE. */
    outageBudgetMs: number;
    /** Cap of the outage backoff (1 s doubling, jitter). */
    outageBackoffMaxMs: number;
  };
  gcoreTasks: {
    pollInitialMs: number;
    pollMaxMs: number;
    sweepMs: number;
    sweepBackstopMs: number;
    timeoutMs: number;
    lockWaitMs: number;
    /** How long a task read may answer 404 in a row before TASK_NOT_FOUND (eventual consistency). */
    notFoundGraceMs: number;
  };
  webhooks: { allowPrivateNetworks: boolean; retryDelaysMs: number[]; inboundSecrets: Map<string, string> };
  operationRetentionDays: number;
  corsOrigins: string[];
  sseHeartbeatMs: number;
  logLevel: string;
  workerConcurrency: number;
  rateLimitPerMinute: number;
  workerMetricsPort: number;
  workerNiceness: number;
}

export interface RedisNode {
  host: string;
  port: number;
}

export const SANDBOX_GCORE_API_KEY = 'sandbox-gcore-key';
export const SANDBOX_APINIZER_TOKEN = 'sandbox-apinizer-token';

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

function parseApiKeys(raw: string): ApiKeyEntry[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const first = entry.indexOf(':');
      const last = entry.lastIndexOf(':');
      if (first <= 0 || last === first || last === entry.length - 1) {
        throw new ConfigValidationError('Invalid configuration: API_KEYS entries must be name:key:scopes (scopes joined by + or *)');
      }
      const name = entry.slice(0, first);
      const key = entry.slice(first + 1, last);
      const scopeText = entry.slice(last + 1);
      if (key.length < 8) throw new ConfigValidationError(`Invalid configuration: API_KEYS key of "${name}" must be at least 8 characters`);
      const scopes = scopeText === '*' ? [...API_SCOPES] : scopeText.split('+');
      for (const scope of scopes) {
        if (!(API_SCOPES as readonly string[]).includes(scope)) {
          throw new ConfigValidationError(`Invalid configuration: API_KEYS scope "${scope}" of "${name}" is not one of ${API_SCOPES.join(', ')}, *`);
        }
      }
      return { name, hash: hashApiKey(key), scopes: new Set(scopes as ApiScope[]) };
    });
}

function parseClusterNodes(raw: string | undefined, redisUrl: string): RedisNode[] {
  const nodes = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.lastIndexOf(':');
      const port = Number(entry.slice(colon + 1));
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new ConfigValidationError(`Invalid configuration: REDIS_CLUSTER_NODES port of "${entry}" must be 1-65535`);
      }
      return { host: entry.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port };
    });
  // a cluster serves database 0 only: a REDIS_URL selecting another would be silently ignored
  if (nodes.length && !['', '0'].includes(new URL(redisUrl).pathname.replace(/^\/+/, ''))) {
    throw new ConfigValidationError(
      'Invalid configuration: REDIS_URL must not select a database other than 0 when REDIS_CLUSTER_NODES is set (a cluster has only database 0)',
    );
  }
  return nodes;
}

function parseInboundSecrets(raw: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    const source = pair.slice(0, eq);
    const secret = pair.slice(eq + 1);
    if (eq <= 0 || !/^[a-z0-9][a-z0-9_-]{0,63}$/i.test(source) || !secret.startsWith('whsec_')) {
      throw new ConfigValidationError('Invalid configuration: INBOUND_WEBHOOK_SECRETS must be comma-separated source=whsec_... pairs');
    }
    map.set(source, secret);
  }
  return map;
}

function buildAppConfig(env: EnvironmentVariables): AppConfig {
  const production = env.NODE_ENV === 'production';
  let apiKeys: ApiKeyEntry[];
  let generatedDevApiKey: string | undefined;
  if (env.API_KEYS) {
    apiKeys = parseApiKeys(env.API_KEYS);
    if (apiKeys.length === 0) throw new ConfigValidationError('Invalid configuration: API_KEYS holds no key');
  } else if (production) {
    throw new ConfigValidationError('Invalid configuration: API_KEYS is required when NODE_ENV=production');
  } else {
    generatedDevApiKey = `dev_${randomBytes(18).toString('base64url')}`;
    apiKeys = parseApiKeys(`dev:${generatedDevApiKey}:*`);
  }
  if (env.GCORE_TASK_POLL_MAX_MS < env.GCORE_TASK_POLL_INITIAL_MS) {
    throw new ConfigValidationError('Invalid configuration: GCORE_TASK_POLL_MAX_MS must be >= GCORE_TASK_POLL_INITIAL_MS');
  }
  if ((env.APINIZER_USERNAME === undefined) !== (env.APINIZER_PASSWORD === undefined)) {
    throw new ConfigValidationError('Invalid configuration: APINIZER_USERNAME and APINIZER_PASSWORD must be set together');
  }
  if (production && !env.SESSION_SECRET) {
    throw new ConfigValidationError(
      'Invalid configuration: SESSION_SECRET is required when NODE_ENV=production (at least 32 characters, the same on every gateway)',
    );
  }
  const sandboxUrl = `http://127.0.0.1:${env.SANDBOX_PORT}`;
  const gcoreUsesSandbox = !env.GCORE_API_URL;
  const apinizerUsesSandbox = !env.APINIZER_API_URL;
  return {
    env: env.NODE_ENV ?? 'development',
    production,
    port: env.PORT,
    host: env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    // development without a secret: random per process (tokens and admin sessions end with a restart)
    sessionSecret: env.SESSION_SECRET ? Buffer.from(env.SESSION_SECRET, 'utf8') : randomBytes(32),
    redisUrl: env.REDIS_URL,
    redisClusterNodes: parseClusterNodes(env.REDIS_CLUSTER_NODES, env.REDIS_URL),
    queuePrefix: env.QUEUE_PREFIX,
    apiKeys,
    generatedDevApiKey,
    gcore: {
      baseUrl: (env.GCORE_API_URL ?? sandboxUrl).replace(/\/+$/, ''),
      apiKey: env.GCORE_API_KEY ?? (gcoreUsesSandbox ? SANDBOX_GCORE_API_KEY : ''),
      usesSandbox: gcoreUsesSandbox,
    },
    apinizer: {
      baseUrl: (env.APINIZER_API_URL ?? sandboxUrl).replace(/\/+$/, '').replace(/\/apiops$/, ''),
      token: env.APINIZER_API_TOKEN ?? (apinizerUsesSandbox && !env.APINIZER_USERNAME ? SANDBOX_APINIZER_TOKEN : undefined),
      username: env.APINIZER_USERNAME,
      password: env.APINIZER_PASSWORD,
      usesSandbox: apinizerUsesSandbox,
    },
    sandboxUrl,
    provider: {
      maxAttempts: env.PROVIDER_MAX_ATTEMPTS,
      requestTimeoutMs: env.PROVIDER_REQUEST_TIMEOUT_MS,
      circuitFailureThreshold: env.PROVIDER_CIRCUIT_FAILURE_THRESHOLD,
      circuitOpenMs: env.PROVIDER_CIRCUIT_OPEN_MS,
      outageBudgetMs: env.PROVIDER_OUTAGE_BUDGET_MS,
      outageBackoffMaxMs: env.PROVIDER_OUTAGE_BACKOFF_MAX_MS,
    },
    gcoreTasks: {
      pollInitialMs: env.GCORE_TASK_POLL_INITIAL_MS,
      pollMaxMs: env.GCORE_TASK_POLL_MAX_MS,
      sweepMs: env.GCORE_TASK_SWEEP_MS,
      sweepBackstopMs: env.GCORE_TASK_SWEEP_BACKSTOP_MS,
      timeoutMs: env.GCORE_TASK_TIMEOUT_MS,
      lockWaitMs: env.GCORE_LOCK_WAIT_MS,
      notFoundGraceMs: env.GCORE_TASK_NOT_FOUND_GRACE_MS,
    },
    webhooks: {
      allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      retryDelaysMs: env.WEBHOOK_RETRY_DELAYS_MS ? env.WEBHOOK_RETRY_DELAYS_MS.split(',').map((s) => Number(s.trim())) : STANDARD_WEBHOOK_RETRY_DELAYS_MS,
      inboundSecrets: parseInboundSecrets(env.INBOUND_WEBHOOK_SECRETS),
    },
    operationRetentionDays: env.OPERATION_RETENTION_DAYS,
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    sseHeartbeatMs: env.SSE_HEARTBEAT_MS,
    logLevel: env.LOG_LEVEL,
    workerConcurrency: env.WORKER_CONCURRENCY,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    workerMetricsPort: env.WORKER_METRICS_PORT,
    workerNiceness: env.WORKER_NICENESS,
  };
}

/** Validate env and build the typed config; throws ConfigValidationError (one line) on bad input. */
export function loadAppConfig(raw: Record<string, unknown> = process.env): AppConfig {
  if ((raw.APINIZER_API_TOKEN || raw.APINIZER_USERNAME) && !raw.APINIZER_API_URL) {
    // credentials for a real Apinizer without its URL would silently go to the sandbox
    throw new ConfigValidationError('Invalid configuration: APINIZER_API_URL must be set when Apinizer credentials are given');
  }
  if (raw.GCORE_API_KEY && !raw.GCORE_API_URL) {
    throw new ConfigValidationError('Invalid configuration: GCORE_API_URL must be set when GCORE_API_KEY is given');
  }
  return buildAppConfig(validateEnvironment(raw));
}

/** For main.ts: the config (the environment, then `.env` for what it leaves unset), or one line naming the bad variable and exit code 1. */
export function loadAppConfigOrExit(): AppConfig {
  try {
    loadEnvFile(process.env);
    return loadAppConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
