import type { Server } from 'restify';
import type { Logger } from '../logging/create-logger';

/** `/healthz`: the process answers. `/readyz`: it can reach storage, so it can take leads. */
export function registerHealthRoutes(server: Server, checkReady: () => Promise<void>, logger: Logger): void {
  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
    return Promise.resolve();
  });
  server.get('/readyz', async (_req, res) => {
    try {
      await checkReady();
      res.send(200, { status: 'ready' });
    } catch (err) {
      logger.warn({ err }, 'not ready: storage unreachable');
      res.send(503, { status: 'unavailable', reason: 'storage is not reachable' });
    }
  });
}
