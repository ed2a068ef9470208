import type { InstallationStore } from '../../src/teams/installation-store';

/** Personal chats of `count` sellers, as if each had installed the app, reached through `serviceUrl`. */
export async function seedSellers(installations: InstallationStore, serviceUrl: string, count: number): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, i) => `seller${i}@contoso.example`);
  await Promise.all(
    emails.map((email, i) =>
      installations.save({
        conversationId: `a:conversation-${i}`,
        kind: 'personal',
        tenantId: 'tenant',
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
