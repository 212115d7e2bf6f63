// first: tracing must start before fastify, ioredis, undici and http are loaded
import './tracing';
import 'reflect-metadata';
import { loadAppConfigOrExit } from '@rpg/config';
import { createLogger, stopOnSignals } from '@rpg/observability';
import { assertRedisReachable } from '@rpg/redis';
import { createGatewayApp } from './gateway.factory';

/** The address a person on this machine opens: a wildcard listen address is reached through loopback. */
function browsableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function main(): Promise<void> {
  const config = loadAppConfigOrExit();
  await assertRedisReachable(config);
  const logger = createLogger(config.logLevel, 'gateway');
  const app = await createGatewayApp(config, logger);
  stopOnSignals(app, logger);
  await app.listen({ port: config.port, host: config.host });
  const base = `http://${browsableHost(config.host)}:${config.port}`;
  const listening = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  logger.info({ host: config.host, port: config.port, docs: `${base}/docs` }, `gateway listening on ${listening}; docs at ${base}/docs`);
  if (config.generatedDevApiKey) {
    // printed once, on purpose, after the start-up lines: the dev key is the only way in when API_KEYS is not set
    // (never in production); bold on a terminal so a person finds it
    const loopback = config.host === '127.0.0.1' || config.host === '::1' || config.host === 'localhost';
    const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
    const warning = loopback ? '' : `${bold('Warning:')}     HOST=${config.host} makes this all-scopes key usable from other machines\n`;
    process.stdout.write(
      `\n${bold('Docs:')}        ${base}/docs\n${bold('Console:')}     ${base}/console/ (sign in with the key)\n` +
        `${bold('Queues:')}      ${base}/admin/queues (log in with the key)\n` +
        `${bold('Dev API key:')} ${config.generatedDevApiKey}  (all scopes; set API_KEYS to choose your own)\n${warning}\n`,
    );
  }
}

void main();
