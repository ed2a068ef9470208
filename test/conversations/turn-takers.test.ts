import { TENANT_ID } from '../../emulators/directory';
import { InstallationStore } from '../../src/conversations/installation-store';
import { turnTakers } from '../../src/conversations/turn-takers';
import { openStorage } from '../../src/storage/storage';
import { seedSellers } from '../support/seed-installations';
import { testEnv } from '../support/test-app';
import { loadSettings } from '../../src/config/settings';

// Who a round-robin route may hand a lead to, read from real storage (Azurite).
describe('who may take a round-robin turn', () => {
  const storage = openStorage(loadSettings(testEnv()).storage);
  const installations = new InstallationStore(storage.installationTable);
  const now = (): Date => new Date('2026-12-10T09:00:00Z');

  beforeAll(async () => {
    await storage.ensureCreated();
    await seedSellers(installations, 'http://127.0.0.1:9/', 3);
    await installations.setSubscribed('a:conversation-2', false);
    const seller = await installations.get('a:conversation-0');
    if (seller === undefined) throw new Error('seeded');
    await installations.save({ ...seller, conversationId: 'a:guest', email: 'guest@fabrikam.example', userPrincipalName: 'guest@fabrikam.example', userRole: 'guest' });
    await storage.away.set(['seller1@contoso.example'], '2026-12-24', now());
  });

  it('skips people away, who turned cards off, and — with mail off — who have no chat with the bot or are guests', async () => {
    const mayTake = await turnTakers({ installations, away: storage.away, organisation: TENANT_ID, reachedWithoutChat: false, now, timeZone: 'UTC' });
    expect(['seller0@contoso.example', 'seller1@contoso.example', 'seller2@contoso.example', 'nochat@contoso.example', 'guest@fabrikam.example'].filter(mayTake)).toEqual(['seller0@contoso.example']);
  });

  it("lets mail (or installing the app) reach those with no chat, and counts the away days on the team's calendar (BOT_TIME_ZONE), the last one included", async () => {
    const mayTake = await turnTakers({ installations, away: storage.away, organisation: TENANT_ID, reachedWithoutChat: true, now, timeZone: 'UTC' });
    expect(['seller0@contoso.example', 'seller1@contoso.example', 'nochat@contoso.example', 'guest@fabrikam.example'].filter(mayTake)).toEqual(['seller0@contoso.example', 'nochat@contoso.example', 'guest@fabrikam.example']);
    const lastDay = await turnTakers({ installations, away: storage.away, organisation: TENANT_ID, reachedWithoutChat: true, now: () => new Date('2026-12-24T23:59:00Z'), timeZone: 'UTC' });
    expect(lastDay('seller1@contoso.example')).toBe(false);
    const dayAfter = await turnTakers({ installations, away: storage.away, organisation: TENANT_ID, reachedWithoutChat: true, now: () => new Date('2026-12-25T00:00:00Z'), timeZone: 'UTC' });
    expect(dayAfter('seller1@contoso.example')).toBe(true);
    // In Seoul the 24th ends at 15:00 UTC.
    const inSeoul = (at: string): Promise<(contact: string) => boolean> =>
      turnTakers({ installations, away: storage.away, organisation: TENANT_ID, reachedWithoutChat: true, now: () => new Date(at), timeZone: 'Asia/Seoul' });
    expect((await inSeoul('2026-12-24T14:59:00Z'))('seller1@contoso.example')).toBe(false);
    expect((await inSeoul('2026-12-24T15:00:00Z'))('seller1@contoso.example')).toBe(true);
  });
});
