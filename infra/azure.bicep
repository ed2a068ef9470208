// Marketplace Lead Bot in one resource group: App Service (Linux, Node 22), the Azure Bot with its
// Teams channel, a Storage account (the bot's only state: tables and queues), Key Vault for every
// secret, Application Insights. Deployed by `m365agents.yml` (arm/deploy, with the parameters file
// of your path), or by `az deployment group create --template-file infra/azure.bicep --parameters …`.

@minLength(8)
@maxLength(16)
@description('Letters and digits, starting with a letter; names every resource (in lower case). The site and the bot take it as their name in Azure, which must be unique there.')
param resourceBaseName string

param location string = resourceGroup().location

// Free and Shared plans have no Always On (the bot's timers and queue worker would sleep) and run one instance.
@allowed(['B1', 'B2', 'B3', 'S1', 'S2', 'S3', 'P0v3', 'P1v3', 'P2v3', 'P3v3'])
@description('App Service plan size: Basic (B1, up to 3 instances), Standard (S1, up to 10) or Premium v3 (P0v3, up to 30).')
param webAppSku string = 'B1'

@minValue(1)
@maxValue(30)
@description('Instances of the bot. Two or more are safe: leads come off a shared queue, reminders take a storage lease. A Basic plan runs 3 at most, Standard 10, Premium v3 30 (`npm run check:deployment` refuses more).')
param instanceCount int = 2

@description('Name shown for the bot in Teams.')
param botDisplayName string = 'Marketplace Lead Bot'

@allowed(['UserAssignedMsi', 'SingleTenant'])
@description('UserAssignedMsi: the bot signs in as the managed identity created here (no secret; the subscription\'s tenant must be the Microsoft 365 tenant). SingleTenant: as an app registration whose secret you give, in the tenant you name.')
param botType string = 'UserAssignedMsi'

@description('SingleTenant only: the app registration\'s Application (client) ID.')
param botAppId string = ''

@description('SingleTenant only: the Directory (tenant) ID the app registration lives in: the Microsoft 365 tenant where the sales team uses Teams.')
param botTenantId string = ''

@secure()
@description('SingleTenant only: that app registration\'s client secret.')
param botPassword string = ''

@secure()
@description('LEAD_INTAKE_KEY: the ?code= in the URL Partner Center posts leads to.')
param leadIntakeKey string

@description('DYNAMICS_URL, like https://contoso.crm4.dynamics.com')
param dynamicsUrl string

@allowed(['aad', 'o365'])
param dynamicsAuth string = 'aad'

@description('DYNAMICS_TENANT_ID: the Directory (tenant) ID or domain Dynamics signs in through.')
param dynamicsTenantId string

@description('DYNAMICS_CLIENT_ID: the Azure AD app (aad), or the public client to sign in through (o365; empty = the Dataverse sample client).')
param dynamicsClientId string = ''

@secure()
param dynamicsClientSecret string = ''

param dynamicsUsername string = ''

@secure()
param dynamicsPassword string = ''

@description('DYNAMICS_AUTHORITY_HOST: empty for the public cloud; https://login.microsoftonline.us for US Government.')
param dynamicsAuthorityHost string = ''

@description('LEAD_CONTACTS: the sales contact list, e-mail addresses separated by semicolons (as in Partner Center).')
param leadContacts string

@description('ADMINS: who may run admin commands, e-mail addresses or Azure AD object ids separated by semicolons.')
param admins string

@description('TEAMS_TENANT_ID: the Microsoft 365 tenant whose people use the bot; empty = the bot\'s tenant.')
param teamsTenantId string = ''

@description('BOT_LANGUAGE: what channels, group chats and people whose Teams is not in Korean read: en (English) or ko (Korean).')
@allowed(['en', 'ko'])
param botLanguage string = 'en'

@description('BOT_TIME_ZONE: the team\'s time zone, an IANA name such as Asia/Seoul; every time the bot shows is in it.')
param botTimeZone string = 'UTC'

@description('OWN_DOMAINS: the publisher\'s own mail domains, separated by semicolons (contoso.com); leads from them go to the admins only.')
param ownDomains string = ''

@description('ESCALATE_AFTER_MINUTES: a lead nobody claimed is announced again to its people after this many minutes (0: never).')
@minValue(0)
@maxValue(1440)
param escalateAfterMinutes int = 5

@description('ESCALATE_TO_ADMINS_AFTER_MINUTES: a lead still unclaimed goes to the admins and the chats that typed subscribe escalations after this many minutes (0: never).')
@minValue(0)
@maxValue(10080)
param escalateToAdminsAfterMinutes int = 30

@description('DIGEST_HOUR: the hour of the day (0-23, in BOT_TIME_ZONE) the daily digest goes to the chats that typed subscribe digest.')
@minValue(0)
@maxValue(23)
param digestHour int = 8

