import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvFiles } from '../../src/config/read-env-files';
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
    expect(s.dynamics).toMatchObject({ leadSourceCode: 8, maxConcurrency: 8, timeoutMs: 30_000 });
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
      maxConcurrency: 8,
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
    });
    expect(onAppService).toEqual([expect.stringMatching(/^STORAGE_CONNECTION_STRING, LEAD_INTAKE_KEY are Key Vault references App Service has not resolved\./)]);
    expect(onAppService[0]).toContain(
      '--url "/subscriptions/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/resourceGroups/rg-leadbot/providers/Microsoft.Web/sites/leadbotcontoso/config/configreferences/appsettings/refresh?api-version=2022-03-01"',
    );
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
