import { z } from 'zod';
import { GUID } from '../leads/lead-id';
import { connectionStringFields } from './connection-string-fields';
import { parseStorageConnectionString } from '../storage/parse-connection-string';
import { parseCalendarDate } from '../timing/calendar-date';

/**
 * Every setting the bot reads, validated once at start-up. The names are part of the
 * product's contract (admins copy them from Partner Center's connection form): never rename.
 */
export interface Settings {
  readonly port: number;
  /** How long a shutdown (SIGTERM) may take before the process exits anyway. */
  readonly shutdownMs: number;
  readonly logLevel: LogLevel;
  readonly storage: StorageSettings;
  readonly intake: IntakeSettings;
  readonly dynamics: DynamicsSettings;
  readonly pipeline: PipelineSettings;
  /** The Azure Table destination to import from, when configured. */
  readonly tableImport: TableImportSettings | undefined;
  readonly leadContacts: readonly string[];
  readonly bot: BotSettings | undefined;
  /** Proactive messages per second for the whole app (Teams allows 50 per app per tenant). */
  readonly teamsMessagesPerSecond: number;
  /** ADMINS: e-mail addresses / UPNs and Azure AD object ids, lower-cased. */
  readonly admins: readonly string[];
  /**
   * The Microsoft 365 tenant whose people may run admin commands and subscribe to leads:
   * TEAMS_TENANT_ID, else BOT_TENANT_ID, else DYNAMICS_TENANT_ID when it is a GUID.
   */
  readonly teamsTenantId: string | undefined;
  readonly reminders: ReminderSettings;
  /** Application Insights, when APPLICATIONINSIGHTS_CONNECTION_STRING is set; otherwise nothing is exported. */
  readonly telemetry: TelemetrySettings | undefined;
  /** Lead alerts by mail, when OUTLOOK_SENDER is set and OUTLOOK_DELIVERY is not off. */
  readonly outlook: OutlookSettings | undefined;
  /** Installing the Teams app for contacts with no chat with the bot, when TEAMS_APP_CATALOG_ID is set. */
  readonly teamsInstall: { readonly catalogAppId: string; readonly graph: GraphAppSettings } | undefined;
  /** How far back a contact who gets the app late is caught up on unclaimed leads. */
  readonly catchUpHours: number;
}

/** How the bot reaches contacts by Outlook mail (Microsoft Graph sendMail). */
export interface OutlookSettings {
  /** The mailbox the alerts are sent from (its address). */
  readonly sender: string;
  /** fallback: contacts Teams cannot reach; always: every contact, as well as Teams. */
  readonly delivery: 'fallback' | 'always';
  /** The Actionable Email Developer Dashboard's provider id, so Outlook shows the card itself. */
  readonly originatorId: string | undefined;
  /** The bot's own address, for the Claim link in each mail. */
  readonly publicUrl: string;
  /** The app the bot calls Graph as. */
  readonly graph: GraphAppSettings;
}

/** Who the bot signs in to Microsoft Graph as: an app registration (client credentials), or its managed identity. */
export type GraphAppSettings =
  | { readonly kind: 'secret'; readonly url: string; readonly authorityHost: string; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'managed-identity'; readonly url: string; readonly clientId: string };

export interface TelemetrySettings {
  readonly connectionString: string;
}

