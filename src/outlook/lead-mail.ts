import { claimerName, describeLead, dynamicsLine, isRecordUrl, leadCard, mailtoOf, type AdaptiveCardJson, type DynamicsStanding } from '../cards/lead-card';
import type { Reader } from '../language/language';
import { message, messagesIn } from '../language/messages';
import type { Lead } from '../leads/lead';
import type { Escalation } from '../storage/lead-store';

export interface LeadMailInput {
  readonly lead: Lead;
  readonly dynamics: DynamicsStanding;
  readonly claimedBy: string | undefined;
  /** This recipient's signed Claim link (GET shows the lead, only the page's button claims). */
  readonly claimUrl: string;
  /** The Actionable Email Developer Dashboard's provider id; without one Outlook shows the HTML only. */
  readonly originatorId: string | undefined;
  /** The recipient: their language, and the team's time zone. */
  readonly reader: Reader;
  /** A reminder: nobody has claimed the lead since it was announced (#16). */
  readonly escalation?: Escalation | undefined;
  /** Why the recipient has it: on a contact list (the default), or as an admin (a lead no route took, an escalation). */
  readonly as?: 'contact' | 'admin';
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
  const { lead, dynamics, reader } = input;
  const say = messagesIn(reader.language);
  const d = describeLead(lead, reader);
  const record = dynamics.state === 'written' && dynamics.url !== undefined && isRecordUrl(dynamics.url) ? dynamics.url : '';
  const mailto = mailtoOf(lead);
  const links = [
    input.claimedBy === undefined && !lead.isTest ? link(input.claimUrl, say('mail.claim'), true) : '',
    record === '' ? '' : link(record, say('mail.openInDynamics')),
    mailto === '' ? '' : link(mailto, say('mail.emailThem')),
  ].filter((l) => l !== '');
  const rows = d.facts.map((f) => `<tr><td style="color:#605e5c;padding:2px 12px 2px 0;vertical-align:top">${escapeHtml(f.label)}</td><td style="padding:2px 0">${escapeHtml(f.value)}</td></tr>`);
  const notices = [
    lead.doNotContact ? notice('#fde7e9', say('leadCard.doNotContact')) : '',
    lead.isTest ? notice('#fff4ce', say('leadCard.testLead')) : '',
    input.escalation === undefined ? '' : notice('#fde7e9', say(`leadCard.escalated.${input.escalation.step}`, { minutes: String(input.escalation.minutes) })),
  ].join('');
  const html = [
    '<!DOCTYPE html>',
    `<html lang="${reader.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<script type="application/adaptivecard+json">${scriptJson(mailCard(input))}</script>`,
    '</head>',
    '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;color:#201f1e;margin:0;padding:16px;max-width:640px">',
    notices,
    `<h2 style="font-size:20px;margin:0 0 8px">${escapeHtml(d.headline)}</h2>`,
    `<p style="margin:0 0 12px"><strong>${escapeHtml(d.who)}</strong>${d.role === '' ? '' : `<br><span style="color:#605e5c">${escapeHtml(d.role)}</span>`}</p>`,
    `<table style="border-collapse:collapse;margin:0 0 12px">${rows.join('')}</table>`,
    d.notes === '' ? '' : `<p style="margin:0 0 12px"><span style="color:#605e5c">${escapeHtml(say('leadCard.notes'))}</span><br>${escapeHtml(d.notes).replace(/\r?\n/g, '<br>')}</p>`,
    input.claimedBy === undefined ? '' : `<p style="margin:0 0 12px;color:#107c10"><strong>${escapeHtml(say('mail.claimedBy', { name: claimerName(input.claimedBy, input.reader.language) }))}</strong></p>`,
    `<p style="margin:0 0 16px;font-size:13px;color:${dynamics.state === 'written' ? '#107c10' : '#8a6100'}">${escapeHtml(dynamicsLine(dynamics, reader.language))}</p>`,
    `<p style="margin:0 0 16px">${links.join(' &nbsp; ')}</p>`,
    `<p style="font-size:12px;color:#605e5c;margin:0">${escapeHtml(say('mail.why', { as: input.as ?? 'contact' }))}</p>`,
    '</body></html>',
  ].join('\n');
  // A subject is one line of plain text: no line breaks from the lead.
  const subject = say(d.who === '' ? 'mail.subject' : 'mail.subjectWho', { headline: d.headline, who: d.who, reminder: input.escalation === undefined ? 'no' : 'yes' });
  return { subject: subject.replace(/[\r\n]+/g, ' ').slice(0, 250), html };
}

/**
 * The Teams lead card for Outlook: the Claim button opens this recipient's Claim page (Outlook
 * runs Action.Execute only for bots registered on its channel), schema 1.4 (Outlook's), and the
 * provider id that lets Outlook show it.
 */
function mailCard(input: LeadMailInput): AdaptiveCardJson {
  const card = leadCard({ lead: { ...input.lead, claimedBy: input.claimedBy }, dynamics: input.dynamics }, input.reader);
  // Links only: Claim as this recipient's page; Mark contacted and Disqualify are Teams' (they run as the bot).
  const actions = ((card.actions ?? []) as { type: string; verb?: string }[])
    .map((action) => (action.verb === 'claimLead' ? { type: 'Action.OpenUrl', title: message(input.reader.language, 'leadCard.claim'), url: input.claimUrl } : action))
    .filter((action) => action.type === 'Action.OpenUrl');
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
