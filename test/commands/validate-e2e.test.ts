import { startPlayground, type Playground, type StreamedMessage } from '../../emulators/agents-playground';
import { startDataverseEmulator, type DataverseEmulator } from '../../emulators/dataverse';
import { freePort } from '../../emulators/free-port';
import { startGraphEmulator, type GraphEmulator } from '../../emulators/graph';
import { launchIdentityProvider, type IdentityProviderProcess } from '../../emulators/identity-provider-process';
import { APP, defaultDirectory, TENANT_ID } from '../../emulators/directory';
import { dynamicsEnv, sharedServices } from '../support/shared-services';
import { mailSettings } from '../../emulators/local-stack';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { startTestApp, type TestApp } from '../support/test-app';

const CARD = 'application/vnd.microsoft.card.adaptive';
const CATALOG_APP = '1542629c-01b3-4a6d-8f76-1938b779e48d';
const GRAPH_PERMISSIONS = ['Mail.Send', 'User.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All'];
const cardOf = (message: StreamedMessage | undefined): string => JSON.stringify(message?.attachments.find((a) => a.contentType === CARD)?.content ?? null);

interface Step {
  title: string;
  mark: string;
  detail: string;
  fix: string;
}

/** The report's steps as a person reads them: mark, title, what was found, the fix. */
function stepsOf(card: string): Step[] {
  const body = (JSON.parse(card) as { body: { type: string; items?: unknown[] }[] }).body;
  return body
    .filter((b) => b.type === 'Container')
    .map((container) => {
      const text = JSON.stringify(container.items);
      const texts = [...text.matchAll(/"text":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1] ?? ''}"`) as string);
      const fixAt = texts.indexOf('Fix: ');
      const isTime = (t: string): boolean => /^\d+( ms|\.\d s)$/.test(t);
      return { mark: texts[0] ?? '', title: texts[1] ?? '', detail: texts.find((t, i) => i > 1 && !isTime(t) && t !== 'Fix: ' && i !== fixAt + 1) ?? '', fix: fixAt < 0 ? '' : (texts[fixAt + 1] ?? '') };
    });
}

/** Types validate and waits for the report card to finish updating; returns the final card. */
async function validate(playground: Playground, chat: string): Promise<{ card: string; reportId: string; updates: string[] }> {
  const first = await playground.ask(chat, 'validate');
  expect(cardOf(first)).toContain('Checking… 0 of 10 done.');
  const final = await waitFor(
    () => playground.messages.filter((m) => m.action === 'updateMessage' && m.messageId === first.messageId).at(-1),
    (m) => m !== undefined && !cardOf(m).includes('Checking…'),
    30_000,
  );
  const updates = playground.messages.filter((m) => m.action === 'updateMessage' && m.messageId === first.messageId).map(cardOf);
  return { card: cardOf(final), reportId: first.messageId, updates };
}