/** When credentials expire, and how the bot learns it (see src/reminders/). */
export interface ReminderSettings {
  /** How often one instance looks for reminders that are due. */
  readonly checkMinutes: number;
  /** Microsoft Graph, to read expiry dates; undefined where the cloud has none we know (local runs). */
  readonly graphUrl: string | undefined;
  /** The Office 365 password must change this many days after the last change; 0 = never expires. */
  readonly passwordMaxAgeDays: number;
  /** Dates from settings, for when Graph may not be asked (YYYY-MM-DD, as midnight UTC). */
  readonly dynamicsSecretExpires: string | undefined;
  readonly dynamicsPasswordChanged: string | undefined;
  readonly botPasswordExpires: string | undefined;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface StorageSettings {
  readonly connectionString: string;
  /** Prefix for every table and queue name, so several bots (or tests) can share an account. */
  readonly namePrefix: string;
}

export interface IntakeSettings {
  readonly key: string;
  readonly maxBodyBytes: number;
  /** Identical payloads within this window are one lead sent twice. */
  readonly duplicateWindowHours: number;
}

export type DynamicsSettings =
  | (DynamicsCommon & {
      readonly auth: 'aad';
      readonly tenantId: string;
      readonly clientId: string;
      readonly clientSecret: string;
    })
  | (DynamicsCommon & {
      readonly auth: 'o365';
      readonly username: string;
      readonly password: string;
      /** The public client to sign in through; the Dataverse sample client when absent. */
      readonly clientId: string | undefined;
    });

interface DynamicsCommon {
  readonly url: string;
  readonly authorityHost: string;
  /** Dataverse `leadsourcecode` option value (8 = Web). */
  readonly leadSourceCode: number;
  /** Requests in flight at once, per instance; the service allows 52 per user. */
  readonly maxConcurrency: number;
  readonly timeoutMs: number;
}

export interface PipelineSettings {
  /** How long a lead whose writes keep failing for a passing reason is retried before it is dead-lettered. */
  readonly retryHours: number;
}

export interface TableImportSettings {
  readonly connectionString: string;
  readonly tableName: string;
  readonly pollSeconds: number;
}

export interface BotSettings {
  readonly id: string;
  readonly password: string | undefined;
  readonly tenantId: string | undefined;
  readonly type: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMsi';
}

/** Raised when settings are missing or malformed; each problem names the variable and the fix. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The bot's settings are not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

const EMAIL = /^[^\s@;,]+@[^\s@;,]+\.[^\s@;,]+$/;
const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i;
/** Pasted into a URL as ?code=…, so it must need no escaping. */
const URL_SAFE_KEY = /^[A-Za-z0-9._~-]{16,256}$/;
const STORAGE_PREFIX = /^[a-z][a-z0-9]{1,19}$/;

const KEY_FIX =
  'use 16 or more letters, digits, "-", "_", "." or "~" (it goes into the Partner Center URL as ?code=…); ' +
  `generate one with: node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))"`;

/** Environment variables are strings or absent; an empty string counts as absent. */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

function integer(name: string, min: number, max: number, fallback: number) {
  return optionalText.transform((v, ctx) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name} "${v}" must be a whole number from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

function httpsOrigin(name: string, example: string) {
  return (v: string | undefined, ctx: z.RefinementCtx): string | undefined => {
    if (v === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${name} "${v}" is not a URL; use the form ${example}` });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' || url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} "${v}" must be an https address with no path or query, like ${example}`,
      });
      return z.NEVER;
    }
    return url.origin;
  };
}

/** A calendar date, YYYY-MM-DD, that exists (not 2026-02-30); ISO midnight UTC. */
function isoDate(name: string) {
  return optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    const date = parseCalendarDate(v);
    if (date === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} "${v}" is not a date; write it as YYYY-MM-DD, like 2027-03-31` });
      return z.NEVER;
    }
    return date.toISOString();
  });
}

function list(name: string, pattern: RegExp, what: string) {
  return optionalText.transform((v, ctx) => {
    const items = (v ?? '')
      .split(/[;,]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const bad = items.filter((s) => !pattern.test(s));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} has ${bad.map((b) => `"${b}"`).join(', ')}, which ${bad.length === 1 ? 'is' : 'are'} not ${what}; separate entries with semicolons`,
      });
      return z.NEVER;
    }
    return [...new Set(items.map((s) => s.toLowerCase()))];
  });
}

