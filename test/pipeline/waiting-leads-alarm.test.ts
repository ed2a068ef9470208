import { startBotConnectorEmulator, type BotConnectorEmulator } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { fixture } from '../support/fixtures';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { TENANT_ID } from '../../emulators/directory';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { postLead, startTestApp, type TestApp } from '../support/test-app';

const ADMIN = 'it-admin@contoso.example';

// The admins hear once when leads wait for Dynamics over 15 minutes (or one is dead-lettered),
// and once when it clears; the clock is moved, the checks are run by hand, the cards go through
// the Bot Connector emulator to the admin's personal chat.
describe('the admins\' card when leads wait for Dynamics', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let t: TestApp;
  let minutesLater = 0;

  const toAdmin = (): string[] => connector.delivered.filter((d) => d.conversationId === 'a:admin' && d.method === 'POST').map((d) => JSON.stringify(d.activity));

  beforeEach(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    minutesLater = 0;
  });
  afterEach(async () => {
    await t.stop();
    await connector.stop();
    await dv.stop();
  });

  const start = async (env: Record<string, string> = {}, worker: Record<string, number> = {}): Promise<void> => {
    t = await startTestApp(
      // A contact list, so the leads themselves go to the sales team and the admins hear only the alarms.
      { ...dynamicsEnv(dv.url), ADMINS: ADMIN, LEAD_CONTACTS: 'sales@contoso.example', ...env },
      { backgroundWork: true, workerOptions: { ...FAST_WORKER, ...worker }, dynamicsRetry: FAST_RETRY, now: () => new Date(Date.now() + minutesLater * 60_000) },
    );
    await t.app.installations.save({
      conversationId: 'a:admin',
      kind: 'personal',
      tenantId: TENANT_ID,
      userId: '29:admin',
      aadObjectId: undefined,
      email: ADMIN,
      userPrincipalName: ADMIN,
      name: 'IT Admin',
      reference: { serviceUrl: connector.serviceUrl, channelId: 'msteams', conversation: { id: 'a:admin', conversationType: 'personal', isGroup: false, name: '' }, bot: { id: '28:bot', name: 'Lead Bot' }, user: { id: '29:admin', name: 'IT Admin' } },
      updatedAt: new Date().toISOString(),
    });
  };

  it('tells them once after 15 minutes of Dynamics answering 503, and once when the lead is written', async () => {
    dv.faults.failNext(100_000, 503);
    await start();
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.lastErrorCode === 'DYNAMICS_UNAVAILABLE');
    minutesLater = 14;
    expect(await t.app.waitingAlarm.tick()).toBe('quiet');

    minutesLater = 16;
    expect(await t.app.waitingAlarm.tick()).toBe('raised');
    const [card = ''] = toAdmin();
    expect(card).toContain('Leads are waiting for Dynamics');
    expect(card).toContain('DYNAMICS_UNAVAILABLE');
    expect(card).toContain('1 lead(s), the oldest since');
    expect(card).not.toContain('Retry dead-lettered leads');
    expect(await t.app.waitingAlarm.tick()).toBe('open');
    expect(toAdmin()).toHaveLength(1);

    dv.faults.clear();
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done', 20_000);
    expect(await t.app.waitingAlarm.tick()).toBe('cleared');
    expect(toAdmin()[1]).toContain('Leads reach Dynamics again');
    expect(await t.app.waitingAlarm.tick()).toBe('quiet');
    expect(toAdmin()).toHaveLength(2);
  });

  it('tells them at once of a dead-lettered lead, with Retry', async () => {
    dv.faults.extraRequiredColumns = ['companyname'];
    await start();
    const leadId = (await postLead(t.url, fixture('https-blank-fields'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'dead-lettered');
    expect(await t.app.waitingAlarm.tick()).toBe('raised');
    const [card = ''] = toAdmin();
    expect(card).toContain('Leads could not be written to Dynamics');
    expect(card).toContain('DYNAMICS_LEAD_REJECTED');
    expect(card).toContain('"verb":"retryDeadLetters"');
    expect(await t.app.waitingAlarm.tick()).toBe('open');

    // While that dead letter waits, Dynamics goes down: a new reason is news.
    dv.faults.failNext(100_000, 503);
    const waiting = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(waiting), (l) => l?.lastErrorCode === 'DYNAMICS_UNAVAILABLE');
    minutesLater = 16;
    await postLead(t.url, fixture('https-korean-contact')); // a second one waiting: the commonest reason is now the outage
    await waitFor(() => t.app.storage.leads.timelines(new Date(0)), (all) => all.filter((l) => l.lastErrorCode === 'DYNAMICS_UNAVAILABLE').length === 2);
    minutesLater = 40;
    expect(await t.app.waitingAlarm.tick()).toBe('raised');
    expect(toAdmin().at(-1)).toContain('DYNAMICS_UNAVAILABLE');
    expect(await t.app.waitingAlarm.tick()).toBe('open');
  });

  it('leaves sign-in refusals to the sign-in alarm, which tells them at once', async () => {
    await start({ DYNAMICS_CLIENT_SECRET: 'not-the-secret' });
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.lastErrorCode === 'DYNAMICS_SECRET_INVALID');
    const [alarm] = await waitFor(toAdmin, (cards) => cards.length === 1);
    expect(alarm).toContain('DYNAMICS_SECRET_INVALID');
    minutesLater = 30;
    expect(await t.app.waitingAlarm.tick()).toBe('quiet');
    expect(toAdmin()).toHaveLength(1);
  });

  it('gives up a lead whose alert keeps failing after a bounded number of passes, tells them, and retry finishes it', async () => {
    // The only contact's chat keeps answering 412: Teams asks for retries, and they keep failing.
    await start({ LEAD_CONTACTS: ADMIN }, { failedPassMs: 300, maxFailedPasses: 2 });
    connector.gone.set('a:admin', { status: 412, code: 'PreconditionFailed' });
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    const [letter] = await waitFor(() => t.app.deadLetters.list(), (l) => l.length === 1, 30_000);
    expect(letter).toMatchObject({ leadId, code: 'LEAD_NOT_FINISHED', reason: expect.stringMatching(/^Tried 2 times; the last failure: /) });
    // Dynamics has it: the give-up is not Dynamics'.
    expect(await t.app.storage.leads.get(leadId)).toMatchObject({ status: 'written', alertedAt: undefined });

    connector.gone.delete('a:admin');
    expect(await t.app.waitingAlarm.tick()).toBe('raised');
    expect(toAdmin().find((c) => c.includes('Leads could not be finished'))).toContain('LEAD_NOT_FINISHED');

    expect(await t.app.deadLetters.redrive()).toEqual([leadId]);
    await waitFor(() => t.app.storage.leads.get(leadId), (l) => l?.status === 'done', 20_000);
    expect(toAdmin().filter((c) => c.includes(leadId) && c.includes('"verb":"claimLead"'))).toHaveLength(1);
    expect(dv.leads.size).toBe(1);
  });
});
