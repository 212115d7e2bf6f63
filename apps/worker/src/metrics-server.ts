import { createServer, Server } from 'node:http';
import { ServiceMetrics } from '@rpg/observability';

/** The worker has no API: a minimal HTTP listener serves its Prometheus metrics (GET /metrics) and liveness. */
export function startMetricsServer(metrics: ServiceMetrics, port: number, host: string): Server {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      metrics.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
      return;
    }
    if (req.method === 'GET' && req.url === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  server.listen(port, host);
  return server;
}
