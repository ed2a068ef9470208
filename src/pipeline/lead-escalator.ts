import type { DynamicsStanding } from '../cards/lead-card';
import type { EscalationSettings } from '../config/settings';
import type { Logger } from '../logging/create-logger';
import type { EscalationStep, LeadStore, StoredLead } from '../storage/lead-store';
import { nextEscalation } from './escalation-steps';
import { repeat, type Clock, type Loop } from '../timing/clock';
import type { LeadEscalations } from './lead-notifier';

export interface LeadEscalatorDeps {
  readonly leads: LeadStore;
  readonly escalations: LeadEscalations;
  readonly settings: EscalationSettings;
  /** Where the lead stands in Dynamics, for its card. */
  readonly standing: (lead: StoredLead) => DynamicsStanding;
  /** Updates every copy of the lead's card to show it as stored now. */
  readonly refreshCards: (leadId: string) => Promise<void>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly clock?: Clock;
}

/** How often an instance looks for leads whose escalation step is due. */
export const ESCALATION_CHECK_MS = 30_000;
/**
 * A step taken on is looked at again after this (its instance died, or some chats could not be
 * reached): past its sends' own retries (Teams' 429s are waited out for up to a minute), so a
 * send still in flight is not taken for one that went.
 */
const RETRY_MS = 3 * 60_000;
/** A step that still cannot reach everyone after this (or once the next is due) is left at that, so the next step is never held back. */
const GIVE_UP_AFTER_MS = 30 * 60_000;

/**
 * Announces a lead nobody has claimed again (#16): after ESCALATE_AFTER_MINUTES to everyone it
 * went to, after ESCALATE_TO_ADMINS_AFTER_MINUTES to the admins and the chats that chose
 * escalations. Every instance looks; each step is taken on by one at a time
 * (src/storage/lead-store.ts, takeEscalation) and sends once per chat and person, so it happens
 * once across instances and restarts. A claim or a disqualification ends it.
 */
export class LeadEscalator {
  private loop: Loop | undefined;

  constructor(private readonly deps: LeadEscalatorDeps) {}

  start(): void {
    this.loop = repeat(() => this.tick(), ESCALATION_CHECK_MS, (err: unknown) => {
      this.deps.logger.error({ err }, 'could not escalate unclaimed leads; trying again shortly');
    }, this.deps.clock);
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  /** One look; how many escalation steps this instance finished. */
  async tick(): Promise<number> {
    let finished = 0;
    for (const id of await this.deps.leads.escalationsDue(this.deps.now())) {
      // Each lead's own moment: the ones before may have waited out Teams' 429s, and its hold runs from now.
      const now = this.deps.now();
      const lead = await this.deps.leads.takeEscalation(id, now, new Date(now.getTime() + RETRY_MS));
      if (lead !== undefined && (await this.escalate(lead, now))) finished++;
    }
    return finished;
  }

  /** One step of one lead taken on; whether it is finished. */
  private async escalate(lead: StoredLead & { readonly escalating: EscalationStep; readonly escalationFrom: string }, now: Date): Promise<boolean> {
    const step = lead.escalating;
    const log = this.deps.logger.child({ leadId: lead.id });
    const { settings } = this.deps;
    const next = nextEscalation(settings, step, new Date(lead.escalationFrom));
    // Scheduled when it was routed: a step an admin has turned off since (0) is passed over.
    if ((step === 1 ? settings.afterMinutes : settings.toAdminsAfterMinutes) === 0) {
      await this.deps.leads.finishEscalation(lead.id, step, next);
      return true;
    }
    const overdue = now.getTime() - Date.parse(lead.escalation?.at ?? now.toISOString()) >= GIVE_UP_AFTER_MS || (next !== undefined && now >= next.at);
    // Its first alert still going out: those it reaches are reminded once it has (at the retry).
    if (step === 1 && lead.alertedAt === undefined && !overdue) return false;
    try {
      await this.deps.escalations.escalate(lead, step, this.deps.standing(lead));
    } catch (err) {
      if (!overdue) {
        log.warn({ err, step }, 'lead escalation did not reach everyone yet; trying again shortly');
        return false;
      }
      log.error({ err, step }, 'lead escalation could not reach everyone; left at that');
    }
    await this.deps.leads.finishEscalation(lead.id, step, next);
    // Claimed (or disqualified) while the step went out: the copies recorded after the claim's own refresh say so too.
    const after = await this.deps.leads.get(lead.id);
    if (after?.claimedBy !== undefined || after?.disqualified !== undefined) {
      await this.deps.refreshCards(lead.id).catch((err: unknown) => {
        log.warn({ err }, 'could not update every copy of the lead card');
      });
    }
    log.info({ step, minutes: lead.escalation?.minutes, next: next?.at.toISOString() }, step === 1 ? 'unclaimed lead announced again' : 'unclaimed lead escalated to the admins');
    return true;
  }
}
