import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { loadSettings } from '../../src/config/settings';
import { openStorage } from '../../src/storage/storage';
import { fixture } from '../support/fixtures';
import { testEnv } from '../support/test-app';

describe('claiming a lead', () => {
  it('lets exactly one of several sellers who press Claim at once own it', async () => {
    const storage = openStorage(loadSettings(testEnv()).storage);
    await storage.ensureCreated();
    const id = '7a327f16-0a0a-87a2-bf94-84a8e5bf6703';
    await storage.leads.create({ ...parseHttpsLead(fixture('https-appsource-contact-me')), id, origin: 'https', receivedAt: new Date().toISOString() });

    const sellers = ['Ana Silva', 'Bo Chen', 'Cy Diaz', 'Di Eze'];
    const outcomes = await Promise.all(sellers.map((s) => storage.leads.claim(id, { name: s }, new Date())));

    const winners = outcomes.filter((o) => o.won);
    expect(winners).toHaveLength(1);
    const owner = winners[0]?.claimedBy;
    expect(outcomes.every((o) => o.claimedBy === owner)).toBe(true);
    expect((await storage.leads.get(id))?.claimedBy).toBe(owner);
    expect(await storage.leads.claim(id, { name: 'Late Larry' }, new Date())).toEqual({ won: false, claimedBy: owner });
  });
});
