import type { Request, Response, Server } from 'restify';
import { describeLead } from '../cards/lead-card';
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
    const { lead, recipient } = found;
    if (lead.claimedBy !== undefined) {
      page(res, 200, 'Already claimed', leadSection(lead) + `<p class="claimed">Claimed by ${escapeHtml(lead.claimedBy)}.</p>`);
      return;
    }
    const form = lead.isTest
      ? '<p>This is a test lead: there is nothing to claim.</p>'
      : `<form method="post"><button type="submit">Claim this lead</button></form><p class="small">Claiming names you, ${escapeHtml(recipient)}, as the lead's owner, for everyone who got it.</p>`;
    page(res, 200, 'Claim this lead', leadSection(lead) + form);
  });

  server.post(CLAIM_PATH, async (req: Request, res: Response) => {
    const found = await open(req, res, deps);
    if (found === undefined) return;
    const { lead, recipient } = found;
    if (lead.isTest) {
      page(res, 200, 'Test lead', leadSection(lead) + '<p>This is a test lead: there is nothing to claim.</p>');
      return;
    }
    const outcome = await deps.leads.claim(lead.id, recipient, deps.now());
    const claimed = { ...lead, claimedBy: outcome.claimedBy };
    if (outcome.won) {
      deps.logger.info({ leadId: lead.id }, 'lead claimed from its mail');
      await deps.claimed(claimed).catch((err: unknown) => {
        deps.logger.warn({ leadId: lead.id, err }, 'could not update every Teams copy of the claimed lead');
      });
    }
    const title = outcome.won ? 'You claimed this lead' : 'Already claimed';
    page(res, 200, title, leadSection(claimed) + `<p class="claimed">${outcome.won ? 'It is yours: the sales team sees that you claimed it.' : `Claimed by ${escapeHtml(outcome.claimedBy)}.`}</p>`);
  });
}

/** The lead the link names, or a plain refusal page (and undefined). */
async function open(req: Request, res: Response, deps: ClaimPageDeps): Promise<{ lead: StoredLead; recipient: string } | undefined> {
  const token = new URL(req.url ?? '/', 'http://claim').searchParams.get('t') ?? '';
  const check = await deps.tokens.check(token, deps.now());
  if ('refused' in check) {
    const why = check.refused === 'expired' ? 'This Claim link has expired. Claim the lead from Teams, or ask an admin.' : 'This Claim link is not valid: it may have been cut short or changed. Open it again from the mail.';
    page(res, check.refused === 'expired' ? 410 : 400, 'Link not valid', `<p>${why}</p>`);
    return undefined;
  }
  const lead = await deps.leads.get(check.grant.leadId);
  if (lead === undefined) {
    page(res, 404, 'Lead not found', '<p>This lead is no longer available.</p>');
    return undefined;
  }
  return { lead, recipient: check.grant.recipient };
}

function leadSection(lead: StoredLead): string {
  const d = describeLead(lead);
  const rows = d.facts.map((f) => `<tr><th>${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`).join('');
  return [
    lead.doNotContact ? '<p class="warn">Do not contact: the customer asked not to be contacted.</p>' : '',
    `<h1>${escapeHtml(d.headline)}</h1>`,
    `<p><strong>${escapeHtml(d.who)}</strong>${d.role === '' ? '' : `<br><span class="subtle">${escapeHtml(d.role)}</span>`}</p>`,
    `<table>${rows}</table>`,
    d.notes === '' ? '' : `<p><span class="subtle">Their notes</span><br>${escapeHtml(d.notes)}</p>`,
  ].join('');
}

const STYLE =
  'body{font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;color:#201f1e;margin:0 auto;padding:16px;max-width:640px}' +
  'h1{font-size:20px;margin:0 0 8px}th{text-align:left;font-weight:normal;color:#605e5c;padding:2px 12px 2px 0;vertical-align:top}' +
  'td{padding:2px 0}.subtle,.small{color:#605e5c}.small{font-size:13px}.claimed{color:#107c10;font-weight:bold}' +
  '.warn{background:#fde7e9;padding:8px 12px;font-weight:bold}' +
  'button{background:#5b5fc7;color:#fff;border:0;border-radius:4px;font-size:16px;padding:12px 24px;margin:16px 0 4px;width:100%;max-width:320px}';

/** A whole page: lead data only to whoever holds the link, never cached or framed, no scripts. */
function page(res: Response, status: number, title: string, body: string): void {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
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
