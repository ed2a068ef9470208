import type { Span } from '@opentelemetry/api';
import type { Request, Response, Server } from 'restify';
import type { Telemetry } from './telemetry';

/** One server span per HTTP request the bot answers (Application Insights' "requests"). */
export function recordRequests(server: Server, telemetry: Telemetry): void {
  const spans = new WeakMap<Request, Span>();
  server.pre((req, _res, next) => {
    spans.set(req, telemetry.startRequest(req.method ?? 'GET'));
    next();
  });
  server.on('after', (req: Request, res: Response) => {
    const span = spans.get(req);
    if (span === undefined) return;
    spans.delete(req);
    const route = req.getRoute() as { path?: unknown } | null;
    // Behind App Service's front end TLS ends before the app: it says so in X-Forwarded-Proto.
    // (Not req.isSecure(): the socket is gone when a request was cut off, as a body over the limit is.)
    const encrypted = (req.socket as { encrypted?: boolean } | null)?.encrypted === true;
    const scheme = encrypted || req.header('x-forwarded-proto') === 'https' ? 'https' : 'http';
    telemetry.endRequest(span, {
      method: req.method ?? 'GET',
      route: typeof route?.path === 'string' ? route.path : undefined,
      origin: `${scheme}://${req.header('host', 'localhost')}`,
      path: req.path(),
      status: res.statusCode,
    });
  });
}