describe('validate, through the Agents Playground', () => {
  let idp: IdentityProviderProcess;
  let dv: DataverseEmulator;
  let graph: GraphEmulator;
  let t: TestApp;
  let playground: Playground;
  let chat: string;

  beforeAll(async () => {
    // A directory and a Dynamics of its own: this suite breaks them on purpose.
    const tls = sharedServices().tls;
    idp = await launchIdentityProvider(tls, defaultDirectory());
    dv = await startDataverseEmulator({ tls, identityProviderOrigin: idp.origin, tenantId: TENANT_ID });
    // Lead mail on, so validate sends its test mail through the Graph emulator.
    graph = await startGraphEmulator({ tls, identityProviderOrigin: idp.origin, tenantId: TENANT_ID });
    // ...and installing for contacts: Graph sees the app installed for the Playground's user, who has it.
    graph.setUser({ id: '3a9c1e7f-0000-4000-8000-00000000e001', userPrincipalName: 'alexw@example.com', lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' });
    graph.markInstalled('3a9c1e7f-0000-4000-8000-00000000e001', CATALOG_APP);
    const mail = mailSettings(graph, GRAPH_PERMISSIONS);
    const port = await freePort();
    t = await startTestApp(
      {
        ...dynamicsEnv(dv.url, 'aad', idp.origin),
        ADMINS: 'alexw@example.com',
        LEAD_CONTACTS: 'alexw@example.com',
        ...mail,
        PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
        TEAMS_APP_CATALOG_ID: CATALOG_APP,
      },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY },
      port,
    );
    playground = await startPlayground(`${t.url}/api/messages`);
    chat = playground.config.personalChat.id;
    await playground.install(chat);
    await waitFor(() => t.app.installations.get(chat), (i) => i !== undefined);
  });
  afterEach(async () => {
    dv.faults.clear();
    graph.grant(APP.clientId, GRAPH_PERMISSIONS);
    await idp.setDirectory(defaultDirectory());
  });
  afterAll(async () => {
    await playground.stop();
    await t.stop();
    await dv.stop();
    await graph.stop();
    await idp.stop();
  });

  it('passes every step when all is well, writes a test lead, and sends its card only to the admin', async () => {
    const seen = playground.messages.length;
    const { card, updates } = await validate(playground, chat);
    const steps = stepsOf(card);
    expect(steps.map((s) => [s.mark, s.title])).toEqual([
      ['Passed', 'Settings'],
      ['Passed', 'Sign-in to Dynamics'],
      ['Passed', 'Dynamics reachable'],
      ['Passed', 'Test lead written to Dynamics'],
      ['Passed', 'Lead card delivered to you'],
      ['Passed', 'Test mail sent to you'],
      ['Passed', 'App installs for contacts'],
      ['Passed', 'Contact list reachable'],
      ['Passed', 'Routes reachable'],
      ['Passed', 'Claim makes sellers owners in Dynamics'],
    ]);
    expect(steps[6]?.detail).toBe(`Microsoft Graph sees app ${CATALOG_APP} installed for you: the bot can install it for contacts who have no chat with it.`);
    expect(steps[0]?.detail).toContain(`mail: from leads@contoso.example (contacts Teams cannot reach); installing the app for contacts: on (catalog app ${CATALOG_APP}).`);
    // A real mail to the admin who asked, from the lead mail's sender.
    expect(steps[5]?.detail).toBe('Microsoft Graph accepted a test mail from leads@contoso.example to alexw@example.com; it arrives within a minute or two.');
    expect(graph.mails.map((m) => [m.from, m.to, m.subject])).toEqual([['leads@contoso.example', ['alexw@example.com'], 'Marketplace Lead Bot: test mail from validate']]);
    expect(card).toContain('All checks passed');
    // Fast steps are reported together: one update, not one per step (Teams: 8 operations in 2 s per chat).
    expect(updates).toHaveLength(1);
    expect(steps[1]?.detail).toBe(`Signed in as Azure AD app ${APP.clientId} and got a token for ${dv.url}.`);
    expect(steps[2]?.detail).toMatch(/^Dynamics answered: organisation [0-9a-f-]{36}, signed-in user [0-9a-f-]{36}\.$/);

    // The test lead is in Dynamics, marked as Partner Center marks its own; the card links to it.
    const written = [...dv.leads.values()];
    expect(written).toHaveLength(1);
    expect(JSON.stringify(written[0])).toContain('MSFT_TEST_');
    expect(card).toMatch(new RegExp(`"url":"${dv.url.replace(/[.]/g, '\\.')}/main\\.aspx\\?pagetype=entityrecord&etn=lead&id=[0-9a-f-]{36}"`));
    // Its lead card came to this chat; nothing went to the sales team's delivery records.
    const leadCards = playground.messages.slice(seen).filter((m) => m.action === 'createMessage' && cardOf(m).includes('Test lead: sent by'));
    expect(leadCards).toHaveLength(1);
    expect(cardOf(leadCards[0])).toContain('Lead bot validation');
    expect((await t.app.storage.leads.timelines(new Date(0)))).toEqual([]);
  });

  it("names each route's contacts and chats it cannot reach", async () => {
    // Mail is on: a person with no chat is reached by mail; a chat without the app is not reached at all.
    expect((await playground.ask(chat, 'route add korea countries=KR contacts=nochat@example.com chats=19:ghost@thread.tacv2')).text).toMatch(/^Added route 1 of 1/);
    const steps = stepsOf((await validate(playground, chat)).card);
    expect(steps[8]).toMatchObject({ mark: 'Warning', title: 'Routes reachable', detail: 'Not reached: route korea: chat 19:ghost@thread.tacv2 (the app is not there, or it turned cards off).' });
    expect(steps[8]?.fix).toContain('Install the app for those people and in those chats');
    expect((await playground.ask(chat, 'route remove korea')).text).toMatch(/^Removed route/);
    expect(stepsOf((await validate(playground, chat)).card)[8]).toMatchObject({ mark: 'Passed', detail: 'No routes (LEAD_ROUTES_FILE, route add): every lead goes to LEAD_CONTACTS.' });
  });

  it('checks in Korean for an admin who chose it: the sign-in named in Korean, the test mail written in Korean', async () => {
    expect((await playground.ask(chat, 'subscribe ko')).text).toContain('한국어');
    const mailsBefore = graph.mails.length;
    const first = await playground.ask(chat, '검증');
    const final = await waitFor(
      () => playground.messages.filter((m) => m.action === 'updateMessage' && m.messageId === first.messageId).at(-1),
      (m) => m !== undefined && !cardOf(m).includes('확인하는 중'),
      30_000,
    );
    const steps = stepsOf(cardOf(final ?? first));
    expect(steps[1]?.detail).toBe(`Azure AD 앱 ${APP.clientId}(으)로 로그인해서 ${dv.url}의 토큰을 받았어요.`);
    const mail = graph.mails.slice(mailsBefore);
    expect(mail.map((m) => m.subject)).toEqual(['Marketplace Lead Bot: 검증 테스트 메일']);
    expect(JSON.stringify(mail[0])).toContain('Marketplace Lead Bot의 검증 명령이 보낸 테스트 메일이에요.');
    await playground.ask(chat, 'subscribe en');
  });

  it('shows progress while a slow step runs, at most one update a second', async () => {
    dv.faults.latencyMs = 1500;
    const { updates } = await validate(playground, chat);
    const progress = updates.filter((u) => u.includes('Checking…'));
    expect(progress.length).toBeGreaterThanOrEqual(1);
    // The slow steps (each Dynamics call takes 1.5 s) were shown running while they ran.
    const running = progress.flatMap((u) => stepsOf(u).filter((s) => s.mark === 'Running').map((s) => s.title));
    expect(running.filter((title) => ['Dynamics reachable', 'Test lead written to Dynamics'].includes(title))).not.toEqual([]);
    expect(updates.length).toBeLessThanOrEqual(5); // ~3.5 s of steps: one update a second and the final one
  });

  it('says what to grant when Graph refuses the test mail and the install check', async () => {
    graph.revokeAll();
    const steps = stepsOf((await validate(playground, chat)).card);
    expect(steps[5]).toMatchObject({ mark: 'Failed', title: 'Test mail sent to you' });
    expect(steps[5]?.detail).toContain('HTTP 403');
    expect(steps[5]?.fix).toContain(`Grant app ${APP.clientId} (GRAPH_CLIENT_ID, or the bot's BOT_ID) the Mail.Send application permission`);
    expect(steps[6]).toMatchObject({ mark: 'Failed', title: 'App installs for contacts' });
    expect(steps[6]?.fix).toContain('TeamsAppInstallation.ReadWriteSelfForUser.All');
  });

  it('names a wrong client secret at sign-in, with where to fix it, and skips what needs it', async () => {
    await idp.setDirectory(defaultDirectory({ apps: [{ clientId: APP.clientId, secret: 'a-newer-secret-made-in-the-portal' }] }));
    const steps = stepsOf((await validate(playground, chat)).card);
    expect(steps[1]).toMatchObject({ mark: 'Failed', title: 'Sign-in to Dynamics' });
    expect(steps[1]?.detail).toContain('(DYNAMICS_SECRET_INVALID)');
    expect(steps[1]?.fix).toMatch(/secret/i);
    expect(steps[9]).toMatchObject({ mark: 'Skipped', detail: 'Not checked: needs "Test lead written to Dynamics" to pass first.' });
    expect(steps.slice(2, 4).map((s) => [s.mark, s.detail])).toEqual([
      ['Skipped', 'Not checked: needs "Sign-in to Dynamics" to pass first.'],
      ['Skipped', 'Not checked: needs "Dynamics reachable" to pass first.'],
    ]);
    // The card, the mail, installing and the contacts do not depend on Dynamics, and are still checked.
    expect(steps.slice(4, 9).map((s) => s.mark)).toEqual(['Passed', 'Passed', 'Passed', 'Passed', 'Passed']);
  });

  it("warns when the bot's role cannot assign leads: leads flow, Claim stays in Teams", async () => {
    dv.faults.refusePrivileges = ['prvAssignLead'];
    const steps = stepsOf((await validate(playground, chat)).card);
    dv.faults.clear();
    expect(steps.slice(0, 5).map((s) => s.mark)).toEqual(['Passed', 'Passed', 'Passed', 'Passed', 'Passed']);
    expect(steps[9]).toMatchObject({ mark: 'Warning', title: 'Claim makes sellers owners in Dynamics' });
    expect(steps[9]?.detail).toContain('missing prvAssignLead privilege');
    expect(steps[9]?.fix).toContain('Assign on Lead, Read on User');
  });

  it('finds the missing security role when Dynamics refuses the app', async () => {
    dv.faults.refuseRole = true;
    const steps = stepsOf((await validate(playground, chat)).card);
    expect(steps.slice(0, 3).map((s) => s.mark)).toEqual(['Passed', 'Passed', 'Failed']);
    expect(steps[2]?.detail).toMatch(/\(DYNAMICS_(FORBIDDEN|ROLE_MISSING)\)/);
    expect(steps[2]?.fix).toContain('Power Platform admin center');
  });

  it('says Dynamics is down when it keeps answering 503', async () => {
    dv.faults.failNext(1000, 503);
    const steps = stepsOf((await validate(playground, chat)).card);
    expect(steps.slice(0, 3).map((s) => s.mark)).toEqual(['Passed', 'Passed', 'Failed']);
    expect(steps[2]?.detail).toContain('(DYNAMICS_UNAVAILABLE)');
  });
});

describe('validate with a wrong Dynamics URL', () => {
  let t: TestApp;
  let playground: Playground;

  beforeAll(async () => {
    // An https server that answers, but is not a Dynamics Web API: the identity provider itself.
    const { idpOrigin } = sharedServices();
    t = await startTestApp({ ...dynamicsEnv(idpOrigin), ADMINS: 'alexw@example.com', LEAD_CONTACTS: 'alexw@example.com;meganb@example.com' }, { dynamicsRetry: FAST_RETRY });
    playground = await startPlayground(`${t.url}/api/messages`);
    await playground.install(playground.config.personalChat.id);
    await waitFor(() => t.app.installations.get(playground.config.personalChat.id), (i) => i !== undefined);
  });
  afterAll(async () => {
    await playground.stop();
    await t.stop();
  });

  it('fails at "Dynamics reachable" with the URL fix, and warns about the contact without the app', async () => {
    const { card } = await validate(playground, playground.config.personalChat.id);
    const steps = stepsOf(card);
    expect(steps.map((s) => s.mark)).toEqual(['Passed', 'Passed', 'Failed', 'Skipped', 'Passed', 'Skipped', 'Skipped', 'Warning', 'Passed', 'Skipped']);
    expect(steps[2]?.detail).toContain('(DYNAMICS_URL_WRONG)');
    expect(steps[2]?.fix).toContain('DYNAMICS_URL');
    expect(steps[5]?.detail).toContain('Mail is off');
    expect(steps[6]?.detail).toContain('Installing is off');
    expect(steps[7]?.detail).toBe('1 of 2 contact(s) get lead cards in Teams. Not installed: meganb@example.com.');
    expect(steps[7]?.fix).toContain('OUTLOOK_SENDER');
    expect(card).toContain('1 check(s) failed');
  });

  it('is for admins only', async () => {
    await t.stop();
    t = await startTestApp({ ...dynamicsEnv(sharedServices().idpOrigin), STORAGE_NAME_PREFIX: t.settings.storage.namePrefix, ADMINS: 'meganb@example.com' });
    // The Playground still points at the old port; a fresh one for the new app.
    await playground.stop();
    playground = await startPlayground(`${t.url}/api/messages`);
    expect((await playground.ask(playground.config.personalChat.id, 'validate')).text).toMatch(/^Sorry Alex Wilber, \*\*validate\*\* is for the bot's admins/);
  });
});
