import restify, { type Request, type Response, type Server } from 'restify';
import type { Logger } from '../logging/create-logger';
import type { Bot } from './bot';

export const MESSAGES_PATH = '/api/messages';

/** Loopback addresses, the only callers an unauthenticated bot answers. */
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** Bot Framework traffic from Teams (or the Agents Playground locally). */
export function registerMessagesRoute(server: Server, bot: Bot, logger: Logger): void {
  if (!bot.authenticated) {
    logger.warn('BOT_ID is not set: the bot accepts unauthenticated messages from this machine only (local clients such as the Agents Playground)');
  }
  server.post(MESSAGES_PATH, restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }), async (req: Request, res: Response) => {
    if (!bot.authenticated && !LOOPBACK.test(req.socket.remoteAddress ?? '')) {
      res.send(401, { error: { code: 'BOT_NOT_CONFIGURED', message: 'This bot has no BOT_ID and answers local clients only.' } });
      return;
    }
    await bot.adapter.process(req, res, async (context) => {
      await bot.app.run(context);
    });
  });
}
