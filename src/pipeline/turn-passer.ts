import type { Logger } from '../logging/create-logger';
import { describeRouting, passOn } from '../routing/route-lead';
import type { LeadQueue } from '../storage/lead-queue';
import type { LeadStore } from '../storage/lead-store';
import { repeat, type Clock, type Loop } from '../timing/clock';

export interface TurnPasserDeps {
  readonly leads: LeadStore;
  readonly queue: LeadQueue;
  /** Who may take a turn now (src/conversations/turn-takers.ts): not away, cards on, reachable. */
  readonly mayTakeTurn: () => Promise<(contact: string) => boolean>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly clock?: Clock;
}

/** How often an instance looks for round-robin leads whose contact's time to claim is up. */
export const TURN_CHECK_MS = 30_000;
/**
 * A step's queue message is sent before the step is written, hidden this long: written by then,
 * the worker finds the new step. Sent first, a queue that fails leaves the step to the next look
 * rather than written with nothing to serve it; a step that loses its race leaves a message with
 * nothing to do.
 */
const STEP_QUEUED_AFTER_MS = 5_000;

/**
 * Passes a round-robin lead nobody claimed in time to the next contact, and after everyone to the
 * whole route (src/routing/route-lead.ts, passOn). Every instance looks; each step happens once,
 * the lead's row being moved on conditionally. The lead is queued again for the worker, which
 * sends its card to whoever is new (those served already are not served twice).
 */
export class TurnPasser {
  private loop: Loop | undefined;

  constructor(private readonly deps: TurnPasserDeps) {}

  start(): void {
    this.loop = repeat(() => this.tick(), TURN_CHECK_MS, (err: unknown) => {
      this.deps.logger.error({ err }, 'could not pass round-robin leads on; trying again shortly');
    }, this.deps.clock);
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  /** One look; how many leads this instance passed on. */
  async tick(): Promise<number> {
    const now = this.deps.now();
    const due = await this.deps.leads.offersDue(now);
    if (due.length === 0) return 0;
    const mayTake = await this.deps.mayTakeTurn();
    let passed = 0;
    for (const id of due) {
      const lead = await this.deps.leads.passTurn(id, (l) => {
        if (l.claimedBy !== undefined || l.isTest) return 'stop';
        // Its last step's alert still going out: passing on now could be overwritten by it (its
        // worker records the alert done); the next look passes it on.
        if (l.alertedAt === undefined) return 'unchanged';
        return passOn(l.routing, (c) => !mayTake(c), now);
      }, () => this.deps.queue.enqueue(id, STEP_QUEUED_AFTER_MS));
      if (lead === undefined) continue;
      passed++;
      this.deps.logger.child({ leadId: id }).info({ routing: describeRouting(lead.routing), offered: lead.routing?.kind === 'route' ? lead.routing.contacts.length : 0 }, 'round-robin lead not claimed in time: passed on');
    }
    return passed;
  }
}
