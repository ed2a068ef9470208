import type { DynamicsStanding } from '../cards/lead-card';
import type { AdminMessenger } from '../conversations/admin-messenger';
import type { Logger } from '../logging/create-logger';
import type { Route } from '../routing/route';
import { audienceOf, describeRouting, peopleWithOwnLeads, routeLead, type Audience } from '../routing/route-lead';
import type { EscalationSettings } from '../config/settings';
import type { EscalationStep, LeadStore, StoredLead } from '../storage/lead-store';
import { firstEscalation } from './escalation-steps';
import { LeadFailure } from './lead-failure';

/**
 * Where the lead stands in Dynamics while its alert goes out: the write goes on beside the alert,
 * which never waits for it.
 */
export interface LiveStanding {
  /** At this moment. Each card asks as it goes: those sent after Dynamics answered say so, and only those sent before are updated. */
  now(): DynamicsStanding;
  /** Once Dynamics has answered, or after `ms` at the most: for what cannot be updated once sent. */
  answered(ms: number): Promise<DynamicsStanding>;
}

/**
 * How long a mail waits for Dynamics' answer: a mail cannot be updated once sent, so it waits to
 * carry the record's link, and a second more is nothing beside a mail's own delivery.
 */
export const MAIL_WAITS_FOR_DYNAMICS_MS = 1_000;

/** Tells people about a lead, whatever Dynamics is doing: its route's people, by Teams and mail. */
export interface LeadNotifier {
  /**
   * Alerts everyone the lead is for, once each, saying where it stands in Dynamics. Safe to call
   * again for the same lead (the pipeline retries after failures): only those not served yet get
   * it. Says which contacts (e-mail addresses) this way could not reach.
   */
  notify(lead: StoredLead, dynamics: LiveStanding): Promise<Reach>;
  /** Shows a new Dynamics standing (written, or given up) on every copy already sent that does not show it yet. */
  refresh(lead: StoredLead, dynamics: DynamicsStanding): Promise<void>;
}

/**
 * Announces a lead nobody claimed again (#16), as a new card (or mail) that says so: step 1 to
 * everyone its card or mail reached, step 2 to the admins and the chats that chose escalations.
 * Once per chat and person per step, however often asked; throws while some are still to be served.
 */
export interface LeadEscalations {
  escalate(lead: StoredLead, step: EscalationStep, dynamics: DynamicsStanding): Promise<void>;
}

/** One way of alerting, told whom (Teams: src/teams/teams-notifier.ts). */
export interface AudienceNotifier {
  /** As LeadNotifier.notify, to this audience; a test lead goes to the admins whatever the audience. */
  notify(lead: StoredLead, dynamics: LiveStanding, audience: Audience): Promise<Reach>;
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
  /** Mails the lead again, once, to everyone its first mail reached (escalation step 1). */
  remind(lead: StoredLead, dynamics: DynamicsStanding): Promise<void>;
  /** Mails the lead, once each, to admins Teams cannot reach (escalation step 2). */
  toAdmins(lead: StoredLead, dynamics: DynamicsStanding, admins: readonly string[]): Promise<void>;
}

