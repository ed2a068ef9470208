import { z } from 'zod';
import { DOMAIN, EMAIL } from '../leads/email';
import { readRoutesFile } from '../routing/read-routes-file';
import { GUID } from '../leads/lead-id';
import { LANGUAGES } from '../language/language';
import {
  applicationInsightsConnectionString,
  asGiven,
  calendarDate,
  httpsOrigin,
  listOf,
  lowerCased,
  oneOf,
  optional,
  publicUrl,
  required,
  settingText,
  shaped,
  storageConnectionString,
  timeZone,
  wholeNumber,
  withDefault,
} from './setting-readers';

const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i;
/** Pasted into a URL as ?code=…, so it must need no escaping. */
const URL_SAFE_KEY = /^[A-Za-z0-9._~-]{16,256}$/;
const STORAGE_PREFIX = /^[a-z][a-z0-9]{1,19}$/;
const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

const KEY_FIX =
  'use 16 or more letters, digits, "-", "_", "." or "~" (it goes into the Partner Center URL as ?code=…); ' +
  `generate one with: node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))"`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const BOT_TYPES = ['SingleTenant', 'MultiTenant', 'UserAssignedMsi'] as const;
export type BotType = (typeof BOT_TYPES)[number];

const PUBLIC_AUTHORITY = 'https://login.microsoftonline.com';

/** Each Microsoft cloud's Graph, by its sign-in authority; none for an authority of our own (local runs). */
const GRAPH_BY_AUTHORITY: Readonly<Record<string, string>> = {
  [PUBLIC_AUTHORITY]: 'https://graph.microsoft.com',
  'https://login.microsoftonline.us': 'https://graph.microsoft.us',
  'https://login.partner.microsoftonline.cn': 'https://microsoftgraph.chinacloudapi.cn',
  'https://login.chinacloudapi.cn': 'https://microsoftgraph.chinacloudapi.cn',
};

