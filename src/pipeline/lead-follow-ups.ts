import type { Logger } from '../logging/create-logger';
import type { FollowUpChange, LeadStore, OwnerStanding, StatusStanding, StoredLead } from '../storage/lead-store';
import { backoffDelay } from '../timing/backoff';
import { systemClock, type Clock } from '../timing/clock';
import { LeadFailure } from './lead-failure';

/** A lead's state and status reason in Dynamics (statecode 0 Open: 1 New, 2 Contacted; 1 Qualified; 2 Disqualified: 4–7). */
export interface LeadState {
  readonly state: number;
  readonly reason: number;
}

/** What bringing sellers' actions to Dynamics needs of it (src/dynamics/dataverse-client.ts). */
export interface DynamicsLeads {
  /** Their Dynamics user, by Entra object id or e-mail; undefined when there is none. */
  findUser(who: { readonly aadObjectId?: string | undefined; readonly email?: string | undefined }): Promise<{ readonly id: string; readonly name: string; readonly disabled: boolean } | undefined>;
  assignLead(leadId: string, userId: string): Promise<void>;
  leadState(leadId: string): Promise<LeadState>;
  setLeadState(leadId: string, to: LeadState): Promise<void>;
}

export interface LeadFollowUpsDeps {
  readonly leads: LeadStore;
  readonly dynamics: DynamicsLeads;
  /** Updates every copy of the lead's card to show it as stored now. */
  refreshCards(leadId: string): Promise<void>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly clock?: Clock;
}

/** How often an instance looks for sellers' actions due to reach Dynamics (an action here nudges it at once). */
export const FOLLOW_UP_CHECK_MS = 15_000;
/**
 * A follow-up is held this long: past its Dynamics calls with their retries (a few calls, each up
 * to DYNAMICS_TIMEOUT_MS a try); a taker that dies gives it back then, and one that outlives it
 * records nothing (src/storage/lead-store.ts, recordFollowUp).
 */
const HELD_FOR_MS = 10 * 60_000;
/** A lead not in Dynamics yet is written by the worker first: look again after this. */
const NOT_WRITTEN_YET_MS = 30_000;
/** A failure only an admin can fix (a missing privilege): look again after this; the longest wait after a failure. */
const WAIT_FOR_FIX_MS = 15 * 60_000;
/** The first wait after a failure that passes (Dynamics busy or down), doubling from there. */
const FIRST_RETRY_MS = 5_000;
/** Codes recorded for refusals found before asking Dynamics to change anything (src/dynamics/dynamics-error.ts). */
const CANNOT_OWN = 'DYNAMICS_OWNER_CANNOT_OWN';
const CLOSED_IN_DYNAMICS = 'DYNAMICS_LEAD_CLOSED';
const OPEN = 0;
const CONTACTED: LeadState = { state: OPEN, reason: 2 };
const DISQUALIFIED = 2;

/**
 * Brings sellers' actions on a lead to Dynamics (#16): a claim makes the claimer the lead's
 * owner (their Dynamics user by Entra object id or e-mail), Mark contacted and Disqualify set its
 * status; every copy of the card then says so, or why not. The actions stand in Teams whatever
 * Dynamics says. Every instance looks; each lead's follow-up is taken by one at a time
 * (src/storage/lead-store.ts, takeFollowUp), so Dynamics is asked once, and a failure that
 * passes is tried again with backoff, like a lead write.
 */
export class LeadFollowUps {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private running: Promise<number> | undefined;
  private again = false;

  constructor(private readonly deps: LeadFollowUpsDeps) {}

  start(): void {
    const clock = this.deps.clock ?? systemClock;
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        await this.tick().catch(this.logFailure);
        await clock.sleep(FOLLOW_UP_CHECK_MS, this.stopping.signal).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.running?.catch(() => undefined);
  }

  private readonly logFailure = (err: unknown): void => {
    this.deps.logger.error({ err }, "could not bring sellers' actions to Dynamics; trying again shortly");
  };

  /** A seller acted here: look now rather than at the next check. */
  nudge(): void {
    if (this.loop === undefined || this.stopping.signal.aborted) return;
    void this.tick().catch(this.logFailure);
  }

