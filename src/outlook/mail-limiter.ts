import { systemClock, type Clock } from '../timing/clock';

/**
 * Exchange Online lets one mailbox send 30 messages a minute: each send takes a turn, and waits
 * while 30 went out in the last 60 seconds. Per instance; Graph's 429 covers the rest.
 */
export class MailLimiter {
  private readonly sent: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perMinute = 30,
    private readonly clock: Clock = systemClock,
  ) {}

  take(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      while (this.sent.length > 0 && (this.sent[0] ?? 0) <= now - 60_000) this.sent.shift();
      if (this.sent.length < this.perMinute) {
        this.sent.push(now);
        return;
      }
      await this.clock.sleep((this.sent[0] ?? now) + 60_000 - now);
    }
  }
}
