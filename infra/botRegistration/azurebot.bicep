// The Azure Bot registration: where Teams sends the bot's messages, and who the bot is.

param botServiceName string
param botDisplayName string
param messagingEndpoint string

@allowed(['UserAssignedMsi', 'SingleTenant'])
param botType string

@description('The managed identity\'s client ID, or the app registration\'s Application (client) ID.')
param appId string

param appTenantId string

@description('UserAssignedMsi only: the managed identity\'s resource ID.')
param identityResourceId string = ''

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botServiceName
  location: 'global'
  kind: 'azurebot'
  sku: { name: 'F0' }
  properties: {
    displayName: botDisplayName
    endpoint: messagingEndpoint
    msaAppId: appId
    msaAppTenantId: appTenantId
    msaAppType: botType == 'UserAssignedMsi' ? 'UserAssignedMSI' : 'SingleTenant'
    ...(botType == 'UserAssignedMsi' ? { msaAppMSIResourceId: identityResourceId } : {})
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}
