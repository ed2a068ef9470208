import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Keeps proactive sends within Teams' limits: at most `perSecond` for the app, and at most
 * 7 per second to any one conversation (Teams' bot rate limits). Senders take turns in order,
 * and each turn is spaced from the moment the previous one was really sent, so a late timer
 * never lets two sends bunch up.
 */
export class SendLimiter {
  private turn: Promise<void> = Promise.resolve();
  private lastSend = 0;
  private readonly lastToConversation = new Map<string, number>();
  private pausedUntil = 0;

  constructor(
    private readonly perSecond: number,
    private readonly perConversationPerSecond = 7,
  ) {}

  /** Resolves when a message to this conversation may be sent. */
  take(conversationId: string): Promise<void> {
    const mine = this.turn.then(async () => {
      const earliest = Math.max(
        this.lastSend + 1000 / this.perSecond,
        (this.lastToConversation.get(conversationId) ?? 0) + 1000 / this.perConversationPerSecond,
        this.pausedUntil,
      );
      const wait = earliest - Date.now();
      if (wait > 0) await sleep(wait);
      this.lastSend = Date.now();
      this.lastToConversation.set(conversationId, this.lastSend);
    });
    this.turn = mine;
    return mine;
  }

  /** Teams answered 429: nobody sends until it said to come back. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }
}