const schema = z.object({
  PORT: integer('PORT', 1, 65535, 3978),
  SHUTDOWN_SECONDS: integer('SHUTDOWN_SECONDS', 1, 600, 20),
  LOG_LEVEL: optionalText.pipe(
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        errorMap: () => ({ message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent' }),
      })
      .default('info'),
  ),
  STORAGE_CONNECTION_STRING: optionalText.transform((v, ctx) => {
    if (v === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'STORAGE_CONNECTION_STRING is missing; copy the connection string from the storage account\'s "Access keys" page in the Azure portal (locally, `npm run local` uses Azurite)',
      });
      return z.NEVER;
    }
    const problem = parseStorageConnectionString(v).problem;
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `STORAGE_CONNECTION_STRING ${problem}` });
      return z.NEVER;
    }
    return v;
  }),
  STORAGE_NAME_PREFIX: optionalText.transform((v, ctx) => {
    const prefix = v ?? 'leadbot';
    if (!STORAGE_PREFIX.test(prefix)) {
      ctx.addIssue({
        code: 'custom',
        message: `STORAGE_NAME_PREFIX "${prefix}" must be 2 to 20 lower-case letters or digits, starting with a letter`,
      });
      return z.NEVER;
    }
    return prefix;
  }),
  LEAD_INTAKE_KEY: optionalText.transform((v, ctx) => {
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: `LEAD_INTAKE_KEY is missing; ${KEY_FIX}` });
      return z.NEVER;
    }
    if (!URL_SAFE_KEY.test(v)) {
      // Never echo the value: it is a secret.
      ctx.addIssue({ code: 'custom', message: `LEAD_INTAKE_KEY is not usable; ${KEY_FIX}` });
      return z.NEVER;
    }
    return v;
  }),
  LEAD_MAX_BODY_BYTES: integer('LEAD_MAX_BODY_BYTES', 1024, 1024 * 1024, 32 * 1024),
  // At least an hour: with no window, a sender's retry would become a second lead.
  LEAD_DUPLICATE_WINDOW_HOURS: integer('LEAD_DUPLICATE_WINDOW_HOURS', 1, 24 * 365, 24),
  DYNAMICS_URL: optionalText.transform(httpsOrigin('DYNAMICS_URL', 'https://contoso.crm4.dynamics.com')),
  DYNAMICS_AUTH: optionalText,
  DYNAMICS_TENANT_ID: optionalText,
  DYNAMICS_CLIENT_ID: optionalText,
  DYNAMICS_CLIENT_SECRET: optionalText,
  DYNAMICS_USERNAME: optionalText,
  DYNAMICS_PASSWORD: optionalText,
  DYNAMICS_AUTHORITY_HOST: optionalText.transform(
    httpsOrigin('DYNAMICS_AUTHORITY_HOST', 'https://login.microsoftonline.com'),
  ),
  DYNAMICS_LEAD_SOURCE_CODE: integer('DYNAMICS_LEAD_SOURCE_CODE', 1, 2_147_483_647, 8),
  DYNAMICS_MAX_CONCURRENCY: integer('DYNAMICS_MAX_CONCURRENCY', 1, 52, 8),
  DYNAMICS_TIMEOUT_SECONDS: integer('DYNAMICS_TIMEOUT_SECONDS', 1, 600, 30),
  // Three days ride out a long Dynamics outage or a weekend; a lead is never dropped for a count of tries.
  LEAD_RETRY_HOURS: integer('LEAD_RETRY_HOURS', 1, 24 * 30, 72),
  LEAD_TABLE_CONNECTION_STRING: optionalText.transform((v, ctx) => {
    const problem = v === undefined ? undefined : parseStorageConnectionString(v).problem;
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `LEAD_TABLE_CONNECTION_STRING ${problem}` });
      return z.NEVER;
    }
    return v;
  }),
  LEAD_TABLE_NAME: optionalText.transform((v, ctx) => {
    const name = v ?? 'marketplaceleads';
    if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(name)) {
      ctx.addIssue({ code: 'custom', message: `LEAD_TABLE_NAME "${name}" is not a table name (3 to 63 letters or digits)` });
      return z.NEVER;
    }
    return name;
  }),
  LEAD_TABLE_POLL_SECONDS: integer('LEAD_TABLE_POLL_SECONDS', 5, 24 * 3600, 60),
  LEAD_CONTACTS: list('LEAD_CONTACTS', EMAIL, 'an e-mail address'),
  TEAMS_MESSAGES_PER_SECOND: integer('TEAMS_MESSAGES_PER_SECOND', 1, 50, 30),
  BOT_ID: optionalText,
  BOT_PASSWORD: optionalText,
  BOT_TENANT_ID: optionalText,
  BOT_TYPE: optionalText,
  TEAMS_TENANT_ID: optionalText.transform((v, ctx) => {
    if (v !== undefined && !GUID.test(v)) {
      ctx.addIssue({ code: 'custom', message: `TEAMS_TENANT_ID "${v}" is not a Directory (tenant) ID; copy the GUID from Microsoft Entra admin center > Overview` });
      return z.NEVER;
    }
    return v?.toLowerCase();
  }),
  REMINDER_CHECK_MINUTES: integer('REMINDER_CHECK_MINUTES', 1, 24 * 60, 60),
  GRAPH_URL: optionalText.transform(httpsOrigin('GRAPH_URL', 'https://graph.microsoft.com')),
  DYNAMICS_PASSWORD_MAX_AGE_DAYS: integer('DYNAMICS_PASSWORD_MAX_AGE_DAYS', 0, 730, 90),
  DYNAMICS_CLIENT_SECRET_EXPIRES: isoDate('DYNAMICS_CLIENT_SECRET_EXPIRES'),
  DYNAMICS_PASSWORD_CHANGED: isoDate('DYNAMICS_PASSWORD_CHANGED'),
  BOT_PASSWORD_EXPIRES: isoDate('BOT_PASSWORD_EXPIRES'),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalText.transform((v, ctx) => {
    const problem = v === undefined ? undefined : connectionStringProblem(v);
    if (problem !== undefined) {
      // Not echoed: it carries the resource's instrumentation key.
      ctx.addIssue({ code: 'custom', message: `APPLICATIONINSIGHTS_CONNECTION_STRING ${problem}; copy it from the Application Insights resource's Overview page` });
      return z.NEVER;
    }
    return v;
  }),
  ADMINS: list('ADMINS', new RegExp(`${EMAIL.source}|${GUID.source}`, 'i'), 'an e-mail address or an Azure AD object id'),
  GRAPH_TENANT_ID: optionalText,
  GRAPH_CLIENT_ID: optionalText,
  GRAPH_CLIENT_SECRET: optionalText,
  OUTLOOK_SENDER: optionalText.transform((v, ctx) => {
    if (v !== undefined && !EMAIL.test(v)) {
      ctx.addIssue({ code: 'custom', message: `OUTLOOK_SENDER "${v}" is not a mailbox address; use the address of the mailbox alerts are sent from, like leads@contoso.com` });
      return z.NEVER;
    }
    return v?.toLowerCase();
  }),
  OUTLOOK_DELIVERY: optionalText.pipe(
    z.enum(['fallback', 'always', 'off'], { errorMap: () => ({ message: 'OUTLOOK_DELIVERY must be fallback (contacts Teams cannot reach), always (every contact, as well as Teams) or off' }) }).default('fallback'),
  ),
  OUTLOOK_ORIGINATOR_ID: optionalText.transform((v, ctx) => {
    if (v !== undefined && !GUID.test(v)) {
      ctx.addIssue({ code: 'custom', message: `OUTLOOK_ORIGINATOR_ID "${v}" is not a provider id; copy the GUID the Actionable Email Developer Dashboard gave your provider` });
      return z.NEVER;
    }
    return v?.toLowerCase();
  }),
  TEAMS_APP_CATALOG_ID: optionalText.transform((v, ctx) => {
    if (v !== undefined && !GUID.test(v)) {
      ctx.addIssue({ code: 'custom', message: `TEAMS_APP_CATALOG_ID "${v}" is not a catalog app id; copy the App ID the Teams admin center shows for the app under Manage apps (not the manifest id)` });
      return z.NEVER;
    }
    return v?.toLowerCase();
  }),
  LEAD_CATCH_UP_HOURS: integer('LEAD_CATCH_UP_HOURS', 1, 24 * 7, 24),
  PUBLIC_URL: optionalText.transform((v, ctx) => {
    if (v === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `PUBLIC_URL "${v}" is not a URL; use the bot's https address, like https://leadbotcontoso.azurewebsites.net` });
      return z.NEVER;
    }
    // Links in mail go over the internet: https, except to this machine's own loopback address.
    const loopback = url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if ((url.protocol !== 'https:' && !loopback) || url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '')) {
      ctx.addIssue({ code: 'custom', message: `PUBLIC_URL "${v}" must be the bot's https address with no path, like https://leadbotcontoso.azurewebsites.net (plain http only for a loopback address)` });
      return z.NEVER;
    }
    return url.origin;
  }),
});