  /** One look (another right after, if nudged meanwhile); how many leads this instance brought fully up to date. */
  tick(): Promise<number> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let settled = 0;
      do {
        for (const id of await this.deps.leads.followUpsDue(this.deps.now())) settled += (await this.followUp(id)) ? 1 : 0;
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

  /** Takes one lead's follow-up, if it is still due, and records what came of it; whether nothing is left pending. */
  private async followUp(id: string): Promise<boolean> {
    const now = this.deps.now();
    const lead = await this.deps.leads.takeFollowUp(id, now, new Date(now.getTime() + HELD_FOR_MS));
    if (lead === undefined) return false;
    const change = await this.decide(lead, now);
    await this.deps.leads.recordFollowUp(lead, change);
    const log = this.deps.logger.child({ leadId: id });
    log.info({ owner: change.owner?.state, status: change.status?.state, due: change.due?.toISOString() }, "sellers' actions brought to Dynamics");
    if (!sameOnCard(lead.owner, change.owner) || !sameOnCard(lead.statusInDynamics, change.status)) {
      await this.deps.refreshCards(id).catch((err: unknown) => {
        log.warn({ err }, 'could not update every copy of the lead card');
      });
    }
    return change.due === undefined;
  }

  /** The owner first, then the status; a failure that may pass leaves what is left pending, and says when to come back. */
  private async decide(lead: StoredLead, now: Date): Promise<FollowUpChange> {
    let owner = lead.owner;
    let status = lead.statusInDynamics;
    const later = (ms: number, attempts?: number): FollowUpChange => ({ owner, status, due: new Date(now.getTime() + ms), ...(attempts === undefined ? {} : { attempts }) });
    // The worker writes the lead first (with its own retries); a dead-lettered one waits for an admin's retry.
    if (lead.dynamicsId === undefined) return later(lead.status === 'dead-lettered' ? WAIT_FOR_FIX_MS : NOT_WRITTEN_YET_MS);
    const recordId = lead.dynamicsId;
    try {
      if (owner?.state === 'pending') owner = await this.settle(() => this.assign(lead, recordId), (code) => ({ state: 'refused', code }));
      if (status?.state === 'pending') status = await this.settle(() => this.setStatus(lead, recordId), (code) => ({ state: 'refused', code }));
      return { owner, status, due: undefined };
    } catch (error) {
      if (!(error instanceof LeadFailure)) throw error;
      // Shown as waiting on the card, with why.
      if (owner?.state === 'pending') owner = { state: 'pending', code: error.code };
      else if (status?.state === 'pending') status = { state: 'pending', code: error.code };
      const attempts = lead.followUpAttempts + 1;
      return later(error.kind === 'configuration' ? WAIT_FOR_FIX_MS : Math.max(error.retryAfterMs ?? 0, backoffDelay(attempts, FIRST_RETRY_MS, WAIT_FOR_FIX_MS)), attempts);
    }
  }

  /** A step's outcome, a refusal of this lead's change (`rejected`) included; a failure that may pass is thrown on. */
  private async settle<S>(step: () => Promise<S>, refused: (code: string) => S): Promise<S> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof LeadFailure && error.kind === 'rejected') return refused(error.code);
      throw error;
    }
  }

  private async assign(lead: StoredLead, recordId: string): Promise<OwnerStanding> {
    const user = await this.deps.dynamics.findUser(lead.claimant ?? {});
    if (user === undefined) return { state: 'no-user' };
    if (user.disabled) return { state: 'refused', code: CANNOT_OWN };
    await this.deps.dynamics.assignLead(recordId, user.id);
    return { state: 'done', name: user.name };
  }

  /**
   * Contacted (Open, Contacted) or disqualified (Disqualified, the seller's reason). A lead
   * someone has qualified or disqualified in Dynamics meanwhile is left as it is there: the bot
   * never reopens one.
   */
  private async setStatus(lead: StoredLead, recordId: string): Promise<StatusStanding> {
    const wanted = lead.disqualified === undefined ? CONTACTED : { state: DISQUALIFIED, reason: lead.disqualified.reason };
    const current = await this.deps.dynamics.leadState(recordId);
    if (current.state === wanted.state && (wanted.state === DISQUALIFIED || current.reason === wanted.reason)) return { state: 'done' };
    if (current.state !== OPEN) return { state: 'refused', code: CLOSED_IN_DYNAMICS };
    await this.deps.dynamics.setLeadState(recordId, wanted);
    return { state: 'done' };
  }
}

/** Whether two standings read the same on a card (a new failure code while waiting does not). */
function sameOnCard(a: OwnerStanding | StatusStanding | undefined, b: OwnerStanding | StatusStanding | undefined): boolean {
  if (a?.state !== b?.state) return false;
  if (a?.state === 'pending' && b?.state === 'pending') return (a.code === undefined) === (b.code === undefined);
  return JSON.stringify(a) === JSON.stringify(b);
}
