import type { Activity } from 'botbuilder';
import restify, { type Request, type Response, type Server } from 'restify';
import type { Logger } from '../logging/create-logger';
import type { Bot } from './bot';

export const MESSAGES_PATH = '/api/messages';

/** Loopback addresses, the only callers an unauthenticated bot answers. */
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Bot Framework traffic from Teams (or the Agents Playground locally). The token is checked
 * here first so that every bad one gets a 401 and a log line of ours; botbuilder would answer
 * some (a bad signature) with a 500 that echoes the reason.
 */
export function registerMessagesRoute(server: Server, bot: Bot, logger: Logger): void {
  if (!bot.authenticated) {
    logger.warn('BOT_ID is not set: the bot accepts unauthenticated messages from this machine only (local clients such as the Agents Playground)');
  }
  server.post(MESSAGES_PATH, restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }), async (req: Request, res: Response) => {
    if (!bot.authenticated && !LOOPBACK.test(req.socket.remoteAddress ?? '')) {
      res.send(401, { error: { code: 'BOT_NOT_CONFIGURED', message: 'This bot has no BOT_ID and answers local clients only.' } });
      return;
    }
    const activity = req.body as Partial<Activity> | undefined;
    if (typeof activity !== 'object' || typeof activity.type !== 'string') {
      res.send(400, { error: { code: 'NOT_AN_ACTIVITY', message: 'The body must be a Bot Framework activity (JSON with a "type").' } });
      return;
    }
    if (bot.authenticated) {
      try {
        await bot.authenticate(activity as Activity, req.header('authorization', ''));
      } catch (error) {
        logger.warn({ reason: error instanceof Error ? error.message : 'unknown', activityType: activity.type }, 'refused a Bot Framework request that is not signed for this bot');
        res.send(401, { error: { code: 'BOT_UNAUTHORIZED', message: 'The request does not carry a valid Bot Framework token for this bot.' } });
        return;
      }
    }
    // The bot is built for Teams' activities (members, tenants, card actions); other channels get a plain no.
    if (activity.channelId !== 'msteams') {
      res.send(400, { error: { code: 'CHANNEL_NOT_SUPPORTED', message: 'This bot works in Microsoft Teams only (channelId "msteams").' } });
      return;
    }
    await bot.adapter.process(req, res, async (context) => {
      await bot.app.run(context);
    });
  });
}