type Parsed = z.output<typeof schema>;

/** Every environment variable the settings are read from (APP_ENV, read by main, aside). */
export const SETTING_NAMES: readonly string[] = Object.keys(schema.shape);

/** Reads settings from an environment (process.env, or the merge made by readEnvFiles). */
export function loadSettings(env: Readonly<Record<string, string | undefined>>): Settings {
  // Each setting on its own, so one bad value does not hide the problems of the others.
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  const unresolved: string[] = [];
  for (const [name, field] of Object.entries(schema.shape)) {
    if (env[name]?.trim().startsWith(KEY_VAULT_REFERENCE) === true) {
      unresolved.push(name);
      continue;
    }
    const result = field.safeParse(env[name]);
    if (result.success) parsed[name] = result.data;
    else problems.push(...result.error.issues.map((i) => i.message));
  }
  if (unresolved.length > 0) problems.push(unresolvedReferences(unresolved, env));
  const s = parsed as Parsed;
  const given = (name: string): boolean => (env[name] ?? '').trim() !== '';
  const settings: Settings = {
    port: s.PORT,
    shutdownMs: s.SHUTDOWN_SECONDS * 1000,
    logLevel: s.LOG_LEVEL,
    storage: { connectionString: s.STORAGE_CONNECTION_STRING, namePrefix: s.STORAGE_NAME_PREFIX },
    intake: {
      key: s.LEAD_INTAKE_KEY,
      maxBodyBytes: s.LEAD_MAX_BODY_BYTES,
      duplicateWindowHours: s.LEAD_DUPLICATE_WINDOW_HOURS,
    },
    dynamics: readDynamics(s, given, problems),
    pipeline: { retryHours: s.LEAD_RETRY_HOURS },
    tableImport:
      s.LEAD_TABLE_CONNECTION_STRING === undefined
        ? undefined
        : {
            connectionString: s.LEAD_TABLE_CONNECTION_STRING,
            tableName: s.LEAD_TABLE_NAME,
            pollSeconds: s.LEAD_TABLE_POLL_SECONDS,
          },
    leadContacts: s.LEAD_CONTACTS,
    bot: readBot(s, problems),
    teamsMessagesPerSecond: s.TEAMS_MESSAGES_PER_SECOND,
    admins: s.ADMINS,
    teamsTenantId: readTeamsTenant(s, problems),
    reminders: {
      checkMinutes: s.REMINDER_CHECK_MINUTES,
      graphUrl: s.GRAPH_URL ?? graphOfCloud(s.DYNAMICS_AUTHORITY_HOST ?? PUBLIC_AUTHORITY),
      passwordMaxAgeDays: s.DYNAMICS_PASSWORD_MAX_AGE_DAYS,
      dynamicsSecretExpires: s.DYNAMICS_CLIENT_SECRET_EXPIRES,
      dynamicsPasswordChanged: s.DYNAMICS_PASSWORD_CHANGED,
      botPasswordExpires: s.BOT_PASSWORD_EXPIRES,
    },
    telemetry: s.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined ? undefined : { connectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING },
    ...readGraphUses(s, problems),
    catchUpHours: s.LEAD_CATCH_UP_HOURS,
  };
  if (problems.length > 0) throw new SettingsError(problems);
  return Object.freeze(settings);
}