export interface RoutedAlertsOptions {
  /** The routes in the order they are tried (src/routing/). */
  readonly routes: () => Promise<readonly Route[]>;
  /** LEAD_CONTACTS, the route of last resort, and ADMINS, who get a lead no route takes. */
  readonly settings: { readonly leadContacts: readonly string[]; readonly admins: readonly string[]; readonly ownDomains: readonly string[]; readonly escalation: EscalationSettings };
  /** Where a lead's routing is kept, decided once: resolves with the routing that stands. */
  readonly leads: Pick<LeadStore, 'route'>;
  /** fallback: mail those Teams could not reach; always: mail every contact as well. */
  readonly mail: 'fallback' | 'always';
  /** Whose turn it is on a round-robin route (taking it); undefined when every contact is away. */
  readonly inTurn: (route: Route) => Promise<string | undefined>;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * Every lead reaches the people its route names (src/routing/): through Teams, and by mail those
 * Teams could not reach ('fallback'), or every contact ('always'). Its routing is decided when
 * its alert first goes out and kept, so a retry serves the same people. Test leads go to the
 * admins only, never by mail.
 */
export function routedAlerts(teams: AudienceNotifier, mail: MailAlerts | undefined, options: RoutedAlertsOptions): LeadNotifier {
  const audienceFor = async (lead: StoredLead): Promise<{ lead: StoredLead; audience: Audience }> => {
    const routes = await options.routes();
    let routing = lead.routing;
    if (routing === undefined) {
      const now = options.now();
      const decided = await routeLead(lead, routes, options.settings.leadContacts, options.inTurn, now, options.settings.ownDomains);
      // Unclaimed, it is announced again (src/pipeline/lead-escalator.ts): not a do-not-contact lead, which is for information, nor our own domain's.
      const first = lead.doNotContact || decided.kind === 'own-domain' ? undefined : firstEscalation(options.settings.escalation, now);
      // Another pass may have routed it meanwhile: the routing kept is the one that stands.
      routing = await options.leads.route(lead.id, decided, first === undefined ? undefined : { from: now, first });
      const log = options.logger.child({ leadId: lead.id });
      if (routing.kind === 'no-route') log.warn('no route for this lead and LEAD_CONTACTS is empty: it goes to the admins');
      else if (routing.kind === 'own-domain') log.info('lead from our own domain (OWN_DOMAINS): it goes to the admins only');
      else log.info({ routing: describeRouting(routing) }, 'lead routed');
    }
    const audience = { ...audienceOf(routing, options.settings), withOwnLeads: peopleWithOwnLeads(routes, options.settings.leadContacts) };
    return { lead: { ...lead, routing }, audience };
  };
  const mailTo = async (lead: StoredLead, dynamics: LiveStanding, audience: Audience, reach: Reach): Promise<void> => {
    const recipients = options.mail === 'always' ? audience.contacts : reach.unreached;
    if (mail !== undefined && recipients.length > 0) await mail.send(lead, await dynamics.answered(MAIL_WAITS_FOR_DYNAMICS_MS), recipients);
  };
  return {
    async notify(stored, dynamics) {
      if (stored.isTest) return teams.notify(stored, dynamics, { contacts: [], chats: [], admins: true });
      const { lead, audience } = await audienceFor(stored);
      let reach: Reach;
      try {
        reach = await teams.notify(lead, dynamics, audience);
      } catch (error) {
        // Teams will be retried; those it cannot reach at all get their mail now all the same.
        if (error instanceof AlertIncomplete) await mailTo(lead, dynamics, audience, error.reach);
        throw error;
      }
      await mailTo(lead, dynamics, audience, reach);
      return { unreached: mail === undefined ? reach.unreached : [] };
    },
    refresh: (lead, dynamics) => teams.refresh(lead, dynamics),
  };
}

/**
 * Escalations in Teams and by mail: step 1 to those the lead's mail reached, step 2 to the admins
 * named by address who have no chat with the bot. Each way goes out whatever the other does.
 */
export function escalationsBy(teams: LeadEscalations, mail: MailAlerts | undefined, admins: Pick<AdminMessenger, 'withoutChat'> | undefined): LeadEscalations {
  const byMail = async (lead: StoredLead, step: EscalationStep, dynamics: DynamicsStanding): Promise<void> => {
    if (mail === undefined) return;
    if (step === 1) return mail.remind(lead, dynamics);
    if (admins !== undefined) await mail.toAdmins(lead, dynamics, await admins.withoutChat());
  };
  return {
    async escalate(lead, step, dynamics) {
      const done = await Promise.allSettled([teams.escalate(lead, step, dynamics), byMail(lead, step, dynamics)]);
      for (const outcome of done) if (outcome.status === 'rejected') throw outcome.reason;
    },
  };
}