/** Every setting but the Dynamics sign-in options, each read on its own. */
const eachSetting = z.object({
  PORT: withDefault(3978, wholeNumber('PORT', 1, 65535)),
  SHUTDOWN_SECONDS: withDefault(20, wholeNumber('SHUTDOWN_SECONDS', 1, 600)),
  LOG_LEVEL: withDefault('info', oneOf(LOG_LEVELS, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent')),
  STORAGE_CONNECTION_STRING: required(
    'STORAGE_CONNECTION_STRING is missing; copy the connection string from the storage account\'s "Access keys" page in the Azure portal (locally, `npm run local` uses Azurite)',
    storageConnectionString('STORAGE_CONNECTION_STRING'),
  ),
  STORAGE_NAME_PREFIX: withDefault(
    'leadbot',
    shaped(STORAGE_PREFIX, (prefix) => `STORAGE_NAME_PREFIX "${prefix}" must be 2 to 20 lower-case letters or digits, starting with a letter`),
  ),
  // Never quoted: it is a secret.
  LEAD_INTAKE_KEY: required(`LEAD_INTAKE_KEY is missing; ${KEY_FIX}`, shaped(URL_SAFE_KEY, () => `LEAD_INTAKE_KEY is not usable; ${KEY_FIX}`)),
  LEAD_MAX_BODY_BYTES: withDefault(32 * 1024, wholeNumber('LEAD_MAX_BODY_BYTES', 1024, 1024 * 1024)),
  // At least an hour: with no window, a sender's retry would become a second lead.
  LEAD_DUPLICATE_WINDOW_HOURS: withDefault(24, wholeNumber('LEAD_DUPLICATE_WINDOW_HOURS', 1, 24 * 365)),
  DYNAMICS_URL: required(
    'DYNAMICS_URL is missing; use your Dynamics 365 address, like https://contoso.crm4.dynamics.com',
    httpsOrigin('DYNAMICS_URL', 'https://contoso.crm4.dynamics.com'),
  ),
  // Read here as well as by the Azure AD option: the Teams tenant defaults to it however Dynamics signs in.
  DYNAMICS_TENANT_ID: optional(asGiven),
  DYNAMICS_AUTHORITY_HOST: withDefault(PUBLIC_AUTHORITY, httpsOrigin('DYNAMICS_AUTHORITY_HOST', PUBLIC_AUTHORITY)),
  DYNAMICS_LEAD_SOURCE_CODE: withDefault(8, wholeNumber('DYNAMICS_LEAD_SOURCE_CODE', 1, 2_147_483_647)),
  DYNAMICS_MAX_CONCURRENCY: withDefault(52, wholeNumber('DYNAMICS_MAX_CONCURRENCY', 1, 52)),
  DYNAMICS_TIMEOUT_SECONDS: withDefault(30, wholeNumber('DYNAMICS_TIMEOUT_SECONDS', 1, 600)),
  // Three days ride out a long Dynamics outage or a weekend; a lead is never dropped for a count of tries.
  LEAD_RETRY_HOURS: withDefault(72, wholeNumber('LEAD_RETRY_HOURS', 1, 24 * 30)),
  LEAD_TABLE_CONNECTION_STRING: optional(storageConnectionString('LEAD_TABLE_CONNECTION_STRING')),
  LEAD_TABLE_NAME: withDefault(
    'marketplaceleads',
    shaped(TABLE_NAME, (name) => `LEAD_TABLE_NAME "${name}" is not a table name (3 to 63 letters or digits)`),
  ),
  LEAD_TABLE_POLL_SECONDS: withDefault(60, wholeNumber('LEAD_TABLE_POLL_SECONDS', 5, 24 * 3600)),
  // Unset, the first import starts from the moment it first runs: the table's history is not news to the team.
  LEAD_TABLE_IMPORT_FROM: optional(calendarDate('LEAD_TABLE_IMPORT_FROM')),
  LEAD_CONTACTS: withDefault([], listOf('LEAD_CONTACTS', EMAIL, 'an e-mail address')),
  // The publisher's own: a lead from there is a colleague trying the offer, not a customer.
  OWN_DOMAINS: withDefault([], listOf('OWN_DOMAINS', DOMAIN, 'a domain such as contoso.com')),
  // A lead nobody claimed is announced again to its people, then to the admins (0: not at all).
  ESCALATE_AFTER_MINUTES: withDefault(5, wholeNumber('ESCALATE_AFTER_MINUTES', 0, 24 * 60)),
  ESCALATE_TO_ADMINS_AFTER_MINUTES: withDefault(30, wholeNumber('ESCALATE_TO_ADMINS_AFTER_MINUTES', 0, 7 * 24 * 60)),
  // The hour of the day, in BOT_TIME_ZONE, the daily digest goes to the chats that chose it.
  DIGEST_HOUR: withDefault(8, wholeNumber('DIGEST_HOUR', 0, 23)),
  // How often the validate path runs by itself, telling the admins only of a failure and its end (0: never).
  SELF_CHECK_HOURS: withDefault(24, wholeNumber('SELF_CHECK_HOURS', 0, 24 * 7)),
  // Read and checked here, so a faulty routes file stops start-up with a line per problem.
  LEAD_ROUTES_FILE: settingText.transform((path, ctx) => {
    if (path === undefined) return [];
    const read = readRoutesFile(path);
    for (const problem of read.problems ?? []) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `LEAD_ROUTES_FILE ${problem}` });
    return read.routes ?? [];
  }),
  TEAMS_MESSAGES_PER_SECOND: withDefault(50, wholeNumber('TEAMS_MESSAGES_PER_SECOND', 1, 50)),
  // What channels, group chats and people whose Teams is not in Korean read; a person whose Teams is in Korean reads Korean whatever this says.
  BOT_LANGUAGE: withDefault('en', oneOf(LANGUAGES, `BOT_LANGUAGE must be one of ${LANGUAGES.join(', ')} (en: English, ko: Korean)`)),
  BOT_TIME_ZONE: withDefault('UTC', timeZone('BOT_TIME_ZONE')),
  // The bot's registration is checked as a whole, by checkBotRegistration.
  BOT_ID: optional(asGiven),
  BOT_PASSWORD: optional(asGiven),
  BOT_TENANT_ID: optional(asGiven),
  BOT_TYPE: optional(asGiven),
  TEAMS_TENANT_ID: optional(
    lowerCased(
      shaped(GUID, (id) => `TEAMS_TENANT_ID "${id}" is not a Directory (tenant) ID; copy the GUID from Microsoft Entra admin center > Overview`),
    ),
  ),
  REMINDER_CHECK_MINUTES: withDefault(60, wholeNumber('REMINDER_CHECK_MINUTES', 1, 24 * 60)),
  GRAPH_URL: optional(httpsOrigin('GRAPH_URL', 'https://graph.microsoft.com')),
  DYNAMICS_PASSWORD_MAX_AGE_DAYS: withDefault(90, wholeNumber('DYNAMICS_PASSWORD_MAX_AGE_DAYS', 0, 730)),
  DYNAMICS_CLIENT_SECRET_EXPIRES: optional(calendarDate('DYNAMICS_CLIENT_SECRET_EXPIRES')),
  DYNAMICS_PASSWORD_CHANGED: optional(calendarDate('DYNAMICS_PASSWORD_CHANGED')),
  BOT_PASSWORD_EXPIRES: optional(calendarDate('BOT_PASSWORD_EXPIRES')),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optional(applicationInsightsConnectionString),
  ADMINS: withDefault([], listOf('ADMINS', new RegExp(`${EMAIL.source}|${GUID.source}`, 'i'), 'an e-mail address or an Azure AD object id')),
  // The app the bot calls Graph as is checked as a whole, by checkGraphUses.
  GRAPH_TENANT_ID: optional(asGiven),
  GRAPH_CLIENT_ID: optional(asGiven),
  GRAPH_CLIENT_SECRET: optional(asGiven),
  OUTLOOK_SENDER: optional(
    lowerCased(
      shaped(EMAIL, (sender) => `OUTLOOK_SENDER "${sender}" is not a mailbox address; use the address of the mailbox alerts are sent from, like leads@contoso.com`),
    ),
  ),
  OUTLOOK_DELIVERY: withDefault(
    'fallback',
    oneOf(['fallback', 'always', 'off'], 'OUTLOOK_DELIVERY must be fallback (contacts Teams cannot reach), always (every contact, as well as Teams) or off'),
  ),
  OUTLOOK_ORIGINATOR_ID: optional(
    lowerCased(
      shaped(GUID, (id) => `OUTLOOK_ORIGINATOR_ID "${id}" is not a provider id; copy the GUID the Actionable Email Developer Dashboard gave your provider`),
    ),
  ),
  TEAMS_APP_CATALOG_ID: optional(
    lowerCased(
      shaped(
        GUID,
        (id) => `TEAMS_APP_CATALOG_ID "${id}" is not a catalog app id; copy the App ID the Teams admin center shows for the app under Manage apps (not the manifest id)`,
      ),
    ),
  ),
  LEAD_CATCH_UP_HOURS: withDefault(24, wholeNumber('LEAD_CATCH_UP_HOURS', 1, 24 * 7)),
  PUBLIC_URL: optional(publicUrl),
});