/**
 * App Service replaces `@Microsoft.KeyVault(...)` with the secret; when it cannot (no access, no
 * such secret), the app gets the reference itself.
 */
const KEY_VAULT_REFERENCE = '@Microsoft.KeyVault(';

/**
 * Right after provisioning this is usually the vault role not having taken effect yet: App Service
 * then keeps the unresolved reference until its settings change or it is asked to read them again
 * (for up to a day otherwise; a restart is not documented to do it), so the fix names that call, for this very site when App
 * Service's own variables say which it is (WEBSITE_OWNER_NAME starts with the subscription id).
 */
function unresolvedReferences(names: readonly string[], env: Readonly<Record<string, string | undefined>>): string {
  const subscription = /^([0-9a-f-]{36})\+/i.exec(env.WEBSITE_OWNER_NAME ?? '')?.[1];
  const site =
    subscription !== undefined && env.WEBSITE_RESOURCE_GROUP && env.WEBSITE_SITE_NAME
      ? `/subscriptions/${subscription}/resourceGroups/${env.WEBSITE_RESOURCE_GROUP}/providers/Microsoft.Web/sites/${env.WEBSITE_SITE_NAME}`
      : '<the App Service resource id>';
  return (
    `${names.join(', ')} ${names.length === 1 ? 'is a Key Vault reference' : 'are Key Vault references'} App Service has not resolved. ` +
    `Right after provisioning the app identity's "Key Vault Secrets User" role can take some minutes to take effect; ` +
    `App Service > Environment variables shows each reference's status. Then make App Service read them again ` +
    `(a restart is not documented to): az rest --method post --url "${site}/config/configreferences/appsettings/refresh?api-version=2022-03-01" ` +
    `(or run \`atk provision\` again). If the status says the secret is missing or access is denied, check the secret ` +
    `exists in the vault and the identity has that role`
  );
}

