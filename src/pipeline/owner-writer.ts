import type { Logger } from '../logging/create-logger';
import type { OwnerChange, OwnerStanding, LeadStore, StoredLead } from '../storage/lead-store';
import { backoffDelay } from '../timing/backoff';
import { systemClock, type Clock } from '../timing/clock';
import { LeadFailure } from './lead-failure';

/** What making a claimer the owner needs of Dynamics (src/dynamics/dataverse-client.ts). */
export interface LeadOwners {
  /** Their Dynamics user, by Entra object id or e-mail; undefined when there is none. */
  findUser(who: { readonly aadObjectId?: string | undefined; readonly email?: string | undefined }): Promise<{ readonly id: string; readonly name: string; readonly disabled: boolean } | undefined>;
  assignLead(leadId: string, userId: string): Promise<void>;
}

export interface OwnerWriterDeps {
  readonly leads: LeadStore;
  readonly owners: LeadOwners;
  /** Updates every copy of the lead's card to show it as stored now. */
  refreshCards(leadId: string): Promise<void>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly clock?: Clock;
}

/** How often an instance looks for claims whose owner in Dynamics is due to be set (a claim here nudges it at once). */
export const OWNER_CHECK_MS = 15_000;
/** A write-back is taken for this long: past a Dynamics call with its retries; a taker that dies gives it back then. */
const TAKEN_FOR_MS = 2 * 60_000;
/** A lead not in Dynamics yet is written by the worker first: look again after this. */
const NOT_WRITTEN_YET_MS = 30_000;
/** A failure only an admin can fix (a missing privilege): look again after this; the longest wait after a failure. */
const WAIT_FOR_FIX_MS = 15 * 60_000;
/** The first wait after a failure that passes (Dynamics busy or down), doubling from there. */
const FIRST_RETRY_MS = 5_000;
/** The code recorded when the user is disabled in Dynamics (src/dynamics/dynamics-error.ts). */
const CANNOT_OWN = 'DYNAMICS_OWNER_CANNOT_OWN';

/**
 * Makes whoever claimed a lead its owner in Dynamics too (#16): finds their Dynamics user by
 * their Entra object id (or e-mail), assigns the lead, and updates every copy of the card to
 * say so, or why not. The claim stands in Teams whatever Dynamics says. Every instance looks;
 * each write-back is taken by one at a time (src/storage/lead-store.ts, takeOwnerSync), so
 * Dynamics is asked once, and a failure that passes is tried again with backoff, like a lead
 * write.
 */
export class OwnerWriter {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private running: Promise<number> | undefined;
  private again = false;

  constructor(private readonly deps: OwnerWriterDeps) {}

  start(): void {
    const clock = this.deps.clock ?? systemClock;
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        await this.tick().catch((err: unknown) => {
          this.deps.logger.error({ err }, 'could not set the owners of claimed leads in Dynamics; trying again shortly');
        });
        await clock.sleep(OWNER_CHECK_MS, this.stopping.signal).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.running?.catch(() => undefined);
  }

  /** A lead was just claimed here: look now rather than at the next check. */
  nudge(): void {
    if (this.loop === undefined || this.stopping.signal.aborted) return;
    void this.tick().catch((err: unknown) => {
      this.deps.logger.error({ err }, 'could not set the owners of claimed leads in Dynamics; trying again shortly');
    });
  }

  /** One look (another right after, if nudged meanwhile); how many write-backs this instance settled. */
  tick(): Promise<number> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let settled = 0;
      do {
        for (const id of await this.deps.leads.ownersDue(this.deps.now())) settled += (await this.writeBack(id)) ? 1 : 0;
      } while (this.nudgedMeanwhile());
      return settled;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private nudgedMeanwhile(): boolean {
    const again = this.again;
    this.again = false;
    return again;
  }

  /** Takes one lead's write-back, if it is still due, and records what came of it; whether it settled. */
  private async writeBack(id: string): Promise<boolean> {
    const now = this.deps.now();
    const lead = await this.deps.leads.takeOwnerSync(id, now, new Date(now.getTime() + TAKEN_FOR_MS));
    if (lead === undefined) return false;
    const change = await this.decide(lead, now);
    await this.deps.leads.recordOwner(id, change);
    const log = this.deps.logger.child({ leadId: id });
    if (change.standing.state === 'pending') log.info({ code: change.standing.code, due: change.due?.toISOString() }, 'lead owner not set in Dynamics yet');
    else log.info({ owner: change.standing.state }, 'lead owner in Dynamics settled');
    if (!sameOnCard(lead.owner, change.standing)) {
      await this.deps.refreshCards(id).catch((err: unknown) => {
        log.warn({ err }, 'could not update every copy of the lead card');
      });
    }
    return change.standing.state !== 'pending';
  }

  private async decide(lead: StoredLead, now: Date): Promise<OwnerChange> {
    const waiting = (ms: number, code: string | undefined, attempts?: number): OwnerChange => ({
      standing: { state: 'pending', code },
      due: new Date(now.getTime() + ms),
      ...(attempts === undefined ? {} : { attempts }),
    });
    // The worker writes the lead first (with its own retries); a dead-lettered one waits for an admin's retry.
    if (lead.dynamicsId === undefined) return waiting(lead.status === 'dead-lettered' ? WAIT_FOR_FIX_MS : NOT_WRITTEN_YET_MS, lead.owner?.state === 'pending' ? lead.owner.code : undefined);
    try {
      const user = await this.deps.owners.findUser(lead.claimant ?? {});
      if (user === undefined) return { standing: { state: 'no-user' } };
      if (user.disabled) return { standing: { state: 'refused', code: CANNOT_OWN } };
      await this.deps.owners.assignLead(lead.dynamicsId, user.id);
      return { standing: { state: 'done', name: user.name } };
    } catch (error) {
      if (!(error instanceof LeadFailure)) throw error;
      if (error.kind === 'rejected') return { standing: { state: 'refused', code: error.code } };
      const attempts = lead.ownerSyncAttempts + 1;
      const wait = error.kind === 'configuration' ? WAIT_FOR_FIX_MS : Math.max(error.retryAfterMs ?? 0, backoffDelay(attempts, FIRST_RETRY_MS, WAIT_FOR_FIX_MS));
      return waiting(wait, error.code, attempts);
    }
  }
}

/** Whether two standings read the same on a card (a new failure code while waiting does not). */
function sameOnCard(a: OwnerStanding | undefined, b: OwnerStanding): boolean {
  if (a?.state !== b.state) return false;
  if (a.state === 'pending' && b.state === 'pending') return (a.code === undefined) === (b.code === undefined);
  return JSON.stringify(a) === JSON.stringify(b);
}
