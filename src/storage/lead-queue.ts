import type { QueueClient } from '@azure/storage-queue';

/** The work queue that hands stored leads to the pipeline workers (any instance). */
export class LeadQueue {
  constructor(private readonly queue: QueueClient) {}

  async enqueue(leadId: string): Promise<void> {
    // -1: the message never expires. The default (7 days) would silently drop a lead that
    // waits out a long Dynamics outage.
    await this.queue.sendMessage(JSON.stringify({ leadId }), { messageTimeToLive: -1 });
  }
}