/** What is wrong with an Application Insights connection string, if anything. */
function connectionStringProblem(value: string): string | undefined {
  const fields = connectionStringFields(value);
  if (fields === undefined) return 'is not a connection string';
  if (!GUID.test(fields.get('instrumentationkey') ?? '')) return 'has no InstrumentationKey=<GUID>';
  const endpoint = fields.get('ingestionendpoint');
  if (endpoint === undefined) return 'has no IngestionEndpoint=https://…';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'has an IngestionEndpoint that is not a URL';
  }
  // The exporter would turn http into https anyway.
  if (url.protocol !== 'https:') return 'has an IngestionEndpoint that is not https';
  return undefined;
}

function readDynamics(s: Parsed, given: (name: string) => boolean, problems: string[]): DynamicsSettings {
  const require = (name: string, value: string | undefined, fix: string): string => {
    // A value that is present but malformed has been reported already.
    if (value === undefined && !given(name)) problems.push(`${name} is missing; ${fix}`);
    return value ?? '';
  };
  const url = require('DYNAMICS_URL', s.DYNAMICS_URL, 'use your Dynamics 365 address, like https://contoso.crm4.dynamics.com');
  const common = {
    url,
    authorityHost: s.DYNAMICS_AUTHORITY_HOST ?? PUBLIC_AUTHORITY,
    leadSourceCode: s.DYNAMICS_LEAD_SOURCE_CODE,
    maxConcurrency: s.DYNAMICS_MAX_CONCURRENCY,
    timeoutMs: s.DYNAMICS_TIMEOUT_SECONDS * 1000,
  };
  const auth = s.DYNAMICS_AUTH?.toLowerCase();
  if (auth === 'aad') {
    const tenantId = require('DYNAMICS_TENANT_ID', s.DYNAMICS_TENANT_ID, 'copy the Directory (tenant) ID from the app registration\'s Overview page');
    const clientId = require('DYNAMICS_CLIENT_ID', s.DYNAMICS_CLIENT_ID, 'copy the Application (client) ID from the app registration\'s Overview page');
    const clientSecret = require('DYNAMICS_CLIENT_SECRET', s.DYNAMICS_CLIENT_SECRET, 'create a client secret under the app registration\'s "Certificates & secrets" and copy its Value');
    if (tenantId !== '' && !TENANT.test(tenantId)) {
      problems.push(`DYNAMICS_TENANT_ID "${tenantId}" is not a Directory (tenant) ID; it looks like 72f988bf-86f1-41af-91ab-2d7cd011db47 or contoso.onmicrosoft.com`);
    }
    if (clientId !== '' && !GUID.test(clientId)) {
      problems.push(`DYNAMICS_CLIENT_ID "${clientId}" is not an Application (client) ID; it is a GUID such as 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`);
    }
    return { ...common, auth, tenantId, clientId, clientSecret };
  }
  if (auth === 'o365') {
    const username = require('DYNAMICS_USERNAME', s.DYNAMICS_USERNAME, 'use the Office 365 user\'s sign-in name, like leads@contoso.com');
    const password = require('DYNAMICS_PASSWORD', s.DYNAMICS_PASSWORD, 'use that user\'s current password');
    if (username !== '' && !EMAIL.test(username)) {
      problems.push(`DYNAMICS_USERNAME "${username}" is not a user name; use the sign-in address, like leads@contoso.com`);
    }
    if (s.DYNAMICS_CLIENT_ID !== undefined && !GUID.test(s.DYNAMICS_CLIENT_ID)) {
      problems.push(`DYNAMICS_CLIENT_ID "${s.DYNAMICS_CLIENT_ID}" is not an Application (client) ID; leave it empty to sign in through Microsoft's Dataverse sample client`);
    }
    return { ...common, auth, username, password, clientId: s.DYNAMICS_CLIENT_ID };
  }
  problems.push(
    !given('DYNAMICS_AUTH')
      ? 'DYNAMICS_AUTH is missing; set it to "aad" (Azure AD app, recommended) or "o365" (Office 365 user)'
      : `DYNAMICS_AUTH "${s.DYNAMICS_AUTH}" must be "aad" (Azure AD app, recommended) or "o365" (Office 365 user)`,
  );
  return { ...common, auth: 'aad', tenantId: '', clientId: '', clientSecret: '' };
}

