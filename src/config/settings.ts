import type { ZodIssue } from 'zod';
import type { Route } from '../routing/route';
import type { Reader } from '../language/language';
import { hostedProblems } from './hosted-checks';
import {
  botTypeOf,
  environmentSchema,
  graphCallerOf,
  graphUrlOf,
  mailIsOn,
  SETTING_NAMES,
  teamsTenantOf,
  type Environment,
} from './settings-schema';

export { SETTING_NAMES };

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
  /** LEAD_CONTACTS: the route of last resort, for leads no route takes. */
  readonly leadContacts: readonly string[];
  /** OWN_DOMAINS: the publisher's own mail domains; their leads go to the admins only. */
  readonly ownDomains: readonly string[];
  /** ESCALATE_AFTER_MINUTES and ESCALATE_TO_ADMINS_AFTER_MINUTES: when an unclaimed lead is announced again (0: never). */
  readonly escalation: EscalationSettings;
  /** DIGEST_HOUR: the hour of the day, in BOT_TIME_ZONE, the daily digest goes out. */
  readonly digestHour: number;
  /** SELF_CHECK_HOURS: how often the scheduled self-check runs validate's path (0: never). */
  readonly selfCheckHours: number;
  /** LEAD_ROUTES_FILE's routes, in order (chat commands add more, kept in storage). */
  readonly routes: readonly Route[];
  readonly bot: BotSettings | undefined;
  /** Proactive messages per second for the whole app (Teams allows 50 per app per tenant). */
  readonly teamsMessagesPerSecond: number;
  /** ADMINS: e-mail addresses / UPNs and Azure AD object ids, lower-cased. */
  readonly admins: readonly string[];
  /** BOT_LANGUAGE and BOT_TIME_ZONE: how the bot writes where no one's own language is known. */
  readonly reader: Reader;
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

/**
 * A lead nobody claimed is announced again to its people after `afterMinutes`, then to the admins
 * and the chats that chose escalations after `toAdminsAfterMinutes` (both counted from when it was first announced; 0: that step never).
 */
