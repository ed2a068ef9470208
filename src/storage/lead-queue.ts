import type { QueueClient } from '@azure/storage-queue';

/** A lead taken off the queue; hidden from other workers until completed or postponed. */
export interface QueuedLead {
  /** Undefined when the message is not one of ours (it is completed unread). */
  readonly leadId: string | undefined;
  readonly messageId: string;
  readonly popReceipt: string;
}

/** The work queue that hands stored leads to the pipeline workers (any instance). */
export class LeadQueue {
  constructor(private readonly queue: QueueClient) {}

  async enqueue(leadId: string): Promise<void> {
    // -1: the message never expires. The default (7 days) would silently drop a lead that
    // waits out a long Dynamics outage.
    await this.queue.sendMessage(JSON.stringify({ leadId }), { messageTimeToLive: -1 });
  }

  /** Takes up to `max` leads, hiding each from other workers for `hideMs`. */
  async receive(max: number, hideMs: number): Promise<QueuedLead[]> {
    const { receivedMessageItems } = await this.queue.receiveMessages({
      numberOfMessages: Math.min(32, max),
      visibilityTimeout: Math.max(1, Math.ceil(hideMs / 1000)),
    });
    return receivedMessageItems.map((m) => ({ leadId: leadIdOf(m.messageText), messageId: m.messageId, popReceipt: m.popReceipt }));
  }

  /** The lead needs no more work from this message. */
  async complete(message: QueuedLead): Promise<void> {
    await this.queue.deleteMessage(message.messageId, message.popReceipt);
  }

  /** Hands the lead back, to be taken again in `delayMs`. */
  async postpone(message: QueuedLead, delayMs: number): Promise<void> {
    await this.queue.updateMessage(message.messageId, message.popReceipt, undefined, Math.max(0, Math.ceil(delayMs / 1000)));
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