type EachSetting = z.output<typeof eachSetting>;

const SIGN_IN_OPTIONS = '"aad" (Azure AD app, recommended) or "o365" (Office 365 user)';

/**
 * DYNAMICS_AUTH, in any case. Without a known option there is nothing to check the other sign-in
 * settings against, so a missing or unknown one stops the sign-in settings there (fatal).
 */
const signInChoice = settingText.transform((text, ctx) => {
  const choice = text?.toLowerCase();
  if (choice === 'aad' || choice === 'o365') return choice;
  const problem = text === undefined ? `DYNAMICS_AUTH is missing; set it to ${SIGN_IN_OPTIONS}` : `DYNAMICS_AUTH "${text}" must be ${SIGN_IN_OPTIONS}`;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, fatal: true });
  return z.NEVER;
});

const azureAdApp = z.object({
  DYNAMICS_AUTH: z.literal('aad'),
  DYNAMICS_TENANT_ID: required(
    "DYNAMICS_TENANT_ID is missing; copy the Directory (tenant) ID from the app registration's Overview page",
    shaped(TENANT, (id) => `DYNAMICS_TENANT_ID "${id}" is not a Directory (tenant) ID; it looks like 72f988bf-86f1-41af-91ab-2d7cd011db47 or contoso.onmicrosoft.com`),
  ),
  DYNAMICS_CLIENT_ID: required(
    "DYNAMICS_CLIENT_ID is missing; copy the Application (client) ID from the app registration's Overview page",
    shaped(GUID, (id) => `DYNAMICS_CLIENT_ID "${id}" is not an Application (client) ID; it is a GUID such as 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`),
  ),
  DYNAMICS_CLIENT_SECRET: required(
    'DYNAMICS_CLIENT_SECRET is missing; create a client secret under the app registration\'s "Certificates & secrets" and copy its Value',
  ),
});

