/** `/metrics` (Prometheus text) and `/healthz` (200 or 503, JSON) on `METRICS_HOST:METRICS_PORT`. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { MetricsSettings } from '../deployment';
import { ConfigError, reasonOf } from '../lib/errors';
import type { Metrics } from './metrics';

export interface RunningMetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveMetrics(metrics: Metrics, settings: MetricsSettings, log: Logger): Promise<RunningMetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
        (error: unknown) => {
          log.error({ reason: reasonOf(error) }, 'metrics not collected');
          res.writeHead(500).end();
        },
      );
    } else if (req.method === 'GET' && path === '/healthz') {
      const health = metrics.health(settings.healthMaxAgeMs);
      res.writeHead(health.healthy ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify(health.body));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' || error.code === 'EADDRNOTAVAIL' ? new ConfigError(`METRICS_PORT ${settings.port} on ${settings.host} cannot be used (${error.code})`) : error),
    );
    server.listen(settings.port, settings.host, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  log.info({ url }, 'metrics and health endpoint listening');
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
