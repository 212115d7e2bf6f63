/**
 * Baseline for the accept-path scenario of `npm run bench`: a bare Fastify route that parses the same JSON body and
 * answers 202 — no auth, validation, Redis or queue. Listens on BARE_PORT (127.0.0.1).
 */
import Fastify from 'fastify';

async function main(): Promise<void> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  let n = 0;
  app.post('/v1/routing-policy-updates', async (req, reply) => {
    const body = req.body as { updates?: unknown[] } | null;
    n++;
    return reply.code(202).send({ id: `op_${n}`, status: 'PENDING', results: Array.isArray(body?.updates) ? body.updates.length : 0 });
  });
  await app.listen({ port: Number(process.env.BARE_PORT ?? 0), host: '127.0.0.1' });
  process.stdout.write(`bare fastify listening on ${process.env.BARE_PORT}\n`);
  const stop = (): void => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
