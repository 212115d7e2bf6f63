import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import { AppConfig, loadAppConfig } from '@rpg/config';
import { REDACTED_PATHS } from '@rpg/observability';
import { TERMINAL_OPERATION_STATUSES } from '@rpg/routing-policy';
import { deleteKeys } from './redis-keys';
import { waitFor } from './wait';
import { createGatewayApp } from '../../apps/gateway/src/gateway.factory';
import { createWorkerApp } from '../../apps/worker/src/worker.factory';
import { createProviderSandbox, ProviderSandbox, SandboxOptions } from '../../apps/provider-sandbox/src/sandbox';

// what the specs need beside the harness, importable from one module
export { APINIZER_QUOTA_POLICY, SEED, apinizerTarget, l7Target, lbTarget } from './targets';
export { startReceiver } from './receiver';
export type { ReceivedWebhook, ReceiverAnswer } from './receiver';
export { deleteKeys } from './redis-keys';
export { l7Name, outOfBandL7Rename, refuseL7Patches, sandboxControl } from './sandbox';
export type { SandboxHolder } from './sandbox';
export { waitFor };
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const API_KEY = 'test-admin-key-0001';
export const READ_KEY = 'test-reader-key-0001';
export const INBOUND_SECRET = 'whsec_' + Buffer.from('inbound-test-secret-0123456789ab').toString('base64');

export interface Harness {
  config: AppConfig;
  sandbox: ProviderSandbox;
  gateway: NestFastifyApplication;
  worker?: INestApplicationContext;
  http: ReturnType<typeof request>;
  redis: Redis;
  prefix: string;
  logs: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  sandbox?: SandboxOptions;
  withWorker?: boolean;
}

/** Real Redis (own key prefix per test file), the provider sandbox over real HTTP, the gateway and the worker in-process. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  // the strict sandbox: the references' least favourable reading, so the gateway is tested against what providers may do
  const sandbox = await createProviderSandbox({ taskDurationMs: 300, strict: true, ...options.sandbox });
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const config = loadAppConfig({
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    API_KEYS: `admin:${API_KEY}:*,reader:${READ_KEY}:operations.read`,
    GCORE_API_URL: sandbox.url,
    GCORE_API_KEY: 'sandbox-gcore-key',
    APINIZER_API_URL: sandbox.url,
    APINIZER_API_TOKEN: 'sandbox-apinizer-token',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    INBOUND_WEBHOOK_SECRETS: `ci=${INBOUND_SECRET}`,
    GCORE_TASK_POLL_INITIAL_MS: '100',
    GCORE_TASK_POLL_MAX_MS: '200',
    GCORE_LOCK_WAIT_MS: '5000',
    WEBHOOK_RETRY_DELAYS_MS: '200,400',
    LOG_LEVEL: 'info',
    ...options.env,
  });
  const logs: string[] = [];
  // production redaction, written to memory so tests can grep every log line
  const captured = (name: string) =>
    pino({ level: config.logLevel, name, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, { write: (line: string) => void logs.push(line) });
  const gateway = await createGatewayApp(config, captured('gateway'));
  await gateway.init();
  await gateway.getHttpAdapter().getInstance().ready();
  const worker = options.withWorker === false ? undefined : await createWorkerApp(config, captured('worker'));
  const redis = new Redis(REDIS_URL);
  return {
    config,
    sandbox,
    gateway,
    worker,
    http: request(gateway.getHttpServer()),
    redis,
    prefix,
    logs,
    async close() {
      await worker?.close();
      await gateway.close();
      await sandbox.close();
      await deleteKeys(redis, `{${prefix}}*`);
      redis.disconnect();
    },
  };
}

/** Makes the gateway listen on a real port of 127.0.0.1 (SSE and browsers need a socket) and returns it. */
export async function gatewayPort(h: Harness): Promise<number> {
  const server = h.gateway.getHttpServer();
  if (!server.listening) await h.gateway.listen(0, '127.0.0.1');
  return (server.address() as AddressInfo).port;
}

/** The gateway's base URL on a real port (see gatewayPort). */
export async function gatewayBaseUrl(h: Harness): Promise<string> {
  return `http://127.0.0.1:${await gatewayPort(h)}`;
}

export const auth = (key = API_KEY) => ({ authorization: `Bearer ${key}` });

export const TERMINAL = TERMINAL_OPERATION_STATUSES;

/** Polls GET /v1/operations/{id} until the operation is terminal. */
export async function waitForOperation(h: Harness, id: string, timeoutMs = 20_000): Promise<Record<string, any>> {
  return waitFor(
    async () => {
      const res = await h.http.get(`/v1/operations/${id}`).set(auth());
      return res.status === 200 && TERMINAL.has(res.body.status) ? res.body : undefined;
    },
    timeoutMs,
    50,
  );
}

/** POST /v1/routing-policy-updates with the admin key (and `headers`, e.g. Idempotency-Key or Prefer). */
export async function postUpdates(h: Harness, body: unknown, headers: Record<string, string> = {}) {
  return h.http
    .post('/v1/routing-policy-updates')
    .set({ ...auth(), ...headers })
    .send(body as object);
}

/** waitForOperation, with the operation's last state in the error when it does not end in time. */
export async function finished(h: Harness, id: string, timeoutMs = 20_000): Promise<Record<string, any>> {
  try {
    return await waitForOperation(h, id, timeoutMs);
  } catch (error) {
    const now = await h.http.get(`/v1/operations/${id}`).set(auth());
    throw new Error(`${(error as Error).message}; operation ${id} is ${JSON.stringify(now.body)}`);
  }
}
