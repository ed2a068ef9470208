import { adminsWithoutChat, isAdminChat } from '../../src/conversations/admin-messenger';
import type { Installation } from '../../src/conversations/installation-store';

const TENANT = '7c2f8f6e-0000-4000-8000-000000000001';
const chat = (who: { aadObjectId?: string; email?: string; userPrincipalName?: string }, kind: Installation['kind'] = 'personal', tenantId = TENANT): Installation => ({
  conversationId: `a:${who.email ?? who.aadObjectId ?? kind}`,
  kind,
  tenantId,
  userId: '29:x',
  aadObjectId: who.aadObjectId,
  email: who.email,
  userPrincipalName: who.userPrincipalName,
  name: undefined,
  reference: { serviceUrl: 'https://127.0.0.1', channelId: 'msteams', conversation: { id: 'a:x', conversationType: kind, isGroup: kind !== 'personal', tenantId } },
  updatedAt: '2026-12-02T00:00:00Z',
});

describe("the admins' chats, and the admins no chat reaches", () => {
  const settings = { admins: ['ada@contoso.example', 'bo@contoso.example', '0d7e6b1a-2222-4a1b-8c1d-00000000ad03', 'cy@contoso.example'], teamsTenantId: TENANT };

  it('knows an admin by object id, e-mail or UPN, in a personal chat of the organisation only', () => {
    expect(isAdminChat(chat({ email: 'ada@contoso.example' }), settings)).toBe(true);
    expect(isAdminChat(chat({ userPrincipalName: 'bo@contoso.example', email: 'bo.b@contoso.example' }), settings)).toBe(true);
    expect(isAdminChat(chat({ aadObjectId: '0d7e6b1a-2222-4a1b-8c1d-00000000ad03' }), settings)).toBe(true);
    expect(isAdminChat(chat({ email: 'sam@contoso.example' }), settings)).toBe(false);
    expect(isAdminChat(chat({ email: 'ada@contoso.example' }, 'channel'), settings)).toBe(false);
    expect(isAdminChat(chat({ email: 'ada@contoso.example' }, 'personal', 'aaaaaaaa-1111-4222-8333-444444444444'), settings)).toBe(false);
  });

  it('leaves for mail the admins named by address whom no admin chat answers to, by e-mail or UPN; never one named by object id', () => {
    const chats = [chat({ email: 'ada@contoso.example' }), chat({ userPrincipalName: 'bo@contoso.example', email: 'bo.b@contoso.example' })];
    expect(adminsWithoutChat(settings.admins, chats)).toEqual(['cy@contoso.example']);
    expect(adminsWithoutChat(settings.admins, [])).toEqual(['ada@contoso.example', 'bo@contoso.example', 'cy@contoso.example']);
  });
});
