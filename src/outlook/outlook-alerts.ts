import type { DynamicsStanding } from '../cards/lead-card';
import type { OutlookSettings } from '../config/settings';
import { GraphError, type GraphApp } from '../graph/graph-app';
import type { Reader } from '../language/language';
import type { Logger } from '../logging/create-logger';
import type { MailAlerts } from '../pipeline/lead-notifier';
import type { StoredLead } from '../storage/lead-store';
import type { Telemetry } from '../telemetry/telemetry';
import type { ClaimTokens } from './claim-token';
import { leadMail } from './lead-mail';
import type { MailLimiter } from './mail-limiter';
import type { MailStore } from './mail-store';
import { CLAIM_PATH } from './claim-page';
import { sendMail } from './send-mail';

export interface OutlookAlertsDeps {
  readonly graph: GraphApp;
  readonly settings: OutlookSettings;
  readonly mails: MailStore;
  readonly tokens: ClaimTokens;
  readonly limiter: MailLimiter;
  /** Who each recipient is as a reader (their chat's language, else BOT_LANGUAGE): the chats read once per call. */
  readonly readers: () => Promise<(recipient: string) => Reader>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly telemetry?: Telemetry | undefined;
}

/** Raised when some mails could not go yet (throttled, an outage); the lead's alert is tried again later. */
export class MailIncomplete extends Error {}

/** How long a Claim link works: Outlook's own card actions stop after a month as well. */
const LINK_MS = 30 * 24 * 3_600_000;

type Outcome = 'sent' | 'already' | 'refused' | 'failed' | 'unknown';

/**
 * Lead alerts by mail through Graph's sendMail, from OUTLOOK_SENDER: one mail per lead per
 * recipient, never two (each is taken in storage before it is sent), within the mailbox's
 * sending limit. A mailbox Graph refuses is recorded with the reason and not tried again.
 */
export function outlookAlerts(deps: OutlookAlertsDeps): MailAlerts {
  return {
    send: (lead, dynamics, recipients) => mailAll(lead, dynamics, recipients, 0, deps),
    // Only those the lead's own mail reached: whoever Teams reached gets its reminder there.
    remind: async (lead, dynamics) => mailAll(lead, dynamics, await deps.mails.mailedLead(lead.id), 1, deps),
    toAdmins: (lead, dynamics, admins) => mailAll(lead, dynamics, admins, 2, deps),
  };
}

/** One mail per recipient for this round (0: the lead, 1 and 2: its escalation steps); throws when some could not go yet. */
async function mailAll(lead: StoredLead, dynamics: DynamicsStanding, recipients: readonly string[], round: number, deps: OutlookAlertsDeps): Promise<void> {
  if (recipients.length === 0) return;
  const log = deps.logger.child({ leadId: lead.id });
  const readerOf = await deps.readers();
  const outcomes = await Promise.all(recipients.map((recipient) => mailOne(lead, dynamics, { recipient, round }, readerOf(recipient), deps, log)));
  const count = (o: Outcome): number => outcomes.filter((x) => x === o).length;
  for (const outcome of outcomes) if (outcome !== 'already') deps.telemetry?.delivered(`mail-${outcome}`);
  log.info({ round, sent: count('sent'), already: count('already'), refused: count('refused'), failed: count('failed'), unknown: count('unknown') }, round === 0 ? 'lead mail delivered' : 'lead escalation mail delivered');
  if (count('failed') > 0) throw new MailIncomplete(`${String(count('failed'))} mail(s) could not be sent yet`);
}

async function mailOne(lead: StoredLead, dynamics: DynamicsStanding, to: { recipient: string; round: number }, reader: Reader, deps: OutlookAlertsDeps, log: Logger): Promise<Outcome> {
  const { recipient, round } = to;
  // The sending turn first, then the claim: a restart while waiting for a turn loses nothing.
  if ((await deps.mails.get(lead.id, recipient, round))?.status === 'sent') return 'already';
  await deps.limiter.take();
  const now = deps.now();
  if (!(await deps.mails.start(lead.id, recipient, now, round))) return 'already';
  const token = await deps.tokens.issue({ leadId: lead.id, recipient, expiresAt: new Date(now.getTime() + LINK_MS) });
  const mail = leadMail({
    lead,
    dynamics,
    claimedBy: lead.claimedBy,
    claimUrl: `${deps.settings.publicUrl}${CLAIM_PATH}?t=${token}`,
    originatorId: deps.settings.originatorId,
    reader,
    escalation: round === 0 ? undefined : lead.escalation,
    // Escalation step 2, and leads no route took, go to the admins.
    as: round === 2 || lead.routing?.kind === 'no-route' || lead.routing?.kind === 'own-domain' ? 'admin' : 'contact',
  });
  try {
    await sendMail(deps.graph, deps.settings.sender, recipient, mail.subject, mail.html);
    await deps.mails.finish(lead.id, recipient, 'sent', deps.now(), undefined, round);
    return 'sent';
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    const reason = `${error.status === undefined ? '' : `HTTP ${String(error.status)} `}${error.code}: ${error.message}`;
    if (error.code === 'GRAPH_TIMEOUT' || error.code === 'GRAPH_NO_ANSWER' || (error.status !== undefined && error.status >= 500 && !error.notDone)) {
      // Graph may have sent it: left as "sending", so it is never sent twice.
      log.warn({ code: error.code, status: error.status }, 'no clear answer from Graph to a lead mail; not sent again, in case it went');
      return 'unknown';
    }
    if (error.code === 'ErrorInvalidRecipients') {
      // The one refusal that is about the recipient: anything else is the sender's or the app's, and passes once fixed.
      await deps.mails.finish(lead.id, recipient, 'refused', deps.now(), reason, round);
      log.warn({ status: error.status, code: error.code }, 'Graph refused a lead mail recipient; this recipient is not mailed this lead');
      return 'refused';
    }
    await deps.mails.finish(lead.id, recipient, 'failed', deps.now(), reason, round);
    if (!error.transient) log.error({ status: error.status, code: error.code }, 'lead mail could not be sent: the sender, the app or its permission needs a fix (validate shows it); it is tried again');
    return 'failed';
  }
}