@description('SELF_CHECK_HOURS: how often the bot runs the validate path by itself, telling the admins only when a step fails and when it passes again (0: never).')
@minValue(0)
@maxValue(168)
param selfCheckHours int = 24

@description('OUTLOOK_SENDER: the mailbox lead alerts are mailed from; empty = no mail (README › How contacts are reached).')
param outlookSender string = ''

@allowed(['fallback', 'always', 'off'])
@description('OUTLOOK_DELIVERY: fallback = mail the contacts Teams cannot reach; always = every contact.')
param outlookDelivery string = 'fallback'

@description('OUTLOOK_ORIGINATOR_ID: the Actionable Email Developer Dashboard\'s provider id; empty = the mail\'s HTML only.')
param outlookOriginatorId string = ''

@description('TEAMS_APP_CATALOG_ID: the app\'s id in the organisation\'s catalog (TEAMS_APP_PUBLISHED_APP_ID after atk publish); empty = the bot installs itself for nobody.')
param teamsAppCatalogId string = ''

@secure()
@description('LEAD_TABLE_CONNECTION_STRING: Partner Center\'s Azure Table destination to import from; empty = none.')
param leadTableConnectionString string = ''

param logLevel string = 'info'

var usesManagedIdentity = botType == 'UserAssignedMsi'
// Storage account names take lower-case letters and digits only; the others are case-insensitive.
var baseName = toLower(resourceBaseName)
var storageName = take('${baseName}leads${uniqueString(resourceGroup().id)}', 24)
var vaultName = take('${baseName}-kv-${uniqueString(resourceGroup().id)}', 24)
// Who the bot is: the app's managed identity, or the app registration you give.
var botId = usesManagedIdentity ? appIdentity.properties.clientId : botAppId
var botTenant = usesManagedIdentity ? appIdentity.properties.tenantId : botTenantId
// Built-in role "Key Vault Secrets User": read secret values, nothing else.
var keyVaultSecretsUser = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

func keyVaultReference(vault string, secret string) string => '@Microsoft.KeyVault(VaultName=${vault};SecretName=${secret})'

// The app's own identity, made before the site: App Service reads the Key Vault references as it
// (keyVaultReferenceIdentity), and a managed-identity bot also signs in to the Bot Service as it.
// A site's system-assigned identity would exist only with the site, so its vault role could not
// be granted, nor start to take effect, before the site first reads its settings.
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${baseName}-identity'
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${baseName}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${baseName}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
  }
}

// Granted first: role assignments take minutes to take effect, and every minute the rest of the
// deployment takes counts towards it.
resource secretsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appIdentity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: keyVaultSecretsUser
  }
}

resource intakeKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'lead-intake-key'
  properties: { value: leadIntakeKey }
}

resource storageSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'storage-connection-string'
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

resource dynamicsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (dynamicsAuth == 'aad') {
  parent: vault
  name: 'dynamics-client-secret'
  properties: { value: dynamicsClientSecret }
}

resource dynamicsPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (dynamicsAuth == 'o365') {
  parent: vault
  name: 'dynamics-password'
  properties: { value: dynamicsPassword }
}

resource botPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!usesManagedIdentity) {
  parent: vault
  name: 'bot-password'
  properties: { value: botPassword }
}

resource leadTableSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(leadTableConnectionString)) {
  parent: vault
  name: 'lead-table-connection-string'
  properties: { value: leadTableConnectionString }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${baseName}-plan'
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
    capacity: instanceCount
  }
  properties: { reserved: true }
}

resource webApp 'Microsoft.Web/sites@2024-04-01' = {
  name: baseName
  location: location
  kind: 'app,linux'
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${appIdentity.id}': {} } }
  dependsOn: [secretsReader]
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: appIdentity.id
    siteConfig: {
      linuxFxVersion: 'NODE|22-lts'
      // Not `npm start`: npm does not pass SIGTERM on, and the bot needs it to stop cleanly.
      appCommandLine: 'node --disable-warning=DEP0111 dist/main.js'
      alwaysOn: true
      healthCheckPath: '/readyz'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      http20Enabled: true
    }
  }
}

// No FTP or deployment password: `atk deploy` (and `az webapp deploy`) upload with your Entra sign-in.
// `location` too: older API versions of this resource refused a deployment without it.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: webApp
  name: 'ftp'
  location: location
  properties: { allow: false }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: webApp
  name: 'scm'
  location: location
  properties: { allow: false }
}

