import { describeAction } from './describe-action';
import type { LeadSource } from './lead';

/** The documented form is `Source-Action|publisher.offer`; either half may be missing. */
const SOURCE_ACTION = /^([A-Za-z]+)(?:-([A-Za-z]+))?$/;
const CHANNEL_NAMES: Readonly<Record<string, string>> = { spza: 'AppSource' };

/**
 * Reads `LeadSource` defensively: the docs' own sample sends a bare "AzureMarketplace" and old
 * test leads put free text here, so anything unreadable keeps only the raw string.
 * `actionCodeField` (the payload's `ActionCode`) wins over the action inside the source.
 */
export function parseLeadSource(raw: string, actionCodeField: string, offerTitle: string): LeadSource {
  const bar = raw.indexOf('|');
  const head = (bar === -1 ? raw : raw.slice(0, bar)).trim();
  const offerId = bar === -1 ? '' : raw.slice(bar + 1).trim();
  const match = SOURCE_ACTION.exec(head);
  const channelCode = match?.[1] ?? '';
  const channel = CHANNEL_NAMES[channelCode.toLowerCase()] ?? channelCode;
  const actionCode = actionCodeField !== '' ? actionCodeField : (match?.[2] ?? '');
  return { raw, channel, actionCode, action: describeAction(actionCode), offerId, offerTitle };
}
