import type { Request, Response, Server } from 'restify';
import { claimerName, describeLead } from '../cards/lead-card';
import type { Reader } from '../language/language';
import { messagesIn } from '../language/messages';
import type { Logger } from '../logging/create-logger';
import type { LeadStore, StoredLead } from '../storage/lead-store';
import type { ClaimTokens } from './claim-token';
import { escapeHtml } from './lead-mail';

export const CLAIM_PATH = '/claim';

export interface ClaimPageDeps {
  readonly tokens: ClaimTokens;
  readonly leads: LeadStore;
  /** Every Teams copy of the lead's card shows who claimed it. */
  readonly claimed: (lead: StoredLead) => Promise<void>;
  /** The link's recipient as a reader (their chat's language, else BOT_LANGUAGE). */
  readonly readers: () => Promise<(recipient: string) => Reader>;
  /** BOT_LANGUAGE and BOT_TIME_ZONE, for a link that names no one. */
  readonly reader: Reader;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * The page a mail's Claim link opens. GET only shows the lead and a Claim button (mail scanners
 * open every link, so a GET changes nothing); the button POSTs the same signed address, which
 * names the lead and the recipient. Plain HTML that works without JavaScript and reads on a phone.
 * The token rides in the query (`?t=`), which request telemetry and logs leave out.
 */
export function registerClaimPage(server: Server, deps: ClaimPageDeps): void {
  server.get(CLAIM_PATH, async (req: Request, res: Response) => {
    const found = await open(req, res, deps);
    if (found === undefined) return;
    const { lead, recipient, reader } = found;
    const say = messagesIn(reader.language);
    if (lead.claimedBy !== undefined) {
      page(res, 200, reader, say('claimPage.alreadyTitle'), leadSection(lead, reader) + `<p class="claimed">${escapeHtml(say('claimPage.claimedBy', { name: claimerName(lead.claimedBy, reader.language) }))}</p>`);
      return;
    }
    const form = lead.isTest
      ? `<p>${escapeHtml(say('claimPage.testLead'))}</p>`
      : `<form method="post"><button type="submit">${escapeHtml(say('claimPage.claimButton'))}</button></form><p class="small">${escapeHtml(say('claimPage.claimNote', { recipient }))}</p>`;
    page(res, 200, reader, say('claimPage.claimTitle'), leadSection(lead, reader) + form);
  });

  server.post(CLAIM_PATH, async (req: Request, res: Response) => {
    const found = await open(req, res, deps);
    if (found === undefined) return;
    const { lead, recipient, reader } = found;
    const say = messagesIn(reader.language);
    if (lead.isTest) {
      page(res, 200, reader, say('claimPage.testTitle'), leadSection(lead, reader) + `<p>${escapeHtml(say('claimPage.testLead'))}</p>`);
      return;
    }
    const outcome = await deps.leads.claim(lead.id, { name: recipient, email: recipient }, deps.now());
    const claimed = { ...lead, claimedBy: outcome.claimedBy };
    if (outcome.won) {
      deps.logger.info({ leadId: lead.id }, 'lead claimed from its mail');
      await deps.claimed(claimed).catch((err: unknown) => {
        deps.logger.warn({ leadId: lead.id, err }, 'could not update every Teams copy of the claimed lead');
      });
    }
    const title = say(outcome.won ? 'claimPage.wonTitle' : 'claimPage.alreadyTitle');
    const said = outcome.won ? say('claimPage.won') : say('claimPage.claimedBy', { name: claimerName(outcome.claimedBy, reader.language) });
    page(res, 200, reader, title, leadSection(claimed, reader) + `<p class="claimed">${escapeHtml(said)}</p>`);
  });
}

/** The lead the link names and who the link is for, or a plain refusal page (and undefined). */
async function open(req: Request, res: Response, deps: ClaimPageDeps): Promise<{ lead: StoredLead; recipient: string; reader: Reader } | undefined> {
  const token = new URL(req.url ?? '/', 'http://claim').searchParams.get('t') ?? '';
  const check = await deps.tokens.check(token, deps.now());
  if ('refused' in check) {
    // Whose link it was is not known: the deployment's language.
    const say = messagesIn(deps.reader.language);
    const why = say(check.refused === 'expired' ? 'claimPage.expired' : 'claimPage.invalid');
    page(res, check.refused === 'expired' ? 410 : 400, deps.reader, say('claimPage.invalidTitle'), `<p>${escapeHtml(why)}</p>`);
    return undefined;
  }
  const reader = (await deps.readers())(check.grant.recipient);
  const lead = await deps.leads.get(check.grant.leadId);
  if (lead === undefined) {
    const say = messagesIn(reader.language);
    page(res, 404, reader, say('claimPage.notFoundTitle'), `<p>${escapeHtml(say('claimPage.notFound'))}</p>`);
    return undefined;
  }
  return { lead, recipient: check.grant.recipient, reader };
}

function leadSection(lead: StoredLead, reader: Reader): string {
  const say = messagesIn(reader.language);
  const d = describeLead(lead, reader);
  const rows = d.facts.map((f) => `<tr><th>${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`).join('');
  return [
    lead.doNotContact ? `<p class="warn">${escapeHtml(say('leadCard.doNotContact'))}</p>` : '',
    `<h1>${escapeHtml(d.headline)}</h1>`,
    `<p><strong>${escapeHtml(d.who)}</strong>${d.role === '' ? '' : `<br><span class="subtle">${escapeHtml(d.role)}</span>`}</p>`,
    `<table>${rows}</table>`,
    d.notes === '' ? '' : `<p><span class="subtle">${escapeHtml(say('leadCard.notes'))}</span><br>${escapeHtml(d.notes)}</p>`,
  ].join('');
}

const STYLE =
  'body{font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;color:#201f1e;margin:0 auto;padding:16px;max-width:640px}' +
  'h1{font-size:20px;margin:0 0 8px}th{text-align:left;font-weight:normal;color:#605e5c;padding:2px 12px 2px 0;vertical-align:top}' +
  'td{padding:2px 0}.subtle,.small{color:#605e5c}.small{font-size:13px}.claimed{color:#107c10;font-weight:bold}' +
  '.warn{background:#fde7e9;padding:8px 12px;font-weight:bold}' +
  'button{background:#5b5fc7;color:#fff;border:0;border-radius:4px;font-size:16px;padding:12px 24px;margin:16px 0 4px;width:100%;max-width:320px}';

/** A whole page: lead data only to whoever holds the link, never cached or framed, no scripts. */
function page(res: Response, status: number, reader: Reader, title: string, body: string): void {
  const html = `<!DOCTYPE html><html lang="${reader.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  });
  res.end(html);
}
