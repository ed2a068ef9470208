import { TENANT_ID } from '../../emulators/directory';
import type { InstallationStore } from '../../src/conversations/installation-store';

/** Personal chats of `count` sellers, as if each had installed the app, reached through `serviceUrl`. */
export async function seedSellers(installations: InstallationStore, serviceUrl: string, count: number): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, i) => `seller${i}@contoso.example`);
  await Promise.all(
    emails.map((email, i) =>
      installations.save({
        conversationId: `a:conversation-${i}`,
        kind: 'personal',
        tenantId: TENANT_ID,
        userId: `29:user-${i}`,
        aadObjectId: undefined,
        email,
        userPrincipalName: email,
        name: `Seller ${i}`,
        reference: {
          serviceUrl,
          channelId: 'msteams',
          conversation: { id: `a:conversation-${i}`, conversationType: 'personal', isGroup: false, name: '' },
          bot: { id: '28:bot', name: 'Lead Bot' },
          user: { id: `29:user-${i}`, name: `Seller ${i}` },
        },
        updatedAt: new Date().toISOString(),
      }),
    ),
  );
  return emails;
}

/** An admin's personal chat with the bot, reached through `serviceUrl`. */
export async function seedAdmin(installations: InstallationStore, serviceUrl: string, admin: { email: string; tenantId: string }): Promise<string> {
  const conversationId = `a:admin-${admin.email}`;
  await installations.save({
    conversationId,
    kind: 'personal',
    tenantId: admin.tenantId,
    userId: '29:admin',
    aadObjectId: undefined,
    email: admin.email,
    userPrincipalName: admin.email,
    name: 'Admin',
    reference: {
      serviceUrl,
      channelId: 'msteams',
      conversation: { id: conversationId, conversationType: 'personal', isGroup: false, name: '', tenantId: admin.tenantId },
      bot: { id: '28:bot', name: 'Lead Bot' },
      user: { id: '29:admin', name: 'Admin' },
    },
    updatedAt: new Date().toISOString(),
  });
  return conversationId;
}

/** A channel (or group chat) of the organisation where the app is installed, reached through `serviceUrl`. */
export async function seedChannel(installations: InstallationStore, serviceUrl: string, conversationId: string, kind: 'channel' | 'groupChat' = 'channel'): Promise<string> {
  await installations.save({
    conversationId,
    kind,
    tenantId: TENANT_ID,
    userId: undefined,
    aadObjectId: undefined,
    email: undefined,
    userPrincipalName: undefined,
    name: undefined,
    reference: {
      serviceUrl,
      channelId: 'msteams',
      conversation: { id: conversationId, conversationType: kind === 'channel' ? 'channel' : 'groupChat', isGroup: true, name: '', tenantId: TENANT_ID },
      bot: { id: '28:bot', name: 'Lead Bot' },
    },
    updatedAt: new Date().toISOString(),
  });
  return conversationId;
}
