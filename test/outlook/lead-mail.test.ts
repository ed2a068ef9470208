import { leadMail } from '../../src/outlook/lead-mail';
import type { Lead } from '../../src/leads/lead';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { fixture } from '../support/fixtures';
import { cardProblems } from '../support/validate-card';
import type { Reader } from '../../src/language/language';

const EN: Reader = { language: 'en', timeZone: 'UTC' };

const ID = '7a327f16-0a0a-87a2-bf94-84a8e5bf6703';
const RECORD = `https://contoso.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id=${ID}`;
const CLAIM = 'https://leadbotcontoso.azurewebsites.net/claim/eyJsIjoiNyJ9.c2ln';
const lead = (payload: unknown): Lead => ({ ...parseHttpsLead(payload), id: ID, origin: 'https', receivedAt: '2026-11-20T09:14:03.512Z' });
const written = { state: 'written', url: RECORD } as const;

/** The card in the mail's head, as Outlook reads it. */
function cardOf(html: string): Record<string, unknown> {
  const json = /<script type="application\/adaptivecard\+json">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error('no card in the head');
  return JSON.parse(json) as Record<string, unknown>;
}

describe('the lead mail', () => {
  const contactMe = lead(fixture('https-appsource-contact-me'));

  it('reads as a lead in any client, with the Claim link, the record and the customer', () => {
    const mail = leadMail({ lead: contactMe, dynamics: written, claimedBy: undefined, claimUrl: CLAIM, originatorId: undefined, reader: EN });
    expect(mail.subject).toBe('New lead: Contact me — Contoso Sales Insights — Dana Whitfield');
    expect(mail.html).toContain('<h2 style="font-size:20px;margin:0 0 8px">Contact me — Contoso Sales Insights</h2>');
    expect(mail.html).toContain(`href="${CLAIM}"`);
    expect(mail.html).toContain(`href="${RECORD.replace(/&/g, '&#38;')}"`);
    expect(mail.html).toContain('>In Dynamics<');
    expect(mail.html).toContain('Fabrikam Ltd');
  });

  it('carries the same card in its head for Outlook: Claim opens the page, the provider id when there is one', () => {
    const plain = cardOf(leadMail({ lead: contactMe, dynamics: written, claimedBy: undefined, claimUrl: CLAIM, originatorId: undefined, reader: EN }).html);
    expect(plain).not.toHaveProperty('originator');
    expect(cardProblems(plain)).toEqual([]);
    expect(plain.version).toBe('1.4');
    const actions = plain.actions as { type: string; title: string; url?: string }[];
    expect(actions).toContainEqual({ type: 'Action.OpenUrl', title: 'Claim', url: CLAIM });
    expect(actions.map((a) => a.type)).not.toContain('Action.Execute');
    const registered = cardOf(leadMail({ lead: contactMe, dynamics: written, claimedBy: undefined, claimUrl: CLAIM, originatorId: '6c1d2a3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d', reader: EN }).html);
    expect(registered).toMatchObject({ originator: '6c1d2a3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d', hideOriginalBody: true });
  });

  it('escapes everything from the lead: body, subject and the card in the head', () => {
    const evil = lead({
      UserDetails: { FirstName: '<img src=x onerror=alert(1)>', LastName: '"</script><script>alert(2)</script>', Company: 'A & B <b>', Email: 'x@y.example"><a href="https://evil.example">' },
      OfferTitle: 'Offer\r\nBcc: everyone@contoso.example',
      Description: '<a href="https://evil.example">click</a>',
    });
    const mail = leadMail({ lead: evil, dynamics: { state: 'pending', reason: 'writing' }, claimedBy: undefined, claimUrl: CLAIM, originatorId: undefined, reader: EN });
    const [head = '', body = ''] = mail.html.split('</head>');
    expect(body).not.toMatch(/<img|<script|<a href="https:\/\/evil/);
    expect(body).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(body).not.toContain('mailto:');
    // The only </script> in the head is the one that closes the card.
    expect(head.match(/<\/script>/g)).toHaveLength(1);
    expect(JSON.stringify(cardOf(mail.html))).toContain('\\"</script><script>alert(2)</script>');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(body).not.toContain('In Dynamics<');
    expect(body).toContain('Not in Dynamics yet — being written now.');
  });

  it('offers nothing to claim for a test lead or a lead already claimed, and says who has it', () => {
    const test = leadMail({ lead: lead(fixture('https-partner-center-test-lead')), dynamics: written, claimedBy: undefined, claimUrl: CLAIM, originatorId: undefined, reader: EN });
    expect(test.html).not.toContain(CLAIM);
    expect(test.html).toContain('Test lead: sent by Partner Center');
    const claimed = leadMail({ lead: contactMe, dynamics: written, claimedBy: 'Ana <Silva>', claimUrl: CLAIM, originatorId: undefined, reader: EN });
    expect(claimed.html.split('</head>')[1]).not.toContain(CLAIM);
    expect(claimed.html).toContain('Claimed by Ana &#60;Silva&#62;');
  });
});