const office365User = z.object({
  DYNAMICS_AUTH: z.literal('o365'),
  DYNAMICS_USERNAME: required(
    "DYNAMICS_USERNAME is missing; use the Office 365 user's sign-in name, like leads@contoso.com",
    shaped(EMAIL, (name) => `DYNAMICS_USERNAME "${name}" is not a user name; use the sign-in address, like leads@contoso.com`),
  ),
  DYNAMICS_PASSWORD: required("DYNAMICS_PASSWORD is missing; use that user's current password"),
  // The public client to sign in through; absent, Microsoft's Dataverse sample client.
  DYNAMICS_CLIENT_ID: optional(
    shaped(
      GUID,
      (id) => `DYNAMICS_CLIENT_ID "${id}" is not an Application (client) ID; leave it empty to sign in through Microsoft's Dataverse sample client`,
    ),
  ),
});

/**
 * How the bot signs in to Dynamics: DYNAMICS_AUTH picks the option, and each option needs its own
 * settings. Grouped under one key, so that the mapping has one value to tell the options apart by,
 * and DYNAMICS_TENANT_ID, read by both halves of the schema, is not merged with itself.
 */
const dynamicsSignIn = z
  .object({ DYNAMICS_AUTH: signInChoice })
  .passthrough()
  .pipe(z.discriminatedUnion('DYNAMICS_AUTH', [azureAdApp, office365User]))
  .transform((signIn) => ({ dynamicsSignIn: signIn }));

/**
 * The environment the bot reads its settings from, as one schema (settings.ts maps what it reads
 * to `Settings`). The names are part of the product's contract (admins copy them from Partner
 * Center's connection form): never rename. `.and` reads both halves from the whole environment and
 * collects the problems of both, so a sign-in problem, which stops the second half, hides neither
 * the other settings' problems nor those of the rules across settings, which refine the first.
 */
export const environmentSchema = eachSetting.superRefine(acrossSettings).and(dynamicsSignIn);

export type Environment = z.output<typeof environmentSchema>;

/** Every environment variable the settings are read from (APP_ENV, read by main, aside). */
export const SETTING_NAMES: readonly string[] = [
  ...new Set([...Object.keys(eachSetting.shape), ...[azureAdApp, office365User].flatMap((option) => Object.keys(option.shape))]),
];

/** The rules across settings. They run even when some setting was refused, which then reads as absent (or its default). */
function acrossSettings(env: EachSetting, ctx: z.RefinementCtx): void {
  checkBotRegistration(env, ctx);
  checkTeamsTenant(env, ctx);
  checkGraphUses(env, ctx);
  checkEscalation(env, ctx);
}

/** A problem with how settings go together; `setting` is the one to change, when it is one. */
function report(ctx: z.RefinementCtx, problem: string, setting?: string): void {
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem, path: setting === undefined ? [] : [setting] });
}