export interface EscalationSettings {
  readonly afterMinutes: number;
  readonly toAdminsAfterMinutes: number;
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
  /** LEAD_TABLE_IMPORT_FROM: the day (ISO) older rows are imported from; undefined: from the first start with the import on. */
  readonly importFrom: string | undefined;
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

/** Reads settings from an environment (process.env, or the merge made by readEnvFiles). */
export function loadSettings(env: Readonly<Record<string, string | undefined>>): Settings {
  const read = environmentSchema.safeParse(env);
  const unresolved = SETTING_NAMES.filter((name) => env[name]?.trim().startsWith(KEY_VAULT_REFERENCE) === true);
  // A reference is not the admin's value: what the schema says of it would only mislead, and might quote it.
  const problems = (read.error?.issues ?? []).filter((issue) => !unresolved.includes(settingOf(issue))).map((issue) => issue.message);
  if (unresolved.length > 0) problems.push(unresolvedReferences(unresolved, env));
  problems.push(...hostedProblems(env));
  if (!read.success || problems.length > 0) throw new SettingsError(problems);
  return Object.freeze(toSettings(read.data));
}

/** The setting an issue is about; empty when it is about several. */
function settingOf(issue: ZodIssue): string {
  const [setting] = issue.path;
  return typeof setting === 'string' ? setting : '';
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

function toSettings(env: Environment): Settings {
  return {
    port: env.PORT,
    shutdownMs: env.SHUTDOWN_SECONDS * 1000,
    logLevel: env.LOG_LEVEL,
    storage: { connectionString: env.STORAGE_CONNECTION_STRING, namePrefix: env.STORAGE_NAME_PREFIX },
    intake: {
      key: env.LEAD_INTAKE_KEY,
      maxBodyBytes: env.LEAD_MAX_BODY_BYTES,
      duplicateWindowHours: env.LEAD_DUPLICATE_WINDOW_HOURS,
    },
    dynamics: readDynamics(env),
    pipeline: { retryHours: env.LEAD_RETRY_HOURS },
    tableImport:
      env.LEAD_TABLE_CONNECTION_STRING === undefined
        ? undefined
        : {
            connectionString: env.LEAD_TABLE_CONNECTION_STRING,
            tableName: env.LEAD_TABLE_NAME,
            pollSeconds: env.LEAD_TABLE_POLL_SECONDS,
            importFrom: env.LEAD_TABLE_IMPORT_FROM,
          },
    leadContacts: env.LEAD_CONTACTS,
    ownDomains: env.OWN_DOMAINS,
    escalation: { afterMinutes: env.ESCALATE_AFTER_MINUTES, toAdminsAfterMinutes: env.ESCALATE_TO_ADMINS_AFTER_MINUTES },
    digestHour: env.DIGEST_HOUR,
    selfCheckHours: env.SELF_CHECK_HOURS,
    routes: env.LEAD_ROUTES_FILE,
    bot: readBot(env),
    teamsMessagesPerSecond: env.TEAMS_MESSAGES_PER_SECOND,
    admins: env.ADMINS,
    reader: { language: env.BOT_LANGUAGE, timeZone: env.BOT_TIME_ZONE },
    teamsTenantId: teamsTenantOf(env),
    reminders: {
      checkMinutes: env.REMINDER_CHECK_MINUTES,
      graphUrl: graphUrlOf(env),
      passwordMaxAgeDays: env.DYNAMICS_PASSWORD_MAX_AGE_DAYS,
      dynamicsSecretExpires: env.DYNAMICS_CLIENT_SECRET_EXPIRES,
      dynamicsPasswordChanged: env.DYNAMICS_PASSWORD_CHANGED,
      botPasswordExpires: env.BOT_PASSWORD_EXPIRES,
    },
    telemetry: env.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined ? undefined : { connectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING },
    ...readGraphUses(env),
    catchUpHours: env.LEAD_CATCH_UP_HOURS,
  };
}

function readDynamics(env: Environment): DynamicsSettings {
  const common = {
    url: env.DYNAMICS_URL,
    authorityHost: env.DYNAMICS_AUTHORITY_HOST,
    leadSourceCode: env.DYNAMICS_LEAD_SOURCE_CODE,
    maxConcurrency: env.DYNAMICS_MAX_CONCURRENCY,
    timeoutMs: env.DYNAMICS_TIMEOUT_SECONDS * 1000,
  };
  const signIn = env.dynamicsSignIn;
  return signIn.DYNAMICS_AUTH === 'aad'
    ? { ...common, auth: 'aad', tenantId: signIn.DYNAMICS_TENANT_ID, clientId: signIn.DYNAMICS_CLIENT_ID, clientSecret: signIn.DYNAMICS_CLIENT_SECRET }
    : { ...common, auth: 'o365', username: signIn.DYNAMICS_USERNAME, password: signIn.DYNAMICS_PASSWORD, clientId: signIn.DYNAMICS_CLIENT_ID };
}

function readBot(env: Environment): BotSettings | undefined {
  const type = botTypeOf(env);
  if (env.BOT_ID === undefined || type === undefined) return undefined;
  return { id: env.BOT_ID, password: env.BOT_PASSWORD, tenantId: env.BOT_TENANT_ID, type };
}

function readGraphApp(env: Environment): GraphAppSettings | undefined {
  const caller = graphCallerOf(env);
  const url = graphUrlOf(env);
  if (caller === undefined || url === undefined) return undefined;
  return caller.kind === 'secret' ? { ...caller, url, authorityHost: env.DYNAMICS_AUTHORITY_HOST } : { ...caller, url };
}

/** What the bot calls Graph for (mail, installing the app), each with the app it calls it as. */
function readGraphUses(env: Environment): Pick<Settings, 'outlook' | 'teamsInstall'> {
  const graph = readGraphApp(env);
  if (graph === undefined) return { outlook: undefined, teamsInstall: undefined };
  const outlook =
    mailIsOn(env) && env.OUTLOOK_SENDER !== undefined && env.PUBLIC_URL !== undefined
      ? {
          sender: env.OUTLOOK_SENDER,
          delivery: env.OUTLOOK_DELIVERY === 'always' ? ('always' as const) : ('fallback' as const),
          originatorId: env.OUTLOOK_ORIGINATOR_ID,
          publicUrl: env.PUBLIC_URL,
          graph,
        }
      : undefined;
  const teamsInstall = env.TEAMS_APP_CATALOG_ID === undefined ? undefined : { catalogAppId: env.TEAMS_APP_CATALOG_ID, graph };
  return { outlook, teamsInstall };
}
