import type { FastifyInstance } from 'fastify';

/**
 * Graceful close: a keep-alive connection busy when the close begins becomes idle only afterwards, and would then
 * hold the close for its keep-alive timeout (longer than the shutdown deadline): close such connections as they idle.
 */
export function closeIdleConnectionsOnClose(fastify: FastifyInstance): void {
  fastify.addHook('preClose', (done) => {
    const timer = setInterval(() => fastify.server.closeIdleConnections(), 100).unref();
    fastify.server.once('close', () => clearInterval(timer));
    done();
  });
}
