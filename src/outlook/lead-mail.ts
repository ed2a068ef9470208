import { describeLead, dynamicsLine, isRecordUrl, leadCard, mailtoOf, type AdaptiveCardJson, type DynamicsStanding } from '../cards/lead-card';
import type { Lead } from '../leads/lead';

export interface LeadMailInput {
  readonly lead: Lead;
  readonly dynamics: DynamicsStanding;
  readonly claimedBy: string | undefined;
  /** This recipient's signed Claim link (GET shows the lead, only the page's button claims). */
  readonly claimUrl: string;
  /** The Actionable Email Developer Dashboard's provider id; without one Outlook shows the HTML only. */
  readonly originatorId: string | undefined;
}

export interface LeadMail {
  readonly subject: string;
  /** A whole HTML document: the readable body, and the lead card in its head for Outlook. */
  readonly html: string;
}

/**
 * The lead alert as a mail that reads well in any client: every value from the lead is escaped,
 * links are only the signed Claim link, a checked Dynamics record and a checked mailto. The same
 * card as in Teams rides in the head as an Outlook Actionable Message; its Claim opens the page
 * (a button there claims), since a link must never change anything when a scanner opens it.
 */
export function leadMail(input: LeadMailInput): LeadMail {
  const { lead, dynamics } = input;
  const d = describeLead(lead);
  const record = dynamics.state === 'written' && dynamics.url !== undefined && isRecordUrl(dynamics.url) ? dynamics.url : '';
  const mailto = mailtoOf(lead);
  const links = [
    input.claimedBy === undefined && !lead.isTest ? link(input.claimUrl, 'Claim this lead', true) : '',
    record === '' ? '' : link(record, 'Open in Dynamics'),
    mailto === '' ? '' : link(mailto, 'E-mail them'),
  ].filter((l) => l !== '');
  const rows = d.facts.map((f) => `<tr><td style="color:#605e5c;padding:2px 12px 2px 0;vertical-align:top">${escapeHtml(f.label)}</td><td style="padding:2px 0">${escapeHtml(f.value)}</td></tr>`);
  const notices = [
    lead.doNotContact ? notice('#fde7e9', 'Do not contact: the customer asked not to be contacted.') : '',
    lead.isTest ? notice('#fff4ce', "Test lead: sent by Partner Center's Validate or the bot's validate command, not by a customer.") : '',
  ].join('');
  const html = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<script type="application/adaptivecard+json">${scriptJson(mailCard(input))}</script>`,
    '</head>',
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;color:#201f1e;margin:0;padding:16px;max-width:640px">',
    notices,
    `<h2 style="font-size:20px;margin:0 0 8px">${escapeHtml(d.headline)}</h2>`,
    `<p style="margin:0 0 12px"><strong>${escapeHtml(d.who)}</strong>${d.role === '' ? '' : `<br><span style="color:#605e5c">${escapeHtml(d.role)}</span>`}</p>`,
    `<table style="border-collapse:collapse;margin:0 0 12px">${rows.join('')}</table>`,
    d.notes === '' ? '' : `<p style="margin:0 0 12px"><span style="color:#605e5c">Their notes</span><br>${escapeHtml(d.notes).replace(/\r?\n/g, '<br>')}</p>`,
    input.claimedBy === undefined ? '' : `<p style="margin:0 0 12px;color:#107c10"><strong>Claimed by ${escapeHtml(input.claimedBy)}</strong></p>`,
    `<p style="margin:0 0 16px;font-size:13px;color:${dynamics.state === 'written' ? '#107c10' : '#8a6100'}">${escapeHtml(dynamicsLine(dynamics))}</p>`,
    `<p style="margin:0 0 16px">${links.join(' &nbsp; ')}</p>`,
    '<p style="font-size:12px;color:#605e5c;margin:0">You get this because you are on the contact list for marketplace leads. The Claim link is yours alone: it names you as the lead\'s owner.</p>',
    '</body></html>',
  ].join('\n');
  // A subject is one line of plain text: no line breaks from the lead.
  return { subject: `New lead: ${d.headline}${d.who === '' ? '' : ` — ${d.who}`}`.replace(/[\r\n]+/g, ' ').slice(0, 250), html };
}

/**
 * The Teams lead card for Outlook: the Claim button opens this recipient's Claim page (Outlook
 * runs Action.Execute only for bots registered on its channel), schema 1.4 (Outlook's), and the
 * provider id that lets Outlook show it.
 */
function mailCard(input: LeadMailInput): AdaptiveCardJson {
  const card = leadCard({ lead: input.lead, dynamics: input.dynamics, ...(input.claimedBy === undefined ? {} : { claimedBy: input.claimedBy }) });
  const actions = ((card.actions ?? []) as { type: string; verb?: string }[]).map((action) =>
    action.verb === 'claimLead' ? { type: 'Action.OpenUrl', title: 'Claim', url: input.claimUrl } : action,
  );
  return {
    ...card,
    version: '1.4',
    actions,
    ...(input.originatorId === undefined ? {} : { originator: input.originatorId, hideOriginalBody: true }),
  };
}

/** JSON inside a <script>: no "</script>" or "<!--" can close or confuse it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

function link(url: string, text: string, primary = false): string {
  const style = primary
    ? 'background:#5b5fc7;color:#ffffff;padding:8px 16px;border-radius:4px;text-decoration:none;display:inline-block'
    : 'color:#5b5fc7';
  return `<a href="${escapeHtml(url)}" style="${style}">${escapeHtml(text)}</a>`;
}

function notice(background: string, text: string): string {
  return `<p style="background:${background};padding:8px 12px;margin:0 0 12px"><strong>${escapeHtml(text)}</strong></p>`;
}
