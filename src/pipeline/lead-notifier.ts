import type { DynamicsStanding } from '../cards/lead-card';
import type { StoredLead } from '../storage/lead-store';
import { LeadFailure } from './lead-failure';

/** Tells people about a lead, whatever Dynamics is doing (Teams: src/teams/teams-notifier.ts). */
export interface LeadNotifier {
  /**
   * Alerts everyone the lead is for, once each, saying where it stands in Dynamics. Safe to call
   * again for the same lead (the pipeline retries after failures): only those not served yet get
   * it. Says which contacts (e-mail addresses) this way could not reach.
   */
  notify(lead: StoredLead, dynamics: DynamicsStanding): Promise<Reach>;
  /** Shows a new Dynamics standing (written, or given up) on every copy already sent. */
  refresh(lead: StoredLead, dynamics: DynamicsStanding): Promise<void>;
}

export interface Reach {
  /** Contacts on the list this way of alerting could not reach (no chat with the bot…). */
  readonly unreached: readonly string[];
}

/** An alert that reached some only; it is tried again. Says whom it could not reach at all meanwhile. */
export class AlertIncomplete extends LeadFailure {
  readonly code = 'LEAD_ALERT_INCOMPLETE';
  readonly kind = 'transient';
  readonly fix = 'Nothing to do unless it lasts: the alert is sent again to those who did not get it. Type status to see who is not reached, and why.';

  constructor(
    message: string,
    readonly reach: Reach,
  ) {
    super(message);
    this.name = 'AlertIncomplete';
  }
}

/** Lead alerts by mail (src/outlook/): each recipient gets a lead once, however often asked. */
export interface MailAlerts {
  send(lead: StoredLead, dynamics: DynamicsStanding, recipients: readonly string[]): Promise<void>;
}

/**
 * Every contact hears of every lead: through Teams, and by mail those Teams could not reach
 * ('fallback'), or everyone ('always'). Test leads go to the admins only, never by mail.
 */
export function alertEveryContact(teams: LeadNotifier, mail: MailAlerts | undefined, options: { readonly contacts: readonly string[]; readonly mode: 'fallback' | 'always' }): LeadNotifier {
  if (mail === undefined) return teams;
  const mailTo = async (lead: StoredLead, dynamics: DynamicsStanding, reach: Reach): Promise<void> => {
    const recipients = options.mode === 'always' ? options.contacts : reach.unreached;
    if (recipients.length > 0) await mail.send(lead, dynamics, recipients);
  };
  return {
    async notify(lead, dynamics) {
      if (lead.isTest) return teams.notify(lead, dynamics);
      let reach: Reach;
      try {
        reach = await teams.notify(lead, dynamics);
      } catch (error) {
        // Teams will be retried; those it cannot reach at all get their mail now all the same.
        if (error instanceof AlertIncomplete) await mailTo(lead, dynamics, error.reach);
        throw error;
      }
      await mailTo(lead, dynamics, reach);
      return { unreached: [] };
    },
    refresh: (lead, dynamics) => teams.refresh(lead, dynamics),
  };
}
