import { loadEnvFile } from '@rpg/config';
import { type SandboxOptions, createProviderSandbox } from './sandbox';

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`${name} must be a number >= 0 (got "${raw}")`);
    process.exit(1);
  }
  return n;
}

function boolEnv(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') {
    console.error(`${name} must be true or false (got "${raw}")`);
    process.exit(1);
  }
  return raw === 'true';
}

function strEnv(name: string, fallback: string): string {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

async function main(): Promise<void> {
  loadEnvFile(); // .env in the working directory, as every process reads it (the real environment wins)
  const options: SandboxOptions = {
    port: intEnv('SANDBOX_PORT', 4010),
    host: strEnv('SANDBOX_HOST', '127.0.0.1'),
    taskDurationMs: intEnv('SANDBOX_TASK_DURATION_MS', 2000),
    latencyMs: intEnv('SANDBOX_LATENCY_MS', 0),
    gcoreApiKey: strEnv('SANDBOX_GCORE_API_KEY', 'sandbox-gcore-key'),
    apinizerToken: strEnv('SANDBOX_APINIZER_TOKEN', 'sandbox-apinizer-token'),
    apinizerUsername: strEnv('SANDBOX_APINIZER_USERNAME', 'sandbox'),
    apinizerPassword: strEnv('SANDBOX_APINIZER_PASSWORD', 'sandbox-password'),
    apinizerListMode: strEnv('SANDBOX_APINIZER_LIST_MODE', 'auto') as SandboxOptions['apinizerListMode'],
    apinizerDeployShape: strEnv('SANDBOX_APINIZER_DEPLOY_SHAPE', 'detailList') as SandboxOptions['apinizerDeployShape'],
    strict: boolEnv('SANDBOX_STRICT', false),
  };
  const sandbox = await createProviderSandbox(options);
  console.log(`provider sandbox listening on ${sandbox.url}`);
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(`provider sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