/** What each bot type needs, as on the Azure Bot resource's Configuration page. */
function checkBotRegistration(env: EachSetting, ctx: z.RefinementCtx): void {
  if (env.BOT_ID === undefined) return;
  const type = botTypeOf(env);
  if (type === undefined) {
    report(ctx, `BOT_TYPE "${env.BOT_TYPE ?? ''}" must be SingleTenant, MultiTenant or UserAssignedMsi (as on the Azure Bot resource's Configuration page)`, 'BOT_TYPE');
    return;
  }
  if (!GUID.test(env.BOT_ID)) {
    report(ctx, `BOT_ID "${env.BOT_ID}" is not a Microsoft App ID; copy the GUID from the Azure Bot resource's Configuration page`, 'BOT_ID');
  }
  if (type !== 'UserAssignedMsi' && env.BOT_PASSWORD === undefined) {
    report(ctx, `BOT_PASSWORD is missing; a ${type} bot needs the client secret of its app registration`, 'BOT_PASSWORD');
  }
  if (type !== 'MultiTenant' && env.BOT_TENANT_ID === undefined) {
    report(ctx, `BOT_TENANT_ID is missing; a ${type} bot needs the Directory (tenant) ID it is registered in`, 'BOT_TENANT_ID');
  }
}

/** Admin commands are taken only from your own organisation. */
function checkTeamsTenant(env: EachSetting, ctx: z.RefinementCtx): void {
  if (teamsTenantOf(env) === undefined && env.ADMINS.length > 0) {
    report(ctx, 'TEAMS_TENANT_ID is missing; admin commands are taken only from your own organisation: set it to your Directory (tenant) ID', 'TEAMS_TENANT_ID');
  }
}

/** What the bot calls Graph for (mail, installing the app) needs an app to call it as, and mail needs the bot's own address. */
function checkGraphUses(env: EachSetting, ctx: z.RefinementCtx): void {
  const uses = [
    ...(mailIsOn(env) ? ['OUTLOOK_SENDER (mail)'] : []),
    ...(env.TEAMS_APP_CATALOG_ID === undefined ? [] : ['TEAMS_APP_CATALOG_ID (installing the app)']),
  ];
  if (uses.length === 0) return;
  // An own app already refused is not reported as missing as well.
  const ownAppReported = checkOwnGraphApp(env, ctx);
  if (!ownAppReported && (graphCallerOf(env) === undefined || graphUrlOf(env) === undefined)) {
    report(
      ctx,
      `${uses.join(' and ')} ${uses.length === 1 ? 'needs' : 'need'} an app to call Microsoft Graph as: set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET ` +
        '(an app registration with the Mail.Send application permission for mail, User.Read.All and TeamsAppInstallation.ReadWriteForUser.All for installing; ' +
        "when they are empty the bot's own identity is used if BOT_ID is set, with TeamsAppInstallation.ReadWriteSelfForUser.All), or leave them empty",
    );
  }
  if (mailIsOn(env) && env.PUBLIC_URL === undefined) {
    report(ctx, "PUBLIC_URL is missing; mail carries a Claim link to the bot: set it to the bot's https address, like https://leadbotcontoso.azurewebsites.net", 'PUBLIC_URL');
  }
}

/** The admins hear of an unclaimed lead after its people were reminded, not before. */
function checkEscalation(env: EachSetting, ctx: z.RefinementCtx): void {
  const first = env.ESCALATE_AFTER_MINUTES;
  const admins = env.ESCALATE_TO_ADMINS_AFTER_MINUTES;
  if (first > 0 && admins > 0 && admins <= first) {
    report(
      ctx,
      `ESCALATE_TO_ADMINS_AFTER_MINUTES (${String(admins)}) must be more than ESCALATE_AFTER_MINUTES (${String(first)}): the lead's people are reminded first, the admins told after; set it higher, or 0 to never tell the admins`,
      'ESCALATE_TO_ADMINS_AFTER_MINUTES',
    );
  }
}

/** GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET, when any is given; whether a problem with them was reported. */
function checkOwnGraphApp(env: EachSetting, ctx: z.RefinementCtx): boolean {
  const trio = [
    ['GRAPH_TENANT_ID', env.GRAPH_TENANT_ID],
    ['GRAPH_CLIENT_ID', env.GRAPH_CLIENT_ID],
    ['GRAPH_CLIENT_SECRET', env.GRAPH_CLIENT_SECRET],
  ] as const;
  const missing = trio.filter(([, value]) => value === undefined).map(([name]) => name);
  if (missing.length === trio.length) return false;
  if (missing.length > 0) {
    report(
      ctx,
      "GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET go together: set all three (the app registration the bot calls Microsoft Graph as), or none to use the bot's own",
      missing[0],
    );
    return true;
  }
  const badTenant = !TENANT.test(env.GRAPH_TENANT_ID ?? '');
  const badClient = !GUID.test(env.GRAPH_CLIENT_ID ?? '');
  if (badTenant) report(ctx, `GRAPH_TENANT_ID "${env.GRAPH_TENANT_ID ?? ''}" is not a Directory (tenant) ID`, 'GRAPH_TENANT_ID');
  if (badClient) report(ctx, `GRAPH_CLIENT_ID "${env.GRAPH_CLIENT_ID ?? ''}" is not an Application (client) ID; it is a GUID`, 'GRAPH_CLIENT_ID');
  return badTenant || badClient;
}

// What the rules above and the mapping to Settings both read, so that they agree.

/** BOT_TYPE, SingleTenant when absent; undefined when it is none of the three. */
export function botTypeOf(env: Pick<EachSetting, 'BOT_TYPE'>): BotType | undefined {
  const type = env.BOT_TYPE ?? 'SingleTenant';
  return BOT_TYPES.find((known) => known === type);
}

/** TEAMS_TENANT_ID, else BOT_TENANT_ID, else DYNAMICS_TENANT_ID when it is a GUID (a domain name cannot be compared with what Teams sends). */
export function teamsTenantOf(env: EachSetting): string | undefined {
  const dynamicsTenant = env.DYNAMICS_TENANT_ID !== undefined && GUID.test(env.DYNAMICS_TENANT_ID) ? env.DYNAMICS_TENANT_ID : undefined;
  return (env.TEAMS_TENANT_ID ?? env.BOT_TENANT_ID ?? dynamicsTenant)?.toLowerCase();
}

/** Microsoft Graph: GRAPH_URL, else the Graph of the cloud Dynamics signs in to; none for an authority of our own. */
export function graphUrlOf(env: EachSetting): string | undefined {
  return env.GRAPH_URL ?? GRAPH_BY_AUTHORITY[env.DYNAMICS_AUTHORITY_HOST];
}

export function mailIsOn(env: EachSetting): boolean {
  return env.OUTLOOK_SENDER !== undefined && env.OUTLOOK_DELIVERY !== 'off';
}

/** Who the bot signs in to Graph as (graphUrlOf says where Graph is). */
export type GraphCaller =
  | { readonly kind: 'secret'; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'managed-identity'; readonly clientId: string };

/**
 * GRAPH_* when given, else the bot's own identity (an app may install only itself in Teams, so
 * that is the natural one): its registration's secret, or with BOT_TYPE=UserAssignedMsi its
 * managed identity, where App Service hands out its tokens.
 */
export function graphCallerOf(env: EachSetting): GraphCaller | undefined {
  const { GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET, BOT_ID, BOT_PASSWORD, BOT_TENANT_ID } = env;
  if (GRAPH_TENANT_ID !== undefined && GRAPH_CLIENT_ID !== undefined && GRAPH_CLIENT_SECRET !== undefined) {
    return { kind: 'secret', tenantId: GRAPH_TENANT_ID, clientId: GRAPH_CLIENT_ID, clientSecret: GRAPH_CLIENT_SECRET };
  }
  if (GRAPH_TENANT_ID !== undefined || GRAPH_CLIENT_ID !== undefined || GRAPH_CLIENT_SECRET !== undefined || BOT_ID === undefined) return undefined;
  const botType = botTypeOf(env);
  if (botType === 'UserAssignedMsi') return { kind: 'managed-identity', clientId: BOT_ID };
  if (botType === 'SingleTenant' && BOT_PASSWORD !== undefined && BOT_TENANT_ID !== undefined) {
    return { kind: 'secret', tenantId: BOT_TENANT_ID, clientId: BOT_ID, clientSecret: BOT_PASSWORD };
  }
  return undefined;
}
