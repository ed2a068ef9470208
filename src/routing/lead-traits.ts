import countries from 'i18n-iso-countries';
import type { LeadDetails } from '../leads/lead';
import type { LeadAction, MarketplaceChannel } from './route';

/** The action codes behind each route action (docs/domain.md §1.3); DNC and unknown codes are none of them. */
const ACTIONS: Readonly<Record<string, LeadAction>> = {
  plt: 'contact-me',
  ins: 'purchase',
  create: 'purchase',
  starttestdrive: 'trial',
};

const CHANNELS: Readonly<Record<string, MarketplaceChannel>> = {
  appsource: 'appsource',
  azuremarketplace: 'azure-marketplace',
  azureportal: 'azure-portal',
};

/** What the customer did, as a route names it; a test drive's source counts as a trial whatever its code. */
export function leadAction(lead: Pick<LeadDetails, 'source'>): LeadAction | undefined {
  return ACTIONS[lead.source.actionCode.toLowerCase()] ?? (lead.source.channel.toLowerCase() === 'testdrive' ? 'trial' : undefined);
}

export function leadChannel(lead: LeadDetails): MarketplaceChannel | undefined {
  return CHANNELS[lead.source.channel.toLowerCase()];
}

/**
 * The customer's country as an ISO 3166 two-letter code. The schema says ISO-2, but the
 * documented sample sends "USA": three-letter codes are read too; anything else is no country.
 */
export function leadCountry(lead: LeadDetails): string | undefined {
  return countryCode(lead.customer.country);
}

/** An ISO 3166 alpha-2 code for `text` (alpha-2 or alpha-3, any case), or undefined. */
export function countryCode(text: string): string | undefined {
  const code = text.trim().toUpperCase();
  if (code.length === 2) return countries.isValid(code) ? code : undefined;
  return code.length === 3 ? countries.alpha3ToAlpha2(code) : undefined;
}

/** The codes a route action and channel stand for, the other way round: for a lead made up to test routes. */
const ACTION_CODES: Readonly<Record<LeadAction, string>> = { 'contact-me': 'PLT', purchase: 'INS', trial: 'StartTestDrive' };
const CHANNEL_SOURCES: Readonly<Record<MarketplaceChannel, string>> = { appsource: 'AppSource', 'azure-marketplace': 'AzureMarketplace', 'azure-portal': 'AzurePortal' };

/** An HTTPS lead payload with just what routes match on (`route test` asks where such a lead would go). */
export function routingProbe(offerId: string, country: string, action?: LeadAction, channel?: MarketplaceChannel): Record<string, unknown> {
  const actionCode = action === undefined ? '' : ACTION_CODES[action];
  const source = channel === undefined ? '' : CHANNEL_SOURCES[channel];
  return { UserDetails: { Country: country }, LeadSource: `${source}${actionCode === '' ? '' : `-${actionCode}`}|${offerId}`, ActionCode: actionCode };
}