// Every setting the bot reads (README › Settings) is set here, or listed as left to its default
// on purpose (test/infra/bicep.test.ts fails on drift):
//   PORT                             App Service sets it
//   SHUTDOWN_SECONDS                 20 s fits App Service's stop
//   STORAGE_NAME_PREFIX              the storage account is the bot's own
//   LEAD_MAX_BODY_BYTES              32 KiB is ten times a real lead
//   LEAD_DUPLICATE_WINDOW_HOURS      24 h
//   DYNAMICS_LEAD_SOURCE_CODE        8 = Web
//   DYNAMICS_MAX_CONCURRENCY         52: the bot follows x-ms-dop-hint within it
//   DYNAMICS_TIMEOUT_SECONDS         30 s
//   LEAD_RETRY_HOURS                 72: a long outage or a weekend
//   LEAD_TABLE_NAME                  Partner Center's table name
//   LEAD_TABLE_POLL_SECONDS          60 s
//   LEAD_TABLE_IMPORT_FROM           new rows only: history is imported by choice
//   TEAMS_MESSAGES_PER_SECOND        50, Teams' limit per app per tenant, shared by all instances
//   REMINDER_CHECK_MINUTES           hourly
//   GRAPH_URL                        follows DYNAMICS_AUTHORITY_HOST's cloud
//   DYNAMICS_PASSWORD_MAX_AGE_DAYS   90, Microsoft 365's default
//   DYNAMICS_CLIENT_SECRET_EXPIRES   read from Microsoft Graph, or typed in chat (`rotation`)
//   DYNAMICS_PASSWORD_CHANGED        read from Microsoft Graph, or typed in chat (`rotation`)
//   BOT_PASSWORD_EXPIRES             read from Microsoft Graph, or typed in chat (`rotation`)
//   LEAD_CATCH_UP_HOURS              24
//   LEAD_ROUTES_FILE                 none: routes come from chat, or a file shipped with the app (docs/routing.md)
//   GRAPH_TENANT_ID                  the bot's own identity calls Graph
//   GRAPH_CLIENT_ID                  the bot's own identity calls Graph
//   GRAPH_CLIENT_SECRET              the bot's own identity calls Graph
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: webApp
  name: 'appsettings'
  properties: {
    SCM_DO_BUILD_DURING_DEPLOYMENT: 'false'
    LOG_LEVEL: logLevel
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    STORAGE_CONNECTION_STRING: keyVaultReference(vault.name, storageSecret.name)
    LEAD_INTAKE_KEY: keyVaultReference(vault.name, intakeKeySecret.name)
    LEAD_TABLE_CONNECTION_STRING: empty(leadTableConnectionString) ? '' : keyVaultReference(vault.name, leadTableSecret!.name)
    LEAD_CONTACTS: leadContacts
    OWN_DOMAINS: ownDomains
    ESCALATE_AFTER_MINUTES: string(escalateAfterMinutes)
    ESCALATE_TO_ADMINS_AFTER_MINUTES: string(escalateToAdminsAfterMinutes)
    DIGEST_HOUR: string(digestHour)
    SELF_CHECK_HOURS: string(selfCheckHours)
    ADMINS: admins
    TEAMS_TENANT_ID: teamsTenantId
    BOT_LANGUAGE: botLanguage
    BOT_TIME_ZONE: botTimeZone
    DYNAMICS_URL: dynamicsUrl
    DYNAMICS_AUTH: dynamicsAuth
    DYNAMICS_AUTHORITY_HOST: dynamicsAuthorityHost
    DYNAMICS_TENANT_ID: dynamicsTenantId
    DYNAMICS_CLIENT_ID: dynamicsClientId
    DYNAMICS_CLIENT_SECRET: dynamicsAuth == 'aad' ? keyVaultReference(vault.name, dynamicsSecret!.name) : ''
    DYNAMICS_USERNAME: dynamicsUsername
    DYNAMICS_PASSWORD: dynamicsAuth == 'o365' ? keyVaultReference(vault.name, dynamicsPasswordSecret!.name) : ''
    BOT_TYPE: botType
    BOT_ID: botId
    BOT_TENANT_ID: botTenant
    BOT_PASSWORD: usesManagedIdentity ? '' : keyVaultReference(vault.name, botPasswordSecret!.name)
    OUTLOOK_SENDER: outlookSender
    OUTLOOK_DELIVERY: outlookDelivery
    OUTLOOK_ORIGINATOR_ID: outlookOriginatorId
    PUBLIC_URL: 'https://${webApp.properties.defaultHostName}'
    TEAMS_APP_CATALOG_ID: teamsAppCatalogId
  }
}

module bot './botRegistration/azurebot.bicep' = {
  name: 'bot-registration'
  params: {
    botServiceName: baseName
    botDisplayName: botDisplayName
    messagingEndpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    botType: botType
    appId: botId
    appTenantId: botTenant
    identityResourceId: usesManagedIdentity ? appIdentity.id : ''
  }
}

// Written back to env/.env.<environment> by the Agents Toolkit: never a secret here.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output BOT_ID string = botId
output KEY_VAULT_NAME string = vault.name
