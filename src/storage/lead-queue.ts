import type { QueueClient } from '@azure/storage-queue';

/**
 * A lead taken off the queue, hidden from other workers for as long as this worker holds it:
 * the hold is renewed at half the hiding time, so a long piece of work (a big fan-out) is
 * never picked up by a second worker meanwhile. If the worker dies, renewal stops and the lead
 * reappears within the hiding time. If a renewal fails, the hold may be gone (another worker may
 * have the lead): `lost` aborts, and the worker stops working on it.
 */
export class LeadLease {
  private popReceipt: string;
  private renewing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly losing = new AbortController();

  constructor(
    private readonly queue: QueueClient,
    /** The queue this lead was taken from. */
    private readonly from: LeadQueue,
    readonly leadId: string | undefined,
    private readonly messageId: string,
    popReceipt: string,
    hideMs: number,
  ) {
    this.popReceipt = popReceipt;
    this.timer = setInterval(() => {
      this.renewing = this.renewing
        .then(() => this.hide(hideMs))
        .catch((error: unknown) => {
          this.release();
          this.losing.abort(error);
        });
    }, hideMs / 2);
    this.timer.unref();
  }

  /** Aborts when the hold could not be renewed: the lead may be another worker's now. */
  get lost(): AbortSignal {
    return this.losing.signal;
  }

  /** The lead needs no more work from this message. */
  async complete(): Promise<void> {
    await this.stopRenewing();
    await this.queue.deleteMessage(this.messageId, this.popReceipt);
  }

  /** Hands the lead back, to be taken again in `delayMs`. */
  async postpone(delayMs: number): Promise<void> {
    await this.stopRenewing();
    await this.hide(delayMs);
  }

  /** Hands the lead to `queue`, to be taken from there in `delayMs` (postponed, when it is the queue it came from). */
  async moveTo(queue: LeadQueue, delayMs: number): Promise<void> {
    if (queue === this.from) return this.postpone(delayMs);
    if (this.leadId === undefined) return this.complete();
    await this.stopRenewing();
    // Queued there before deleted here: a crash in between leaves the lead queued twice, never lost.
    await queue.enqueue(this.leadId, delayMs);
    await this.queue.deleteMessage(this.messageId, this.popReceipt);
  }

  /** Stops holding the lead; it reappears when its current hiding time ends. */
  release(): void {
    clearInterval(this.timer);
  }

  private async stopRenewing(): Promise<void> {
    this.release();
    await this.renewing;
  }

  private async hide(ms: number): Promise<void> {
    const { popReceipt } = await this.queue.updateMessage(this.messageId, this.popReceipt, undefined, Math.max(0, Math.ceil(ms / 1000)));
    if (popReceipt !== undefined) this.popReceipt = popReceipt;
  }
}

/** The work queue that hands stored leads to the pipeline workers (any instance). */
export class LeadQueue {
  constructor(private readonly queue: QueueClient) {}

  /** Queues the lead, for workers to see at once or after `afterMs`. */
  async enqueue(leadId: string, afterMs = 0): Promise<void> {
    // -1: the message never expires. The default (7 days) would silently drop a lead that
    // waits out a long Dynamics outage.
    await this.queue.sendMessage(JSON.stringify({ leadId }), { messageTimeToLive: -1, visibilityTimeout: Math.ceil(afterMs / 1000) });
  }

  /** Takes up to `max` leads, each held (hidden from other workers) until completed, postponed or released. */
  async receive(max: number, hideMs: number): Promise<LeadLease[]> {
    const { receivedMessageItems } = await this.queue.receiveMessages({
      numberOfMessages: Math.min(32, max),
      visibilityTimeout: Math.max(1, Math.ceil(hideMs / 1000)),
    });
    return receivedMessageItems.map((m) => new LeadLease(this.queue, this, leadIdOf(m.messageText), m.messageId, m.popReceipt, hideMs));
  }
}

function leadIdOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { leadId?: unknown }).leadId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
