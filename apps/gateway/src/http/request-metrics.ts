import type { FastifyInstance } from 'fastify';
import { ServiceMetrics } from '@rpg/observability';

/** Every answer's duration, by method, route pattern (never the raw URL) and status. */
export function observeRequestDurations(fastify: FastifyInstance, metrics: ServiceMetrics): void {
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
