import { dynamicsLine } from '../../src/cards/lead-card';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { dynamicsStanding } from '../../src/pipeline/dynamics-standing';
import type { StoredLead } from '../../src/storage/lead-store';
import { fixture } from '../support/fixtures';

const ID = '7a327f16-0a0a-87a2-bf94-84a8e5bf6703';
const RECORD = `https://contoso.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id=${ID}`;

function stored(progress: Partial<StoredLead>): StoredLead {
  return {
    ...parseHttpsLead(fixture('https-appsource-contact-me')),
    id: ID,
    origin: 'https',
    receivedAt: '2026-11-20T09:14:03.512Z',
    status: 'queued',
    queuedAt: '2026-11-20T09:14:03.600Z',
    duplicates: 0,
    attempts: 0,
    lastErrorCode: undefined,
    lastErrorKind: undefined,
    lastError: undefined,
    dynamicsId: undefined,
    writtenAt: undefined,
    claimedBy: undefined,
    claimant: undefined,
    owner: undefined,
    followUpAttempts: 0,
    contacted: undefined,
    disqualified: undefined,
    statusInDynamics: undefined,
    alertedAt: undefined,
    alertedAs: undefined,
    failedPasses: 0,
    routing: undefined,
    escalation: undefined,
    knownCustomer: undefined,
    ...progress,
  };
}

/** The card's "In Dynamics" line for a lead stored like this. */
function cardLine(progress: Partial<StoredLead>): string {
  return dynamicsLine(dynamicsStanding(stored(progress), (id) => `https://contoso.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id=${id}`), 'en');
}

describe('where a lead stands in Dynamics, as its cards say', () => {
  it('written (or done): in Dynamics, with the link to its record', () => {
    for (const status of ['written', 'done'] as const) {
      expect(dynamicsStanding(stored({ status, dynamicsId: ID }), (id) => `https://contoso.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id=${id}`)).toEqual({ state: 'written', url: RECORD });
    }
    expect(cardLine({ status: 'done', dynamicsId: ID })).toBe('In Dynamics');
  });

  it('written with no record id known: in Dynamics, with no link', () => {
    const asked: string[] = [];
    const standing = dynamicsStanding(stored({ status: 'written' }), (id) => {
      asked.push(id);
      return RECORD;
    });
    expect(standing).toEqual({ state: 'written', url: undefined });
    expect(asked).toEqual([]);
  });

  it('dead-lettered after Dynamics refused it, or after the bot stopped trying', () => {
    expect(cardLine({ status: 'dead-lettered', lastErrorCode: 'DYNAMICS_LEAD_REJECTED', lastErrorKind: 'rejected' })).toBe(
      'Not in Dynamics — Dynamics refused this lead; an admin can see why in `status` and retry it.',
    );
    expect(cardLine({ status: 'dead-lettered', lastErrorCode: 'DYNAMICS_UNAVAILABLE', lastErrorKind: 'transient' })).toBe('Not in Dynamics — the bot stopped trying; an admin can see why in `status` and retry it.');
    expect(cardLine({ status: 'dead-lettered', lastErrorCode: undefined })).toBe('Not in Dynamics — the bot stopped trying; an admin can see why in `status` and retry it.');
  });

  it('waiting for an admin\'s fix, or for Dynamics to answer again', () => {
    expect(cardLine({ status: 'waiting', lastErrorCode: 'DYNAMICS_ROLE_MISSING', lastErrorKind: 'configuration' })).toBe(
      "Not in Dynamics yet — the bot's connection to Dynamics needs an admin's fix (`validate` shows it); the lead is written as soon as it works.",
    );
    expect(cardLine({ status: 'waiting', lastErrorCode: 'DYNAMICS_THROTTLED', lastErrorKind: 'transient' })).toBe('Not in Dynamics yet — Dynamics is not answering right now; the bot keeps trying.');
  });

  it('anything else on its way: being written now', () => {
    expect(cardLine({ status: 'queued' })).toBe('Not in Dynamics yet — being written now.');
    // Re-driven after Dynamics refused it: on its way again, not refused.
    expect(cardLine({ status: 'queued', lastErrorCode: 'DYNAMICS_LEAD_REJECTED', lastErrorKind: 'rejected' })).toBe('Not in Dynamics yet — being written now.');
    // A failure of no known kind (the failures that are not Dynamics').
    expect(cardLine({ status: 'waiting', lastErrorCode: 'LEAD_NOT_FINISHED', lastErrorKind: undefined })).toBe('Not in Dynamics yet — being written now.');
  });
});