const PUBLIC_AUTHORITY = 'https://login.microsoftonline.com';

/** Each Microsoft cloud's Graph, by its sign-in authority; none for an authority of our own (local runs). */
const GRAPH_BY_AUTHORITY: Readonly<Record<string, string>> = {
  [PUBLIC_AUTHORITY]: 'https://graph.microsoft.com',
  'https://login.microsoftonline.us': 'https://graph.microsoft.us',
  'https://login.partner.microsoftonline.cn': 'https://microsoftgraph.chinacloudapi.cn',
  'https://login.chinacloudapi.cn': 'https://microsoftgraph.chinacloudapi.cn',
};

function graphOfCloud(authorityHost: string): string | undefined {
  return GRAPH_BY_AUTHORITY[authorityHost];
}

function readTeamsTenant(s: Parsed, problems: string[]): string | undefined {
  const dynamicsTenant = s.DYNAMICS_TENANT_ID !== undefined && GUID.test(s.DYNAMICS_TENANT_ID) ? s.DYNAMICS_TENANT_ID : undefined;
  const tenant = (s.TEAMS_TENANT_ID ?? s.BOT_TENANT_ID ?? dynamicsTenant)?.toLowerCase();
  if (tenant === undefined && s.ADMINS.length > 0) {
    problems.push('TEAMS_TENANT_ID is missing; admin commands are taken only from your own organisation: set it to your Directory (tenant) ID');
  }
  return tenant;
}

function readBot(s: Parsed, problems: string[]): BotSettings | undefined {
  if (s.BOT_ID === undefined) return undefined;
  const type = s.BOT_TYPE ?? 'SingleTenant';
  if (type !== 'SingleTenant' && type !== 'MultiTenant' && type !== 'UserAssignedMsi') {
    problems.push(`BOT_TYPE "${type}" must be SingleTenant, MultiTenant or UserAssignedMsi (as on the Azure Bot resource's Configuration page)`);
    return undefined;
  }
  if (!GUID.test(s.BOT_ID)) {
    problems.push(`BOT_ID "${s.BOT_ID}" is not a Microsoft App ID; copy the GUID from the Azure Bot resource's Configuration page`);
  }
  if (type !== 'UserAssignedMsi' && s.BOT_PASSWORD === undefined) {
    problems.push(`BOT_PASSWORD is missing; a ${type} bot needs the client secret of its app registration`);
  }
  if (type !== 'MultiTenant' && s.BOT_TENANT_ID === undefined) {
    problems.push(`BOT_TENANT_ID is missing; a ${type} bot needs the Directory (tenant) ID it is registered in`);
  }
  return { id: s.BOT_ID, password: s.BOT_PASSWORD, tenantId: s.BOT_TENANT_ID, type };
}

/**
 * The app the bot calls Graph as: GRAPH_* when given, else the bot's own identity (an app may
 * install only itself in Teams, so that is the natural one): its registration's secret, or with
 * BOT_TYPE=UserAssignedMsi its managed identity, where App Service hands out its tokens.
 */
