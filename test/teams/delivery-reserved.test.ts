import { RestError } from '@azure/core-rest-pipeline';
import { CardFactory } from 'botbuilder';
import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import { TENANT_ID } from '../../emulators/directory';
import { leadCard } from '../../src/cards/lead-card';
import type { Delivery, DeliveryStore } from '../../src/conversations/delivery-store';
import { SendLimiter } from '../../src/conversations/send-limiter';
import { acceptLead } from '../../src/intake/accept-lead';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { createLogger } from '../../src/logging/create-logger';
import type { StoredLead } from '../../src/storage/lead-store';
import { deliverLeadCard, type TeamsNotifierDeps } from '../../src/teams/teams-notifier';
import { fixture } from '../support/fixtures';
import { seedSellers } from '../support/seed-installations';
import { startTestApp, type TestApp } from '../support/test-app';

describe('one lead card per chat, whatever fails between sending and recording', () => {
  let connector: BotConnectorEmulator;
  let t: TestApp;
  let lead: StoredLead;

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    t = await startTestApp();
    await seedSellers(t.app.installations, connector.serviceUrl, 1);
  });
  afterAll(async () => {
    await t.stop();
    await connector.stop();
  });
  beforeEach(async () => {
    const accepted = await acceptLead(parseHttpsLead(fixture('https-appsource-contact-me')), 'https', { key: `k-${String(Math.random())}`, duplicateWindowMs: 1 }, { ...t.app.storage, now: () => new Date() });
    lead = (await t.app.storage.leads.get(accepted.leadId)) as StoredLead;
  });

  const depsWith = (deliveries: DeliveryStore): TeamsNotifierDeps => ({
    adapter: t.app.bot.adapter,
    botAppId: '',
    installations: t.app.installations,
    deliveries,
    organisation: TENANT_ID,
    limiter: new SendLimiter(50),
    reader: { language: 'en', timeZone: 'UTC' },
    logger: createLogger('silent'),
    now: () => new Date(),
  });
  const send = async (deliveries: DeliveryStore): Promise<string> => {
    const target = await t.app.installations.get('a:conversation-0');
    if (target === undefined) throw new Error('the seller has a chat');
    const card = CardFactory.adaptiveCard(leadCard({ lead, dynamics: { state: 'pending', reason: 'writing' } }, { language: 'en', timeZone: 'UTC' }));
    return deliverLeadCard(lead, target, () => ({ card, shows: 'pending' }), depsWith(deliveries));
  };
  const cardsFor = (): number => connector.delivered.filter((d) => d.method === 'POST' && JSON.stringify(d.activity).includes(lead.id)).length;

  it('sends nothing again when storage failed to record a card Teams had accepted, and keeps the chat', async () => {
    // Storage answers 404 to the record of the sent card: an error of storage's, not of Teams'.
    const flaky = Object.create(t.app.deliveries) as DeliveryStore;
    flaky.record = (delivery: Delivery) =>
      delivery.status === 'sent' ? Promise.reject(new RestError('The table specified does not exist.', { statusCode: 404 })) : t.app.deliveries.record(delivery);
    await expect(send(flaky)).rejects.toThrow('The table specified does not exist.');
    expect(cardsFor()).toBe(1);
    expect(await t.app.installations.get('a:conversation-0')).toBeDefined();

    // The pass is tried again: the card is taken already, and not sent twice.
    expect(await send(t.app.deliveries)).toBe('already-sent');
    expect(cardsFor()).toBe(1);
  });

  it('sends once when two passes over the same lead reach the same chat at once', async () => {
    const outcomes = await Promise.all([send(t.app.deliveries), send(t.app.deliveries), send(t.app.deliveries)]);
    expect(outcomes.sort()).toEqual(['already-sent', 'already-sent', 'sent']);
    expect(cardsFor()).toBe(1);
    expect((await t.app.deliveries.get(lead.id, 'a:conversation-0'))?.status).toBe('sent');
  });

  it('takes a chat Teams refused for now again on the next pass', async () => {
    connector.gone.set('a:conversation-0', { status: 400, code: 'BadArgument' });
    expect(await send(t.app.deliveries)).toBe('failed');
    connector.gone.delete('a:conversation-0');
    expect(await send(t.app.deliveries)).toBe('sent');
    expect(cardsFor()).toBe(1);
  });

  it('lists a card left "sending" by an instance that stopped, for status, once it is clearly not coming', async () => {
    const now = new Date();
    await t.app.deliveries.start(lead.id, 'a:stopped-mid-send', new Date(now.getTime() - 10 * 60_000));
    await t.app.deliveries.start(lead.id, 'a:sending-now', now);
    const listed = (await t.app.deliveries.failuresSince(new Date(now.getTime() - 3_600_000), now)).filter((d) => d.leadId === lead.id);
    expect(listed.map((d) => [d.conversationId, d.status])).toEqual([['a:stopped-mid-send', 'sending']]);
  });
});
