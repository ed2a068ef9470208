import type { Activity } from 'botbuilder';
import type { Request, Response, Server } from 'restify';
import { readJsonBody, type BodyRefusals } from '../http/read-json-body';
import type { Logger } from '../logging/create-logger';
import type { Bot } from './bot';

export const MESSAGES_PATH = '/api/messages';

/** Loopback addresses, the only callers an unauthenticated bot answers. */
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;
/** A Teams activity is a few kilobytes; a card action's data a few more. */
const MAX_ACTIVITY_BYTES = 256 * 1024;

/** A refusal of a request to the messages route: its status, a stable code, and what to do. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ACTIVITY_BODY: BodyRefusals = {
  notJson: (type) => new Refused(415, 'ACTIVITY_NOT_JSON', `Activities are JSON (Content-Type: application/json), not "${type.slice(0, 100)}".`),
  encoded: () => new Refused(415, 'ACTIVITY_ENCODED', 'Activities are sent as plain JSON, without Content-Encoding.'),
  tooLarge: (limit) => new Refused(413, 'ACTIVITY_TOO_LARGE', `The body is larger than ${String(limit)} bytes; no Teams activity is.`),
  empty: () => new Refused(400, 'NOT_AN_ACTIVITY', 'The body is empty; it must be a Bot Framework activity.'),
  malformed: (detail) => new Refused(400, 'NOT_AN_ACTIVITY', `The body is not valid JSON: ${detail}.`),
};

/**
 * Bot Framework traffic from Teams (or the Agents Playground locally). Nothing is read from an
 * unauthenticated caller: without a `Bearer` token the answer is 401 before the body, and the
 * body itself is read as the intake reads leads (JSON only, no encoding, a streamed limit). The
 * token is then checked here so that every bad one gets a 401 and a log line of ours; botbuilder
 * would answer some (a bad signature) with a 500 that echoes the reason.
 */
export function registerMessagesRoute(server: Server, bot: Bot, logger: Logger): void {
  if (!bot.authenticated) {
    logger.warn('BOT_ID is not set: the bot accepts unauthenticated messages from this machine only (local clients such as the Agents Playground)');
  }
  server.post(MESSAGES_PATH, async (req: Request, res: Response) => {
    try {
      const authorization = req.header('authorization', '');
      if (!bot.authenticated && !LOOPBACK.test(req.socket.remoteAddress ?? '')) {
        throw new Refused(401, 'BOT_NOT_CONFIGURED', 'This bot has no BOT_ID and answers local clients only.');
      }
      if (bot.authenticated && !/^Bearer \S/.test(authorization)) {
        logger.warn({ reason: 'no Bearer token' }, 'refused a Bot Framework request that is not signed for this bot');
        throw new Refused(401, 'BOT_UNAUTHORIZED', 'The request does not carry a valid Bot Framework token for this bot.');
      }
      const activity = await readJsonBody(req, MAX_ACTIVITY_BYTES, ACTIVITY_BODY, { typeRequired: true });
      if (!isActivity(activity)) {
        throw new Refused(400, 'NOT_AN_ACTIVITY', 'The body must be a Bot Framework activity (JSON with a "type", a "from" and a "conversation", each with an "id").');
      }
      if (bot.authenticated) await authenticate(bot, activity as Activity, authorization, logger);
      // The bot is built for Teams' activities (members, tenants, card actions); other channels get a plain no.
      if (activity.channelId !== 'msteams') {
        throw new Refused(400, 'CHANNEL_NOT_SUPPORTED', 'This bot works in Microsoft Teams only (channelId "msteams").');
      }
      // botbuilder takes the activity from the parsed body, as restify's body parser would leave it.
      (req as Request & { body: unknown }).body = activity;
      await bot.adapter.process(req, res, async (context) => {
        await bot.app.run(context);
      });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      // An unread body would keep the connection busy: it is closed instead.
      if (!req.complete) res.header('connection', 'close');
      res.send(error.status, { error: { code: error.code, message: error.message } });
    }
  });
}

async function authenticate(bot: Bot, activity: Activity, authorization: string, logger: Logger): Promise<void> {
  try {
    await bot.authenticate(activity, authorization);
  } catch (error) {
    logger.warn({ reason: error instanceof Error ? error.message : 'unknown', activityType: activity.type }, 'refused a Bot Framework request that is not signed for this bot');
    throw new Refused(401, 'BOT_UNAUTHORIZED', 'The request does not carry a valid Bot Framework token for this bot.');
  }
}

/** The shape every Teams activity has, before botbuilder (which would throw on less) takes it. */
function isActivity(body: unknown): body is Partial<Activity> & { type: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const { type, from, conversation } = body as { type?: unknown; from?: { id?: unknown } | null; conversation?: { id?: unknown } | null };
  return typeof type === 'string' && typeof from?.id === 'string' && typeof conversation?.id === 'string';
}
