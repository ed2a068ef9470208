// Marketplace Lead Bot in one resource group: App Service (Linux, Node 22), the Azure Bot with its
// Teams channel, a Storage account (the bot's only state: tables and queues), Key Vault for every
// secret, Application Insights. Deployed by `m365agents.yml` (arm/deploy) or
// `az deployment group create --template-file infra/azure.bicep --parameters infra/azure.parameters.json`.

@minLength(8)
@maxLength(16)
@description('Lower-case letters and digits, starting with a letter; names every resource. The site and the bot take it as their name in Azure, which must be unique there.')
param resourceBaseName string

param location string = resourceGroup().location

@description('App Service plan size. Basic or higher: always on, health check, more than one instance.')
param webAppSku string = 'B1'

@minValue(1)
@maxValue(10)
@description('Instances of the bot. Two or more are safe: leads come off a shared queue, reminders take a storage lease. Basic plans (B1) allow 3 at most; S1 or P0v3 up to 10.')
param instanceCount int = 2

@description('Name shown for the bot in Teams.')
param botDisplayName string = 'Marketplace Lead Bot'

@allowed(['UserAssignedMsi', 'SingleTenant'])
@description('UserAssignedMsi: the bot signs in as a managed identity created here (no secret). SingleTenant: as an app registration whose secret you give.')
param botType string = 'UserAssignedMsi'

@description('SingleTenant only: the app registration\'s Application (client) ID.')
param botAppId string = ''

@secure()
@description('SingleTenant only: that app registration\'s client secret.')
param botPassword string = ''

@description('SingleTenant only: when that secret expires (YYYY-MM-DD), for the rotation reminders.')
#disable-next-line secure-secrets-in-params // a date, not a secret
param botPasswordExpires string = ''

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

@description('DYNAMICS_CLIENT_SECRET_EXPIRES (YYYY-MM-DD), when Microsoft Graph may not be asked.')
#disable-next-line secure-secrets-in-params // a date, not a secret
param dynamicsClientSecretExpires string = ''

param dynamicsUsername string = ''

@secure()
param dynamicsPassword string = ''

@description('DYNAMICS_PASSWORD_CHANGED (YYYY-MM-DD), when Microsoft Graph may not be asked.')
#disable-next-line secure-secrets-in-params // a date, not a secret
param dynamicsPasswordChanged string = ''

@description('DYNAMICS_AUTHORITY_HOST: empty for the public cloud; https://login.microsoftonline.us for US Government.')
param dynamicsAuthorityHost string = ''

@description('LEAD_CONTACTS: the sales contact list, e-mail addresses separated by semicolons (as in Partner Center).')
param leadContacts string

@description('ADMINS: who may run admin commands, e-mail addresses or Azure AD object ids separated by semicolons.')
param admins string

@description('TEAMS_TENANT_ID: the Microsoft 365 tenant whose people use the bot; empty = the bot\'s tenant.')
param teamsTenantId string = ''

@secure()
@description('LEAD_TABLE_CONNECTION_STRING: Partner Center\'s Azure Table destination to import from; empty = none.')
param leadTableConnectionString string = ''

param logLevel string = 'info'

var usesManagedIdentity = botType == 'UserAssignedMsi'
var storageName = take('${resourceBaseName}leads${uniqueString(resourceGroup().id)}', 24)
var vaultName = take('${resourceBaseName}-kv-${uniqueString(resourceGroup().id)}', 24)
// Built-in role "Key Vault Secrets User": read secret values, nothing else.
var keyVaultSecretsUser = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')

func keyVaultReference(vault string, secret string) string => '@Microsoft.KeyVault(VaultName=${vault};SecretName=${secret})'

resource botIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = if (usesManagedIdentity) {
  name: '${resourceBaseName}-bot'
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
  name: '${resourceBaseName}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${resourceBaseName}-insights'
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
  name: '${resourceBaseName}-plan'
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
    capacity: instanceCount
  }
  properties: { reserved: true }
}

resource webApp 'Microsoft.Web/sites@2024-04-01' = {
  name: resourceBaseName
  location: location
  kind: 'app,linux'
  identity: usesManagedIdentity
    ? { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: { '${botIdentity.id}': {} } }
    : { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
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

// The app reads its secrets through Key Vault references, as its system-assigned identity.
resource secretsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, webApp.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: webApp.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: keyVaultSecretsUser
  }
}

