/** A customer's contact details as the marketplace sends them; '' where a field was blank. */
export interface Customer {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone: string;
  /** Usually ISO-2 ("US"), but the documented sample sends "USA": kept as given. */
  readonly country: string;
  readonly company: string;
  readonly title: string;
}

/** Where the lead came from, parsed out of `LeadSource` (see parse-lead-source.ts). */
export interface LeadSource {
  /** The string exactly as received. */
  readonly raw: string;
  /** AppSource, AzureMarketplace, AzurePortal, TestDrive… ('' when it could not be read). */
  readonly channel: string;
  /** The action code as sent (INS, PLT, DNC, Create, StartTestDrive or a new one). */
  readonly actionCode: string;
  /** The action in words ("Get it now"); unknown codes pass through unchanged. */
  readonly action: string;
  /** `publisher.offer` ('' when the source names no offer). */
  readonly offerId: string;
  readonly offerTitle: string;
}

/** How the lead reached the bot. */
export type LeadOrigin = 'https' | 'table';

/** A marketplace lead, parsed and normalised, before anything is done with it. */
export interface LeadDetails {
  readonly customer: Customer;
  readonly source: LeadSource;
  /** The customer's own notes. */
  readonly description: string;
  /** Partner Center's test lead (values carry MSFT_TEST): written, never shown to sales as real. */
  readonly isTest: boolean;
  /** The customer asked not to be contacted (action code DNC). */
  readonly doNotContact: boolean;
}

export interface Lead extends LeadDetails {
  /** Stable id derived from the lead's identity, so a re-sent lead maps to the same id. */
  readonly id: string;
  readonly origin: LeadOrigin;
  /** ISO 8601. */
  readonly receivedAt: string;
}
