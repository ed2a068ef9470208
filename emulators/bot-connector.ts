import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message the connector accepted (answered), i.e. delivered to the conversation. */
export interface Delivered {
  /** POST for a new message, PUT for an update of one. */
  readonly method: 'POST' | 'PUT';
  readonly conversationId: string;
  readonly activityId: string;
  readonly activity: Record<string, unknown>;
  readonly at: number;
}

export interface BotConnectorEmulator {
  /** The serviceUrl to put in conversation references. */
  readonly serviceUrl: string;
  readonly delivered: readonly Delivered[];
  /** How many requests were answered 429. */
  readonly throttled: number;
  /** Messages per second the app may send before 429 (Teams: 50). */
  appPerSecond: number;
  /** Conversations that answer with this status (403 BotNotInConversationRoster, 404 ConversationNotFound…). */
  readonly gone: Map<string, { status: number; code: string }>;
  /** Teams' member details by user id (what TeamsInfo.getMember reads): e-mail, UPN, role. */
  readonly members: Map<string, { name: string; aadObjectId: string; email: string; userPrincipalName: string; userRole?: 'user' | 'guest' | 'anonymous' }>;
  /** Every request is answered no sooner than this (Teams from afar, not loopback); the card counts as delivered then. */
  latencyMs: number;
  /** After this many deliveries, hold every further request unanswered (as a sender that dies mid-send sees it). */
  holdAfter: number | undefined;
  /** How many requests are being held unanswered (see holdAfter). */
  readonly heldCount: number;
  /** The most messages delivered within any 1-second window: for the app, and for one conversation. */
  peakPerSecond(conversationId?: string): number;
  stop(): Promise<void>;
}

/**
 * The Bot Connector's v3 conversation API as proactive sends use it, enforcing Teams' limits
 * (per app per second; per conversation 7 in 1 s, 8 in 2 s, 60 in 30 s) with 429 + Retry-After.
 */
export async function startBotConnectorEmulator(options: { appPerSecond: number }): Promise<BotConnectorEmulator> {
  const delivered: Delivered[] = [];
  const recent: { conversationId: string; at: number }[] = [];
  let throttled = 0;
  let next = 1;
  const held = new Set<IncomingMessage>();

  const emulator = {
    serviceUrl: '',
    delivered,
    get throttled() {
      return throttled;
    },
    gone: new Map<string, { status: number; code: string }>(),
    members: new Map<string, { name: string; aadObjectId: string; email: string; userPrincipalName: string; userRole?: 'user' | 'guest' | 'anonymous' }>(),
    appPerSecond: options.appPerSecond,
    latencyMs: 0,
    holdAfter: undefined as number | undefined,
    get heldCount() {
      return held.size;
    },
    peakPerSecond(conversationId?: string) {
      const times = delivered.filter((d) => conversationId === undefined || d.conversationId === conversationId).map((d) => d.at);
      let peak = 0;
      for (let i = 0, j = 0; j < times.length; j++) {
        while ((times[j] ?? 0) - (times[i] ?? 0) >= 1000) i++;
        peak = Math.max(peak, j - i + 1);
      }
      return peak;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };

  const server: Server = createServer((req, res) => {
    const member = /^\/v3\/conversations\/([^/]+)\/members\/([^/?]+)$/.exec(req.url ?? '');
    if (member !== null && req.method === 'GET') {
      const found = emulator.members.get(decodeURIComponent(member[2] ?? ''));
      res.writeHead(found === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(found === undefined ? { error: { code: 'MemberNotFoundInConversation', message: 'The user is not a member of this conversation.' } } : { id: decodeURIComponent(member[2] ?? ''), userRole: 'user', ...found }));
      return;
    }
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
    if (match === null || (req.method !== 'POST' && req.method !== 'PUT')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NotFound', message: 'No such route' } }));
      return;
    }
    const conversationId = decodeURIComponent(match[1] ?? '');
    void readBody(req).then(async (body) => {
      if (emulator.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, emulator.latencyMs));
      const answer = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };
      if (emulator.holdAfter !== undefined && delivered.length >= emulator.holdAfter) {
        held.add(req);
        return; // never answered: not delivered
      }
      const gone = emulator.gone.get(conversationId);
      if (gone) {
        answer(gone.status, { error: { code: gone.code, message: 'The bot is not part of the conversation roster.' } });
        return;
      }
      const now = Date.now();
      while (recent.length > 0 && (recent[0]?.at ?? 0) <= now - 30_000) recent.shift();
      const inLast = (ms: number, conversation?: string): number =>
        recent.filter((r) => r.at > now - ms && (conversation === undefined || r.conversationId === conversation)).length;
      // Teams' documented limits, written out here on purpose (the emulator stands for the service).
      const overConversation = inLast(1000, conversationId) >= 7 || inLast(2000, conversationId) >= 8 || inLast(30_000, conversationId) >= 60;
      if (inLast(1000) >= emulator.appPerSecond || overConversation) {
        throttled++;
        answer(429, { error: { code: 'ThrottledRequest', message: 'Too many requests' } }, { 'retry-after': '1' });
        return;
      }
      recent.push({ conversationId, at: now });
      const activityId = req.method === 'PUT' ? (match[2] ?? '') : `activity-${next++}`;
      delivered.push({ method: req.method === 'PUT' ? 'PUT' : 'POST', conversationId, activityId, activity: JSON.parse(body) as Record<string, unknown>, at: now });
      answer(req.method === 'PUT' ? 200 : 201, { id: activityId });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  emulator.serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return emulator;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
