import { TENANT_ID } from './directory';

/** Who sends an activity and where, as Teams names them in a personal chat. */
export interface TeamsSender {
  readonly userId: string;
  readonly aadObjectId?: string;
  readonly name?: string;
  readonly conversationId: string;
}

/**
 * Posts an activity to the bot's messages route as Teams sends one from a personal chat in the
 * local tenant (the channel, the tenant, the bot as recipient), answered through `serviceUrl`.
 */
export async function sendAsTeams(botUrl: string, serviceUrl: string, sender: TeamsSender, activity: Record<string, unknown>): Promise<Response> {
  return fetch(`${botUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      channelId: 'msteams',
      serviceUrl,
      from: { id: sender.userId, ...(sender.aadObjectId === undefined ? {} : { aadObjectId: sender.aadObjectId }), ...(sender.name === undefined ? {} : { name: sender.name }) },
      recipient: { id: '28:bot', name: 'Lead Bot' },
      conversation: { id: sender.conversationId, conversationType: 'personal', tenantId: TENANT_ID },
      channelData: { tenant: { id: TENANT_ID } },
      ...activity,
    }),
  });
}