function readGraphApp(s: Parsed, problems: string[]): GraphAppSettings | undefined {
  const graphUrl = s.GRAPH_URL ?? graphOfCloud(s.DYNAMICS_AUTHORITY_HOST ?? PUBLIC_AUTHORITY);
  const authorityHost = s.DYNAMICS_AUTHORITY_HOST ?? PUBLIC_AUTHORITY;
  const given = [s.GRAPH_TENANT_ID, s.GRAPH_CLIENT_ID, s.GRAPH_CLIENT_SECRET];
  if (given.some((v) => v !== undefined)) {
    if (given.some((v) => v === undefined)) {
      problems.push('GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET go together: set all three (the app registration the bot calls Microsoft Graph as), or none to use the bot\'s own');
      return undefined;
    }
    if (!TENANT.test(s.GRAPH_TENANT_ID ?? '')) problems.push(`GRAPH_TENANT_ID "${s.GRAPH_TENANT_ID ?? ''}" is not a Directory (tenant) ID`);
    if (!GUID.test(s.GRAPH_CLIENT_ID ?? '')) problems.push(`GRAPH_CLIENT_ID "${s.GRAPH_CLIENT_ID ?? ''}" is not an Application (client) ID; it is a GUID`);
    if (graphUrl === undefined) return undefined;
    return { kind: 'secret', url: graphUrl, authorityHost, tenantId: s.GRAPH_TENANT_ID ?? '', clientId: s.GRAPH_CLIENT_ID ?? '', clientSecret: s.GRAPH_CLIENT_SECRET ?? '' };
  }
  const botType = s.BOT_TYPE ?? 'SingleTenant';
  if (s.BOT_ID === undefined || graphUrl === undefined) return undefined;
  if (botType === 'UserAssignedMsi') return { kind: 'managed-identity', url: graphUrl, clientId: s.BOT_ID };
  if (s.BOT_PASSWORD !== undefined && s.BOT_TENANT_ID !== undefined && botType === 'SingleTenant') {
    return { kind: 'secret', url: graphUrl, authorityHost, tenantId: s.BOT_TENANT_ID, clientId: s.BOT_ID, clientSecret: s.BOT_PASSWORD };
  }
  return undefined;
}

/** What the bot calls Graph for (mail, installing the app), each with the app it calls it as. */
function readGraphUses(s: Parsed, problems: string[]): Pick<Settings, 'outlook' | 'teamsInstall'> {
  const mailOn = s.OUTLOOK_SENDER !== undefined && s.OUTLOOK_DELIVERY !== 'off';
  if (!mailOn && s.TEAMS_APP_CATALOG_ID === undefined) return { outlook: undefined, teamsInstall: undefined };
  const before = problems.length;
  const graph = readGraphApp(s, problems);
  if (graph === undefined && problems.length === before) {
    const uses = [mailOn ? 'OUTLOOK_SENDER (mail)' : '', s.TEAMS_APP_CATALOG_ID === undefined ? '' : 'TEAMS_APP_CATALOG_ID (installing the app)'].filter((u) => u !== '');
    problems.push(
      `${uses.join(' and ')} ${uses.length === 1 ? 'needs' : 'need'} an app to call Microsoft Graph as: set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET ` +
        "(an app registration with the Mail.Send application permission for mail, User.Read.All and TeamsAppInstallation.ReadWriteForUser.All for installing; " +
        "when they are empty the bot's own identity is used if BOT_ID is set, with TeamsAppInstallation.ReadWriteSelfForUser.All), or leave them empty",
    );
  }
  if (mailOn && s.PUBLIC_URL === undefined) {
    problems.push("PUBLIC_URL is missing; mail carries a Claim link to the bot: set it to the bot's https address, like https://leadbotcontoso.azurewebsites.net");
  }
  const outlook =
    mailOn && graph !== undefined && s.PUBLIC_URL !== undefined && s.OUTLOOK_SENDER !== undefined
      ? { sender: s.OUTLOOK_SENDER, delivery: s.OUTLOOK_DELIVERY === 'always' ? ('always' as const) : ('fallback' as const), originatorId: s.OUTLOOK_ORIGINATOR_ID, publicUrl: s.PUBLIC_URL, graph }
      : undefined;
  const teamsInstall = s.TEAMS_APP_CATALOG_ID !== undefined && graph !== undefined ? { catalogAppId: s.TEAMS_APP_CATALOG_ID, graph } : undefined;
  return { outlook, teamsInstall };
}
