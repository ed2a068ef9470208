/**
 * A route: which leads (offer, country, action, marketplace channel) go to whom (contacts and
 * Teams chats), broadcast or in turn. Every match field absent means "any"; the first route
 * that matches a lead takes it (docs/routing.md).
 */
export interface Route {
  /** Unique among the routes; what `route list`, `status` and the cards call it. */
  readonly name: string;
  /** Offer ids (`publisher.offer`, as in LeadSource) or patterns where `*` stands for any text. */
  readonly offers?: readonly string[];
  /** ISO 3166 two-letter country codes, upper-case. */
  readonly countries?: readonly string[];
  readonly actions?: readonly LeadAction[];
  readonly channels?: readonly MarketplaceChannel[];
  /** E-mail addresses, lower-cased: their personal chats with the bot, or mail. */
  readonly contacts: readonly string[];
  /** Teams conversation ids (a channel's or group chat's) that get the route's leads. */
  readonly chats: readonly string[];
  readonly mode: RouteMode;
  /** Round-robin only: how long a contact has to claim before the lead passes on. */
  readonly claimWithinMinutes: number;
  /** Where the route was set: the deployment's routes file, or a chat command. */
  readonly origin: RouteOrigin;
}

/** What the customer did, in the routes' words (docs/domain.md §1.3 for the codes behind them). */
export const LEAD_ACTIONS = ['contact-me', 'purchase', 'trial'] as const;
export type LeadAction = (typeof LEAD_ACTIONS)[number];

/** Where the customer met the offer (the source half of LeadSource). */
export const MARKETPLACE_CHANNELS = ['appsource', 'azure-marketplace', 'azure-portal'] as const;
export type MarketplaceChannel = (typeof MARKETPLACE_CHANNELS)[number];

export const ROUTE_MODES = ['broadcast', 'round-robin'] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];

export type RouteOrigin = { readonly kind: 'file' } | { readonly kind: 'chat'; readonly addedBy: string; readonly addedAt: string };

/** A round-robin route gives each contact this long to claim when the route does not say. */
export const DEFAULT_CLAIM_WITHIN_MINUTES = 10;

/** The fields a route matches leads on, in the order problems and `route list` name them. */
export const MATCH_FIELDS = ['offers', 'countries', 'actions', 'channels'] as const;

/**
 * The order routes are tried in: those added in chat first (an admin's word of the moment, in the
 * order added), then the routes file's; LEAD_CONTACTS takes what none of them does.
 */
export function routesInOrder(fromChat: readonly Route[], fromFile: readonly Route[]): Route[] {
  return [...fromChat, ...fromFile];
}