// The settings are applied once the app may read its secrets: App Service resolves Key Vault
// references when settings change, and would otherwise keep the unresolved reference for a day.
// Every setting the bot reads (README › Settings) is set here, or listed as left to its default
// on purpose (test/infra/bicep.test.ts fails on drift):
//   PORT                             App Service sets it
//   SHUTDOWN_SECONDS                 20 s fits App Service's stop
//   STORAGE_NAME_PREFIX              the storage account is the bot's own
//   LEAD_MAX_BODY_BYTES              32 KiB is ten times a real lead
//   LEAD_DUPLICATE_WINDOW_HOURS      24 h
//   DYNAMICS_LEAD_SOURCE_CODE        8 = Web
//   DYNAMICS_MAX_CONCURRENCY         8 per instance
//   DYNAMICS_TIMEOUT_SECONDS         30 s
//   LEAD_MAX_ATTEMPTS                10
//   LEAD_TABLE_NAME                  Partner Center's table name
//   LEAD_TABLE_POLL_SECONDS          60 s
//   TEAMS_MESSAGES_PER_SECOND        30, under Teams' 50 per app per tenant
//   REMINDER_CHECK_MINUTES           hourly
//   GRAPH_URL                        follows DYNAMICS_AUTHORITY_HOST's cloud
//   DYNAMICS_PASSWORD_MAX_AGE_DAYS   90, Microsoft 365's default
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: webApp
  name: 'appsettings'
  dependsOn: [secretsReader]
  properties: {
    SCM_DO_BUILD_DURING_DEPLOYMENT: 'false'
    LOG_LEVEL: logLevel
    APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString
    STORAGE_CONNECTION_STRING: keyVaultReference(vault.name, storageSecret.name)
    LEAD_INTAKE_KEY: keyVaultReference(vault.name, intakeKeySecret.name)
    LEAD_TABLE_CONNECTION_STRING: empty(leadTableConnectionString) ? '' : keyVaultReference(vault.name, leadTableSecret.name)
    LEAD_CONTACTS: leadContacts
    ADMINS: admins
    TEAMS_TENANT_ID: teamsTenantId
    DYNAMICS_URL: dynamicsUrl
    DYNAMICS_AUTH: dynamicsAuth
    DYNAMICS_AUTHORITY_HOST: dynamicsAuthorityHost
    DYNAMICS_TENANT_ID: dynamicsTenantId
    DYNAMICS_CLIENT_ID: dynamicsClientId
    DYNAMICS_CLIENT_SECRET: dynamicsAuth == 'aad' ? keyVaultReference(vault.name, dynamicsSecret.name) : ''
    DYNAMICS_CLIENT_SECRET_EXPIRES: dynamicsClientSecretExpires
    DYNAMICS_USERNAME: dynamicsUsername
    DYNAMICS_PASSWORD: dynamicsAuth == 'o365' ? keyVaultReference(vault.name, dynamicsPasswordSecret.name) : ''
    DYNAMICS_PASSWORD_CHANGED: dynamicsPasswordChanged
    BOT_TYPE: botType
    BOT_ID: usesManagedIdentity ? botIdentity!.properties.clientId : botAppId
    BOT_TENANT_ID: usesManagedIdentity ? botIdentity!.properties.tenantId : subscription().tenantId
    BOT_PASSWORD: usesManagedIdentity ? '' : keyVaultReference(vault.name, botPasswordSecret.name)
    BOT_PASSWORD_EXPIRES: botPasswordExpires
  }
}

module bot './botRegistration/azurebot.bicep' = {
  name: 'bot-registration'
  params: {
    botServiceName: resourceBaseName
    botDisplayName: botDisplayName
    messagingEndpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    botType: botType
    appId: usesManagedIdentity ? botIdentity!.properties.clientId : botAppId
    appTenantId: usesManagedIdentity ? botIdentity!.properties.tenantId : subscription().tenantId
    identityResourceId: usesManagedIdentity ? botIdentity.id : ''
  }
}

// Written back to env/.env.<environment> by the Agents Toolkit: never a secret here.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ENDPOINT string = 'https://${webApp.properties.defaultHostName}'
output BOT_ID string = usesManagedIdentity ? botIdentity!.properties.clientId : botAppId
output KEY_VAULT_NAME string = vault.name
