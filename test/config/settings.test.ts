import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvFiles } from '../../src/config/read-env-files';
import { LOCAL_INTAKE_KEY } from '../../src/config/hosted-checks';
import { loadSettings, SettingsError } from '../../src/config/settings';

const AAD = {
  DYNAMICS_URL: 'https://contoso.crm4.dynamics.com/',
  DYNAMICS_AUTH: 'aad',
  DYNAMICS_TENANT_ID: 'contoso.onmicrosoft.com',
  DYNAMICS_CLIENT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
  DYNAMICS_CLIENT_SECRET: 's3cret',
};
const BASE = {
  STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  LEAD_INTAKE_KEY: 'a-long-enough-intake-key',
  ...AAD,
};
const NO_DYNAMICS = {
  STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  LEAD_INTAKE_KEY: 'a-long-enough-intake-key',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the settings to be refused');
}

describe('loadSettings', () => {
  it('applies the defaults', () => {
    const s = loadSettings(BASE);
    expect(s.port).toBe(3978);
    expect(s.storage.namePrefix).toBe('leadbot');
    expect(s.intake).toEqual({ key: BASE.LEAD_INTAKE_KEY, maxBodyBytes: 32768, duplicateWindowHours: 24 });
    expect(s.dynamics).toMatchObject({ leadSourceCode: 8, maxConcurrency: 52, timeoutMs: 30_000 });
    expect(s.pipeline).toEqual({ retryHours: 72 });
    expect(s.tableImport).toBeUndefined();
    expect(s.bot).toBeUndefined();
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('names each missing required setting and how to fix it', () => {
    const problems = problemsOf({});
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^STORAGE_CONNECTION_STRING is missing; copy the connection string/),
        expect.stringMatching(/^LEAD_INTAKE_KEY is missing; use 16 or more letters.*randomBytes/),
        'DYNAMICS_URL is missing; use your Dynamics 365 address, like https://contoso.crm4.dynamics.com',
        'DYNAMICS_AUTH is missing; set it to "aad" (Azure AD app, recommended) or "o365" (Office 365 user)',
      ]),
    );
  });

  it('names malformed values', () => {
    const problems = problemsOf({ ...BASE, PORT: 'eighty', LEAD_CONTACTS: 'sales@contoso.com; not-an-address', LOG_LEVEL: 'loud' });
    expect(problems).toContain('PORT "eighty" must be a whole number from 1 to 65535');
    expect(problems).toContain('LEAD_CONTACTS has "not-an-address", which is not an e-mail address; separate entries with semicolons');
    expect(problems).toContain('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  });

  it('reads OWN_DOMAINS as lower-case domains, none unless set, and names one that is not a domain', () => {
    expect(loadSettings(BASE).ownDomains).toEqual([]);
    expect(loadSettings({ ...BASE, OWN_DOMAINS: 'Contoso.com; contoso.co.kr,' }).ownDomains).toEqual(['contoso.com', 'contoso.co.kr']);
    expect(problemsOf({ ...BASE, OWN_DOMAINS: 'contoso.com; @contoso.com' })).toContain('OWN_DOMAINS has "@contoso.com", which is not a domain such as contoso.com; separate entries with semicolons');
  });

  it('escalates after ESCALATE_AFTER_MINUTES and ESCALATE_TO_ADMINS_AFTER_MINUTES (5 and 30 unless set), the admins after the lead\'s people', () => {
    expect(loadSettings(BASE).escalation).toEqual({ afterMinutes: 5, toAdminsAfterMinutes: 30 });
    expect(loadSettings({ ...BASE, ESCALATE_AFTER_MINUTES: '0', ESCALATE_TO_ADMINS_AFTER_MINUTES: '15' }).escalation).toEqual({ afterMinutes: 0, toAdminsAfterMinutes: 15 });
    expect(loadSettings({ ...BASE, ESCALATE_AFTER_MINUTES: '10', ESCALATE_TO_ADMINS_AFTER_MINUTES: '0' }).escalation).toEqual({ afterMinutes: 10, toAdminsAfterMinutes: 0 });
    expect(problemsOf({ ...BASE, ESCALATE_AFTER_MINUTES: '30', ESCALATE_TO_ADMINS_AFTER_MINUTES: '20' })).toEqual([
      "ESCALATE_TO_ADMINS_AFTER_MINUTES (20) must be more than ESCALATE_AFTER_MINUTES (30): the lead's people are reminded first, the admins told after; set it higher, or 0 to never tell the admins",
    ]);
    expect(problemsOf({ ...BASE, ESCALATE_AFTER_MINUTES: 'five' })).toEqual([expect.stringMatching(/^ESCALATE_AFTER_MINUTES/)]);
  });

  it('sends the daily digest at DIGEST_HOUR (8 unless set), an hour of the day', () => {
    expect(loadSettings(BASE).digestHour).toBe(8);
    expect(loadSettings({ ...BASE, DIGEST_HOUR: '0' }).digestHour).toBe(0);
    expect(problemsOf({ ...BASE, DIGEST_HOUR: '24' })).toEqual([expect.stringMatching(/^DIGEST_HOUR/)]);
  });

  it('runs the scheduled self-check every SELF_CHECK_HOURS (24 unless set; 0 never)', () => {
    expect(loadSettings({ ...BASE, SELF_CHECK_HOURS: undefined }).selfCheckHours).toBe(24);
    expect(loadSettings({ ...BASE, SELF_CHECK_HOURS: '0' }).selfCheckHours).toBe(0);
    expect(problemsOf({ ...BASE, SELF_CHECK_HOURS: 'daily' })).toEqual([expect.stringMatching(/^SELF_CHECK_HOURS/)]);
  });

  it('writes in BOT_LANGUAGE, times in BOT_TIME_ZONE (English and UTC unless set), and names the accepted values of either', () => {
    expect(loadSettings(BASE).reader).toEqual({ language: 'en', timeZone: 'UTC' });
    expect(loadSettings({ ...BASE, BOT_LANGUAGE: 'ko', BOT_TIME_ZONE: 'asia/seoul' }).reader).toEqual({ language: 'ko', timeZone: 'Asia/Seoul' });
    const problems = problemsOf({ ...BASE, BOT_LANGUAGE: 'kr', BOT_TIME_ZONE: 'KST' });
    expect(problems).toContain('BOT_LANGUAGE must be one of en, ko (en: English, ko: Korean)');
    expect(problems).toContain('BOT_TIME_ZONE "KST" is not a time zone; use an IANA name such as Asia/Seoul, Europe/Berlin, America/New_York or UTC');
    expect(problemsOf({ ...BASE, BOT_TIME_ZONE: '+09:00' })).toEqual([expect.stringMatching(/^BOT_TIME_ZONE "\+09:00" is not a time zone/)]);
  });

  it('reads the routes of LEAD_ROUTES_FILE, and stops start-up with a line per problem in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routes-'));
    const good = join(dir, 'routes.json');
    writeFileSync(good, JSON.stringify({ routes: [{ name: 'vm', offers: ['contoso.vm*'], contacts: ['vm@contoso.com'] }] }));
    expect(loadSettings({ ...BASE, LEAD_ROUTES_FILE: good }).routes).toEqual([
      { name: 'vm', offers: ['contoso.vm*'], contacts: ['vm@contoso.com'], chats: [], mode: 'broadcast', claimWithinMinutes: 10, origin: { kind: 'file' } },
    ]);
    expect(loadSettings(BASE).routes).toEqual([]);
    const bad = join(dir, 'routes.yaml');
    writeFileSync(bad, 'routes:\n  - name: kr\n    countries: [KOR]\n    contact: [a@contoso.com]\n');
    expect(problemsOf({ ...BASE, LEAD_ROUTES_FILE: bad, PORT: 'eighty' })).toEqual([
      'PORT "eighty" must be a whole number from 1 to 65535',
      `LEAD_ROUTES_FILE ${bad}: route "kr": countries (item 1): "KOR" is not an ISO 3166 two-letter country code: use KR`,
      `LEAD_ROUTES_FILE ${bad}: route "kr": unknown field "contact" (a route has name, offers, countries, actions, channels, contacts, chats, mode, claimWithinMinutes)`,
      `LEAD_ROUTES_FILE ${bad}: route "kr": contacts: the route sends its leads to nobody: give contacts (e-mail addresses) or chats (Teams channel ids)`,
    ]);
  });

  it('refuses a connection string without a key and says where to copy one', () => {
    expect(problemsOf({ ...BASE, STORAGE_CONNECTION_STRING: 'AccountName=x' })).toEqual([
      'STORAGE_CONNECTION_STRING needs AccountName and AccountKey (or SharedAccessSignature); copy it whole from the storage account\'s "Access keys" page',
    ]);
  });

  it('never repeats a secret value in its messages', () => {
    const canary = 'CANARY secret with spaces';
    const problems = problemsOf({ ...BASE, LEAD_INTAKE_KEY: canary, DYNAMICS_URL: 'https://x.crm.dynamics.com', DYNAMICS_AUTH: 'aad', DYNAMICS_CLIENT_SECRET: canary });
    expect(problems.join('\n')).not.toContain('CANARY');
    expect(problems.join('\n')).toMatch(/LEAD_INTAKE_KEY is not usable/);
  });

  it('reads the contact list and admins as Partner Center writes them', () => {
    const s = loadSettings({
      ...BASE,
      LEAD_CONTACTS: 'Sales@Contoso.com;ops@contoso.com; ;sales@contoso.com',
      ADMINS: 'admin@contoso.com;0F1E2D3C-4b5a-6978-8796-a5b4c3d2e1f0',
      TEAMS_TENANT_ID: '72F988BF-86f1-41af-91ab-2d7cd011db47',
    });
    expect(s.leadContacts).toEqual(['sales@contoso.com', 'ops@contoso.com']);
    expect(s.admins).toEqual(['admin@contoso.com', '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0']);
    expect(s.teamsTenantId).toBe('72f988bf-86f1-41af-91ab-2d7cd011db47');
  });

  it('takes admin commands only from a known tenant', () => {
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    // The Dynamics tenant counts when it is an id; a domain name cannot be compared with what Teams sends.
    expect(loadSettings({ ...BASE, DYNAMICS_TENANT_ID: tenant }).teamsTenantId).toBe(tenant);
    expect(loadSettings({ ...BASE, BOT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', BOT_PASSWORD: 'x', BOT_TENANT_ID: tenant }).teamsTenantId).toBe(tenant);
    expect(loadSettings(BASE).teamsTenantId).toBeUndefined();
    expect(problemsOf({ ...BASE, ADMINS: 'admin@contoso.com' })).toEqual([expect.stringMatching(/^TEAMS_TENANT_ID is missing; .*Directory \(tenant\) ID$/)]);
    expect(problemsOf({ ...BASE, TEAMS_TENANT_ID: 'contoso.com' })).toEqual([expect.stringMatching(/^TEAMS_TENANT_ID "contoso.com" is not a Directory/)]);
  });

  it('reads when credentials expire, and finds Graph in the cloud Dynamics signs in to', () => {
    expect(loadSettings(BASE).reminders).toEqual({
      checkMinutes: 60,
      graphUrl: 'https://graph.microsoft.com',
      passwordMaxAgeDays: 90,
      dynamicsSecretExpires: undefined,
      dynamicsPasswordChanged: undefined,
      botPasswordExpires: undefined,
    });
    expect(loadSettings({ ...BASE, DYNAMICS_AUTHORITY_HOST: 'https://login.microsoftonline.us' }).reminders.graphUrl).toBe('https://graph.microsoft.us');
    // An authority of one's own (the local identity provider) has no Graph unless told.
    expect(loadSettings({ ...BASE, DYNAMICS_AUTHORITY_HOST: 'https://127.0.0.1:7443' }).reminders.graphUrl).toBeUndefined();
    expect(loadSettings({ ...BASE, DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-02-28', DYNAMICS_PASSWORD_MAX_AGE_DAYS: '0' }).reminders).toMatchObject({
      dynamicsSecretExpires: '2027-02-28T00:00:00.000Z',
      passwordMaxAgeDays: 0,
    });
    expect(problemsOf({ ...BASE, DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-02-29', BOT_PASSWORD_EXPIRES: '31.03.2027', REMINDER_CHECK_MINUTES: '0' })).toEqual([
      'REMINDER_CHECK_MINUTES "0" must be a whole number from 1 to 1440',
      'DYNAMICS_CLIENT_SECRET_EXPIRES "2027-02-29" is not a date; write it as YYYY-MM-DD, like 2027-03-31',
      'BOT_PASSWORD_EXPIRES "31.03.2027" is not a date; write it as YYYY-MM-DD, like 2027-03-31',
    ]);
  });

  it('reads the Azure AD option of the Dynamics connection', () => {
    const s = loadSettings(BASE);
    expect(s.dynamics).toEqual({
      leadSourceCode: 8,
      maxConcurrency: 52,
      timeoutMs: 30_000,
      auth: 'aad',
      url: 'https://contoso.crm4.dynamics.com',
      authorityHost: 'https://login.microsoftonline.com',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      clientSecret: 's3cret',
    });
  });

  it('says which Dynamics setting is missing for the chosen option', () => {
    expect(problemsOf({ ...NO_DYNAMICS, DYNAMICS_URL: 'https://contoso.crm.dynamics.com', DYNAMICS_AUTH: 'o365' })).toEqual([
      "DYNAMICS_USERNAME is missing; use the Office 365 user's sign-in name, like leads@contoso.com",
      "DYNAMICS_PASSWORD is missing; use that user's current password",
    ]);
    expect(problemsOf({ ...NO_DYNAMICS, DYNAMICS_URL: 'http://contoso.crm.dynamics.com/main.aspx', DYNAMICS_AUTH: 'sso', DYNAMICS_MAX_CONCURRENCY: '60' })).toEqual([
      'DYNAMICS_URL "http://contoso.crm.dynamics.com/main.aspx" must be an https address with no path or query, like https://contoso.crm4.dynamics.com',
      'DYNAMICS_MAX_CONCURRENCY "60" must be a whole number from 1 to 52',
      'DYNAMICS_AUTH "sso" must be "aad" (Azure AD app, recommended) or "o365" (Office 365 user)',
    ]);
  });

  it('reads the Office 365 option, with the Dataverse sample client unless told otherwise', () => {
    const s = loadSettings({ ...NO_DYNAMICS, DYNAMICS_URL: 'https://contoso.crm.dynamics.com', DYNAMICS_AUTH: 'O365', DYNAMICS_USERNAME: 'leads@contoso.com', DYNAMICS_PASSWORD: 'pw' });
    expect(s.dynamics).toMatchObject({ auth: 'o365', username: 'leads@contoso.com', password: 'pw', clientId: undefined });
  });

  it('checks the bot registration for its type', () => {
    expect(problemsOf({ ...BASE, BOT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' })).toEqual([
      'BOT_PASSWORD is missing; a SingleTenant bot needs the client secret of its app registration',
      'BOT_TENANT_ID is missing; a SingleTenant bot needs the Directory (tenant) ID it is registered in',
    ]);
    expect(loadSettings({ ...BASE, BOT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', BOT_TYPE: 'UserAssignedMsi', BOT_TENANT_ID: 'contoso.onmicrosoft.com' }).bot?.type).toBe('UserAssignedMsi');
  });
  it('exports to Application Insights only when its connection string is set, and checks it', () => {
    expect(loadSettings(BASE).telemetry).toBeUndefined();
    const ikey = '7a3f1c2e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';
    const good = `InstrumentationKey=${ikey};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/`;
    expect(loadSettings({ ...BASE, APPLICATIONINSIGHTS_CONNECTION_STRING: good }).telemetry).toEqual({ connectionString: good });
    const refused = (value: string): string => problemsOf({ ...BASE, APPLICATIONINSIGHTS_CONNECTION_STRING: value }).join('\n');
    expect(refused(`InstrumentationKey=${ikey};IngestionEndpoint=http://collector.contoso.com/`)).toContain('APPLICATIONINSIGHTS_CONNECTION_STRING has an IngestionEndpoint that is not https');
    expect(refused('IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/')).toContain('has no InstrumentationKey=<GUID>');
    expect(refused(`InstrumentationKey=${ikey}`)).toContain('has no IngestionEndpoint=https://');
    expect(refused(`InstrumentationKey=CANARY-not-a-guid;IngestionEndpoint=https://x.example/`)).not.toContain('CANARY');
  });

  it('mails leads only with a sender, an app to send as and the bot\'s own address, each named when missing', () => {
    expect(loadSettings(BASE).outlook).toBeUndefined();
    const GRAPH = { GRAPH_TENANT_ID: 'contoso.onmicrosoft.com', GRAPH_CLIENT_ID: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', GRAPH_CLIENT_SECRET: 'CANARY-graph-secret' };
    const mail = { ...BASE, ...GRAPH, OUTLOOK_SENDER: 'Leads@Contoso.com', PUBLIC_URL: 'https://leadbotcontoso.azurewebsites.net/' };
    expect(loadSettings(mail).outlook).toEqual({
      sender: 'leads@contoso.com',
      delivery: 'fallback',
      originatorId: undefined,
      publicUrl: 'https://leadbotcontoso.azurewebsites.net',
      graph: { kind: 'secret', url: 'https://graph.microsoft.com', authorityHost: 'https://login.microsoftonline.com', tenantId: GRAPH.GRAPH_TENANT_ID, clientId: GRAPH.GRAPH_CLIENT_ID, clientSecret: GRAPH.GRAPH_CLIENT_SECRET },
    });
    expect(loadSettings({ ...mail, OUTLOOK_DELIVERY: 'off' }).outlook).toBeUndefined();
    expect(loadSettings({ ...mail, OUTLOOK_DELIVERY: 'always' }).outlook?.delivery).toBe('always');
    // A single-tenant bot's own registration sends the mail when GRAPH_* are empty.
    const bot = { BOT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f9', BOT_PASSWORD: 'bot-secret', BOT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47', BOT_TYPE: 'SingleTenant' };
    expect(loadSettings({ ...BASE, ...bot, OUTLOOK_SENDER: 'leads@contoso.com', PUBLIC_URL: 'http://127.0.0.1:3978' }).outlook?.graph).toMatchObject({ kind: 'secret', clientId: bot.BOT_ID, tenantId: bot.BOT_TENANT_ID });
    // A managed-identity bot sends as its identity, with no secret at all.
    const msi = { BOT_ID: bot.BOT_ID, BOT_TENANT_ID: bot.BOT_TENANT_ID, BOT_TYPE: 'UserAssignedMsi' };
    expect(loadSettings({ ...BASE, ...msi, OUTLOOK_SENDER: 'leads@contoso.com', PUBLIC_URL: 'https://leadbotcontoso.azurewebsites.net' }).outlook?.graph).toEqual({
      kind: 'managed-identity',
      url: 'https://graph.microsoft.com',
      clientId: bot.BOT_ID,
    });

    const refused = (env: Record<string, string>): string => problemsOf({ ...mail, ...env }).join('\n');
    expect(refused({ OUTLOOK_SENDER: 'leads team' })).toContain('OUTLOOK_SENDER "leads team" is not a mailbox address');
    expect(refused({ OUTLOOK_DELIVERY: 'sometimes' })).toContain('OUTLOOK_DELIVERY must be fallback');
    expect(refused({ OUTLOOK_ORIGINATOR_ID: 'contoso' })).toContain('OUTLOOK_ORIGINATOR_ID "contoso" is not a provider id');
    expect(refused({ PUBLIC_URL: '' })).toContain('PUBLIC_URL is missing');
    expect(refused({ PUBLIC_URL: 'http://leadbot.contoso.com' })).toContain('PUBLIC_URL "http://leadbot.contoso.com" must be the bot\'s https address');
    expect(refused({ PUBLIC_URL: 'https://leadbot.contoso.com/api' })).toContain('with no path');
    expect(refused({ GRAPH_CLIENT_SECRET: '' })).toContain('GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET go together');
    expect(refused({ GRAPH_TENANT_ID: '', GRAPH_CLIENT_ID: '', GRAPH_CLIENT_SECRET: '' })).toContain('OUTLOOK_SENDER (mail) needs an app to call Microsoft Graph as');
    expect(refused({ GRAPH_CLIENT_ID: 'mail-app' })).toContain('GRAPH_CLIENT_ID "mail-app" is not an Application (client) ID');
    expect(refused({ GRAPH_CLIENT_ID: 'mail-app' })).not.toContain('CANARY');
    // Installing the app for contacts takes the same app, and its catalog id.
    expect(loadSettings({ ...mail, TEAMS_APP_CATALOG_ID: '1542629C-01B3-4A6D-8F76-1938B779E48D' }).teamsInstall).toEqual({
      catalogAppId: '1542629c-01b3-4a6d-8f76-1938b779e48d',
      graph: loadSettings(mail).outlook?.graph,
    });
    expect(refused({ TEAMS_APP_CATALOG_ID: 'com.contoso.leadbot' })).toContain('TEAMS_APP_CATALOG_ID "com.contoso.leadbot" is not a catalog app id');
    expect(problemsOf({ ...BASE, TEAMS_APP_CATALOG_ID: '1542629c-01b3-4a6d-8f76-1938b779e48d' }).join('\n')).toContain('TEAMS_APP_CATALOG_ID (installing the app) needs an app to call Microsoft Graph as');
    expect(loadSettings(BASE).catchUpHours).toBe(24);
  });

  it('reads numbers as written, trimmed, and a blank setting as absent', () => {
    const s = loadSettings({ ...BASE, PORT: ' 8080 ', SHUTDOWN_SECONDS: '45', LEAD_MAX_BODY_BYTES: '', LOG_LEVEL: '  ' });
    expect([s.port, s.shutdownMs, s.intake.maxBodyBytes, s.logLevel]).toEqual([8080, 45_000, 32768, 'info']);
    expect(loadSettings({ ...BASE, LEAD_TABLE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).tableImport).toEqual({
      connectionString: 'UseDevelopmentStorage=true',
      tableName: 'marketplaceleads',
      pollSeconds: 60,
    });
  });

  it.each([
    [{ SHUTDOWN_SECONDS: '601' }, 'SHUTDOWN_SECONDS "601" must be a whole number from 1 to 600'],
    [{ LEAD_MAX_BODY_BYTES: '1000' }, 'LEAD_MAX_BODY_BYTES "1000" must be a whole number from 1024 to 1048576'],
    [{ LEAD_DUPLICATE_WINDOW_HOURS: '0' }, 'LEAD_DUPLICATE_WINDOW_HOURS "0" must be a whole number from 1 to 8760'],
    [{ DYNAMICS_LEAD_SOURCE_CODE: '1.5' }, 'DYNAMICS_LEAD_SOURCE_CODE "1.5" must be a whole number from 1 to 2147483647'],
    [{ DYNAMICS_TIMEOUT_SECONDS: 'half a minute' }, 'DYNAMICS_TIMEOUT_SECONDS "half a minute" must be a whole number from 1 to 600'],
    [{ LEAD_RETRY_HOURS: '721' }, 'LEAD_RETRY_HOURS "721" must be a whole number from 1 to 720'],
    [{ LEAD_TABLE_POLL_SECONDS: '4' }, 'LEAD_TABLE_POLL_SECONDS "4" must be a whole number from 5 to 86400'],
    [{ TEAMS_MESSAGES_PER_SECOND: '51' }, 'TEAMS_MESSAGES_PER_SECOND "51" must be a whole number from 1 to 50'],
    [{ DYNAMICS_PASSWORD_MAX_AGE_DAYS: '-1' }, 'DYNAMICS_PASSWORD_MAX_AGE_DAYS "-1" must be a whole number from 0 to 730'],
    [{ LEAD_CATCH_UP_HOURS: '169' }, 'LEAD_CATCH_UP_HOURS "169" must be a whole number from 1 to 168'],
    [{ STORAGE_NAME_PREFIX: 'Lead-Bot' }, 'STORAGE_NAME_PREFIX "Lead-Bot" must be 2 to 20 lower-case letters or digits, starting with a letter'],
    [{ LEAD_TABLE_NAME: 'ab' }, 'LEAD_TABLE_NAME "ab" is not a table name (3 to 63 letters or digits)'],
    [
      { LEAD_TABLE_CONNECTION_STRING: 'AccountName=x' },
      'LEAD_TABLE_CONNECTION_STRING needs AccountName and AccountKey (or SharedAccessSignature); copy it whole from the storage account\'s "Access keys" page',
    ],
    [{ DYNAMICS_URL: 'contoso' }, 'DYNAMICS_URL "contoso" is not a URL; use the form https://contoso.crm4.dynamics.com'],
    [
      { DYNAMICS_AUTHORITY_HOST: 'https://login.microsoftonline.com/contoso' },
      'DYNAMICS_AUTHORITY_HOST "https://login.microsoftonline.com/contoso" must be an https address with no path or query, like https://login.microsoftonline.com',
    ],
    [{ GRAPH_URL: 'http://graph.microsoft.com' }, 'GRAPH_URL "http://graph.microsoft.com" must be an https address with no path or query, like https://graph.microsoft.com'],
    [{ PUBLIC_URL: 'leadbot' }, 'PUBLIC_URL "leadbot" is not a URL; use the bot\'s https address, like https://leadbotcontoso.azurewebsites.net'],
    // A refused list reads as empty, so no Teams tenant is asked for on top.
    [{ ADMINS: 'admin@contoso.com;boss;chief' }, 'ADMINS has "boss", "chief", which are not an e-mail address or an Azure AD object id; separate entries with semicolons'],
  ])('refuses %j, naming the setting, its value and the fix', (env, problem) => {
    expect(problemsOf({ ...BASE, ...env })).toEqual([problem]);
  });

  it('says which settings of the Azure AD option are missing or malformed', () => {
    expect(problemsOf({ ...NO_DYNAMICS, DYNAMICS_URL: 'https://contoso.crm.dynamics.com', DYNAMICS_AUTH: 'AAD' })).toEqual([
      "DYNAMICS_TENANT_ID is missing; copy the Directory (tenant) ID from the app registration's Overview page",
      "DYNAMICS_CLIENT_ID is missing; copy the Application (client) ID from the app registration's Overview page",
      'DYNAMICS_CLIENT_SECRET is missing; create a client secret under the app registration\'s "Certificates & secrets" and copy its Value',
    ]);
    expect(problemsOf({ ...BASE, DYNAMICS_TENANT_ID: 'contoso', DYNAMICS_CLIENT_ID: 'leadbot' })).toEqual([
      'DYNAMICS_TENANT_ID "contoso" is not a Directory (tenant) ID; it looks like 72f988bf-86f1-41af-91ab-2d7cd011db47 or contoso.onmicrosoft.com',
      'DYNAMICS_CLIENT_ID "leadbot" is not an Application (client) ID; it is a GUID such as 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
    ]);
  });

  it('checks the Office 365 option\'s user name, and the client it signs in through when one is given', () => {
    const o365 = { ...NO_DYNAMICS, DYNAMICS_URL: 'https://contoso.crm.dynamics.com', DYNAMICS_AUTH: 'o365', DYNAMICS_USERNAME: 'leads@contoso.com', DYNAMICS_PASSWORD: 'pw' };
    expect(problemsOf({ ...o365, DYNAMICS_USERNAME: 'leads', DYNAMICS_CLIENT_ID: 'sample' })).toEqual([
      'DYNAMICS_USERNAME "leads" is not a user name; use the sign-in address, like leads@contoso.com',
      'DYNAMICS_CLIENT_ID "sample" is not an Application (client) ID; leave it empty to sign in through Microsoft\'s Dataverse sample client',
    ]);
    const client = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b';
    expect(loadSettings({ ...o365, DYNAMICS_CLIENT_ID: client }).dynamics).toMatchObject({ auth: 'o365', clientId: client });
  });

  it('asks each bot type for what it needs, and nothing of a bot with no BOT_ID', () => {
    const id = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    expect(problemsOf({ ...BASE, BOT_ID: id, BOT_TYPE: 'Single' })).toEqual([
      'BOT_TYPE "Single" must be SingleTenant, MultiTenant or UserAssignedMsi (as on the Azure Bot resource\'s Configuration page)',
    ]);
    expect(problemsOf({ ...BASE, BOT_ID: 'leadbot', BOT_TYPE: 'MultiTenant' })).toEqual([
      'BOT_ID "leadbot" is not a Microsoft App ID; copy the GUID from the Azure Bot resource\'s Configuration page',
      'BOT_PASSWORD is missing; a MultiTenant bot needs the client secret of its app registration',
    ]);
    expect(problemsOf({ ...BASE, BOT_ID: id, BOT_TYPE: 'UserAssignedMsi' })).toEqual([
      'BOT_TENANT_ID is missing; a UserAssignedMsi bot needs the Directory (tenant) ID it is registered in',
    ]);
    expect(loadSettings({ ...BASE, BOT_ID: id, BOT_PASSWORD: 'pw', BOT_TYPE: 'MultiTenant' }).bot).toEqual({ id, password: 'pw', tenantId: undefined, type: 'MultiTenant' });
    expect(loadSettings({ ...BASE, BOT_TYPE: 'Single' }).bot).toBeUndefined();
  });

  it('finds no app to call Graph as in a multi-tenant bot, or where no Graph is known, and checks an own app\'s tenant', () => {
    const mail = { ...BASE, OUTLOOK_SENDER: 'leads@contoso.com', PUBLIC_URL: 'https://leadbotcontoso.azurewebsites.net' };
    const bot = { BOT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', BOT_PASSWORD: 'bot-secret', BOT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47' };
    const needsApp = /^OUTLOOK_SENDER \(mail\) needs an app to call Microsoft Graph as: set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET /;
    expect(problemsOf({ ...mail, ...bot, BOT_TYPE: 'MultiTenant' })).toEqual([expect.stringMatching(needsApp)]);
    // The local identity provider has no Graph of its own: only GRAPH_URL says where one is.
    const local = { ...mail, ...bot, DYNAMICS_AUTHORITY_HOST: 'https://127.0.0.1:7443' };
    expect(problemsOf(local)).toEqual([expect.stringMatching(needsApp)]);
    expect(loadSettings({ ...local, GRAPH_URL: 'https://127.0.0.1:7444' }).outlook?.graph).toMatchObject({ url: 'https://127.0.0.1:7444', authorityHost: 'https://127.0.0.1:7443' });

    const own = { GRAPH_TENANT_ID: 'contoso', GRAPH_CLIENT_ID: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b', GRAPH_CLIENT_SECRET: 'CANARY-graph-secret' };
    expect(problemsOf({ ...mail, ...own })).toEqual(['GRAPH_TENANT_ID "contoso" is not a Directory (tenant) ID']);
    const both = problemsOf({ ...mail, TEAMS_APP_CATALOG_ID: '1542629c-01b3-4a6d-8f76-1938b779e48d' });
    expect(both).toEqual([expect.stringMatching(/^OUTLOOK_SENDER \(mail\) and TEAMS_APP_CATALOG_ID \(installing the app\) need an app to call Microsoft Graph as/)]);
  });

  it('names every problem at once: a refused setting does not stop the rules across settings, nor a sign-in problem the rest', () => {
    const problems = problemsOf({
      ...NO_DYNAMICS,
      PORT: 'eighty',
      DYNAMICS_URL: 'https://contoso.crm.dynamics.com',
      DYNAMICS_AUTH: 'sso',
      BOT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
      ADMINS: 'admin@contoso.com',
    });
    expect(problems).toEqual([
      'PORT "eighty" must be a whole number from 1 to 65535',
      'BOT_PASSWORD is missing; a SingleTenant bot needs the client secret of its app registration',
      'BOT_TENANT_ID is missing; a SingleTenant bot needs the Directory (tenant) ID it is registered in',
      expect.stringMatching(/^TEAMS_TENANT_ID is missing; /),
      'DYNAMICS_AUTH "sso" must be "aad" (Azure AD app, recommended) or "o365" (Office 365 user)',
    ]);
  });

  it('says when App Service handed over Key Vault references instead of the secrets, once, with the call that re-reads them', () => {
    const reference = (secret: string): string => `@Microsoft.KeyVault(VaultName=leadbot-kv;SecretName=${secret})`;
    const problems = problemsOf({ ...BASE, LEAD_INTAKE_KEY: reference('lead-intake-key') });
    expect(problems).toEqual([expect.stringMatching(/^LEAD_INTAKE_KEY is a Key Vault reference App Service has not resolved\. .*"Key Vault Secrets User" role/)]);
    expect(problems[0]).toContain('az rest --method post --url "<the App Service resource id>/config/configreferences/appsettings/refresh?api-version=2022-03-01"');
    expect(problems[0]).toContain('a restart is not documented to');
    expect(problems[0]).not.toContain('SecretName');
    // On App Service, its own variables name the site, so the command can be pasted as it is.
    const onAppService = problemsOf({
      ...BASE,
      LEAD_INTAKE_KEY: reference('lead-intake-key'),
      STORAGE_CONNECTION_STRING: reference('storage-connection-string'),
      WEBSITE_OWNER_NAME: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a+rg-leadbot-WestEuropewebspace-Linux',
      WEBSITE_RESOURCE_GROUP: 'rg-leadbot',
      WEBSITE_SITE_NAME: 'leadbotcontoso',
      BOT_ID: '3a9c1e7f-0000-4000-8000-00000000d001',
      BOT_TYPE: 'UserAssignedMsi',
      BOT_TENANT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f9',
    });
    expect(onAppService).toEqual([expect.stringMatching(/^STORAGE_CONNECTION_STRING, LEAD_INTAKE_KEY are Key Vault references App Service has not resolved\./)]);
    expect(onAppService[0]).toContain(
      '--url "/subscriptions/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/resourceGroups/rg-leadbot/providers/Microsoft.Web/sites/leadbotcontoso/config/configreferences/appsettings/refresh?api-version=2022-03-01"',
    );
  });

  it('names a secret left as a Key Vault reference only as that, not as missing or malformed too', () => {
    const reference = '@Microsoft.KeyVault(VaultName=leadbot-kv;SecretName=bot-password)';
    const bot = { BOT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', BOT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47' };
    expect(problemsOf({ ...BASE, ...bot, BOT_PASSWORD: reference })).toEqual([expect.stringMatching(/^BOT_PASSWORD is a Key Vault reference App Service has not resolved\./)]);
    expect(problemsOf({ ...BASE, DYNAMICS_AUTH: reference })).toEqual([expect.stringMatching(/^DYNAMICS_AUTH is a Key Vault reference /)]);
  });
});

describe('LEAD_TABLE_IMPORT_FROM', () => {
  it('is a day the first import starts from; unset, the import starts from its first run', () => {
    const table = { ...BASE, LEAD_TABLE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
    expect(loadSettings({ ...table, LEAD_TABLE_IMPORT_FROM: '2026-11-01' }).tableImport?.importFrom).toBe('2026-11-01T00:00:00.000Z');
    expect(loadSettings(table).tableImport?.importFrom).toBeUndefined();
    expect(problemsOf({ ...table, LEAD_TABLE_IMPORT_FROM: 'last week' })).toEqual(['LEAD_TABLE_IMPORT_FROM "last week" is not a date; write it as YYYY-MM-DD, like 2027-03-31']);
  });
});

describe('on App Service (WEBSITE_SITE_NAME set), what only a local run may do', () => {
  const HOSTED = {
    ...BASE,
    WEBSITE_SITE_NAME: 'app-leadbot',
    STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=leadbotstore;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;EndpointSuffix=core.windows.net',
    BOT_ID: '3a9c1e7f-0000-4000-8000-00000000d001',
    BOT_TYPE: 'UserAssignedMsi',
    BOT_TENANT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f9',
  };

  it('starts with a registration, a storage account and a key of its own', () => {
    expect(loadSettings(HOSTED).bot?.id).toBe(HOSTED.BOT_ID);
  });

  it('refuses to run without BOT_ID, which would answer nobody but the machine itself', () => {
    expect(problemsOf({ ...HOSTED, BOT_ID: undefined, BOT_TYPE: undefined })).toEqual([expect.stringMatching(/^BOT_ID is missing: on App Service the bot needs its Azure Bot registration/)]);
    // Locally the same settings run (the Agents Playground needs no registration).
    expect(loadSettings({ ...HOSTED, WEBSITE_SITE_NAME: undefined, BOT_ID: undefined, BOT_TYPE: undefined }).bot).toBeUndefined();
  });

  it("refuses the storage emulator's connection strings, without quoting them", () => {
    const azurite =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;';
    const plainHttp = 'DefaultEndpointsProtocol=http;AccountName=leadbotstore;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;EndpointSuffix=core.windows.net';
    for (const value of ['UseDevelopmentStorage=true', azurite, plainHttp]) {
      const problems = problemsOf({ ...HOSTED, STORAGE_CONNECTION_STRING: value });
      expect(problems).toEqual([expect.stringMatching(/^STORAGE_CONNECTION_STRING points at the local storage emulator/)]);
      expect(problems.join('')).not.toContain('AccountKey');
    }
    expect(problemsOf({ ...HOSTED, LEAD_TABLE_CONNECTION_STRING: 'UseDevelopmentStorage=true' })).toEqual([expect.stringMatching(/^LEAD_TABLE_CONNECTION_STRING points at the local storage emulator/)]);
  });

  it('refuses the local intake key, which this repository publishes', () => {
    const problems = problemsOf({ ...HOSTED, LEAD_INTAKE_KEY: LOCAL_INTAKE_KEY });
    expect(problems).toEqual([expect.stringMatching(/^LEAD_INTAKE_KEY is the local runs' key/)]);
    expect(problems.join('')).not.toContain(LOCAL_INTAKE_KEY);
  });
});

describe('readEnvFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'env-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '.env.dev'), 'PORT=4000\nLEAD_CONTACTS=sales@contoso.com\nLEAD_INTAKE_KEY=from-shared-file\n');
  writeFileSync(join(dir, '.env.dev.user'), 'LEAD_INTAKE_KEY=from-user-file-secret\n');

  it('layers env/.env.<name>, its .user file, then the process environment', () => {
    const env = readEnvFiles('dev', { PORT: '5000' }, dir);
    expect(env).toMatchObject({ PORT: '5000', LEAD_CONTACTS: 'sales@contoso.com', LEAD_INTAKE_KEY: 'from-user-file-secret' });
  });

  it('says which file is missing', () => {
    expect(() => readEnvFiles('prod', {}, dir)).toThrow(`No settings file ${join(dir, '.env.prod')}`);
    expect(() => readEnvFiles('../etc', {}, dir)).toThrow('must be letters, digits');
  });
});
