import { startBotConnectorEmulator, type BotConnectorEmulator, type Delivered } from '../../emulators/bot-connector';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { sendAsTeams } from '../../emulators/send-as-teams';
import { fixture } from '../support/fixtures';
import { FAST_RETRY, FAST_WORKER, waitFor } from '../support/pipeline';
import { dynamicsEnv, startDataverse } from '../support/shared-services';
import { postLead, startTestApp, type TestApp } from '../support/test-app';
import { cardProblems } from '../support/validate-card';

/** Two sellers on the contact list: Jimin's Teams is in Korean, Ana's in English. */
const JIMIN = { userId: '29:jimin', aadObjectId: '0d7e6b1a-1111-4a1b-8c1d-000000000001', name: 'Jimin Park', conversationId: 'a:jimin', email: 'jimin@contoso.example', locale: 'ko-KR' };
const ANA = { userId: '29:ana', aadObjectId: '0d7e6b1a-1111-4a1b-8c1d-000000000002', name: 'Ana Silva', conversationId: 'a:ana', email: 'ana@contoso.example', locale: 'en-US' };
type Seller = typeof JIMIN;
/** A team's channel, as Teams names it on the activities from there. */
const CHANNEL = { id: '19:sales@thread.tacv2', conversationType: 'channel', tenantId: TENANT_ID };

const textOf = (d: Delivered): string => (typeof d.activity.text === 'string' ? d.activity.text : '');
const cardOf = (d: Delivered): Record<string, unknown> => ((d.activity.attachments as { content?: Record<string, unknown> }[] | undefined)?.[0]?.content ?? {});

describe('each person reads the bot in their own language, times in the team\'s zone', () => {
  let connector: BotConnectorEmulator;
  let dv: DataverseEmulator;
  let t: TestApp;
  let sent = 0;

  /** What the bot answered in this chat to an activity sent as Teams sends it, in the person's locale. */
  const answer = async (seller: Seller, activity: Record<string, unknown>, conversation?: Record<string, unknown>): Promise<Delivered> => {
    const seen = connector.delivered.length;
    const conversationId = (conversation?.id as string | undefined) ?? seller.conversationId;
    sent++;
    const response = await sendAsTeams(t.url, connector.serviceUrl, { ...seller, conversationId }, { id: `activity-${String(sent)}`, locale: seller.locale, ...activity, ...(conversation === undefined ? {} : { conversation }) });
    expect(response.status).toBeLessThan(300);
    // In a channel the answer goes to the message's thread: "<channel id>;messageid=…".
    const [said] = await waitFor(() => Promise.resolve(connector.delivered.slice(seen).filter((d) => d.conversationId.split(';')[0] === conversationId && d.method === 'POST')), (d) => d.length > 0);
    if (said === undefined) throw new Error('no answer');
    return said;
  };
  const ask = (seller: Seller, text: string, conversation?: Record<string, unknown>): Promise<Delivered> => answer(seller, { type: 'message', text }, conversation);

  beforeAll(async () => {
    connector = await startBotConnectorEmulator({ appPerSecond: 50 });
    dv = await startDataverse();
    for (const seller of [JIMIN, ANA]) connector.members.set(seller.userId, { name: seller.name, aadObjectId: seller.aadObjectId, email: seller.email, userPrincipalName: seller.email, userRole: 'user' });
    t = await startTestApp(
      { ...dynamicsEnv(dv.url), TEAMS_TENANT_ID: TENANT_ID, LEAD_CONTACTS: `${JIMIN.email};${ANA.email}`, ADMINS: ANA.email, BOT_TIME_ZONE: 'Asia/Seoul' },
      { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY },
    );
  });
  afterAll(async () => {
    await t.stop();
    await dv.stop();
    await connector.stop();
  });

  it('welcomes each in their language when they add the app', async () => {
    expect(textOf(await answer(JIMIN, { type: 'installationUpdate', action: 'add' }))).toContain('안녕하세요! Marketplace Lead Bot이에요.');
    expect(textOf(await answer(ANA, { type: 'installationUpdate', action: 'add' }))).toContain("Hi! I'm the Marketplace Lead Bot.");
  });

  it('answers help in Korean to a ko-KR user, typed in either language, and in English to an en-US user', async () => {
    for (const word of ['도움말', 'help']) {
      const card = cardOf(await ask(JIMIN, word));
      expect(cardProblems(card)).toEqual([]);
      const json = JSON.stringify(card);
      expect(json).toContain('새 마켓플레이스 리드가 들어오면');
      expect(json).toContain('"text":"상태"');
      expect(json).toContain('영어 명령어도 그대로 쓸 수 있어요: help, status');
      expect(json).toContain('관리자는 이 명령도 쓸 수 있어요: 검증, 경로, 재시도');
      expect(json).toContain('"text":"구독 [offer 제품ID | country 국가코드 | 에스컬레이션 | 요약 | en | ko]"');
    }
    const english = JSON.stringify(cardOf(await ask(ANA, 'help')));
    expect(english).toContain('I post new marketplace leads to Teams');
    // Ana is an admin: every command, and no "admins can also run".
    expect(english).toContain('Korean words work too: 도움말, 검증, 상태');
    expect(english).not.toContain('Admins can also run');
  });

  it('runs the Korean command words, and hints in the person\'s language at a word it does not know', async () => {
    expect(textOf(await ask(JIMIN, '구독취소'))).not.toBe('');
    expect(textOf(await ask(JIMIN, '부재'))).toBe('알겠어요. **복귀**를 입력할 때까지 순번 배정에서 빠져요. 모두에게 보내는 리드는 그대로 받아요.');
    expect(textOf(await ask(JIMIN, '부재 until 어제'))).toBe('"어제"은(는) 날짜가 아니에요. 2026-12-24처럼 YYYY-MM-DD 형식으로 입력하세요.');
    expect(textOf(await ask(JIMIN, '복귀'))).toBe('돌아오신 걸 환영해요. 이제 다시 순번대로 리드를 받아요.');
    expect(textOf(await ask(JIMIN, '안녕'))).toBe('죄송해요, 모르는 명령이에요. **도움말**을 입력하면 쓸 수 있는 명령을 보여 드려요.');
    expect(textOf(await ask(ANA, 'hello'))).toBe("Sorry, I don't know that one. Type **help** to see what I can do.");
    // Admin-only, refused in Korean.
    expect(textOf(await ask(JIMIN, '재시도'))).toMatch(/^죄송해요, Jimin Park 님\. \*\*재시도\*\*은\(는\) 봇 관리자만 쓸 수 있어요\./);
  });

  it('writes to a channel in BOT_LANGUAGE, whoever typed there, until `subscribe ko` chooses Korean for it', async () => {
    expect(textOf(await answer(JIMIN, { type: 'installationUpdate', action: 'add' }, CHANNEL))).toContain("Hi! I'm the Marketplace Lead Bot.");
    expect(textOf(await ask(JIMIN, '안녕', CHANNEL))).toBe("Sorry, I don't know that one. Type **help** to see what I can do.");
    // The language only: the channel gets no cards until it subscribes.
    expect(textOf(await ask(ANA, 'subscribe ko', CHANNEL))).toBe('이제 이 채널에서는 한국어로 안내할게요.');
    expect((await t.app.installations.get(CHANNEL.id))?.language).toBe('ko');
    expect((await t.app.installations.get(CHANNEL.id))?.subscribed).toBeUndefined();
    expect(textOf(await ask(ANA, 'subscribe', CHANNEL))).toBe('완료했어요. 이 채널에서 새 리드가 들어올 때마다 카드를 받아요. 그만 받으려면 **구독취소**를 입력하세요.');
  });

  it('reports validate in the channel\'s Korean: every step, and the test lead\'s card', async () => {
    const seen = connector.delivered.length;
    const first = JSON.stringify(cardOf(await ask(ANA, '검증', CHANNEL)));
    expect(first).toContain('검증: 리드 처리 과정');
    expect(first).toContain('확인하는 중… 10단계 중 0단계 완료');
    const report = await waitFor(
      () => Promise.resolve(connector.delivered.slice(seen).filter((d) => d.conversationId.split(';')[0] === CHANNEL.id).map((d) => JSON.stringify(cardOf(d)))),
      (all) => all.some((c) => c.includes('"verb":"runValidate"')),
    );
    const last = report.filter((c) => c.includes('"verb":"runValidate"')).at(-1) ?? '';
    for (const step of ['설정', 'Dynamics 로그인', 'Dynamics 연결', 'Dynamics에 테스트 리드 등록', '나에게 리드 카드 전달', '연락처 목록 전달 확인']) expect(last).toContain(`"text":"${step}"`);
    expect(last).toContain('"text":"통과"');
    expect(last).toContain('"title":"다시 검증"');
    expect(last).not.toMatch(/"text":"(Passed|Failed|Warning|Skipped)"/);
    expect(report.some((c) => c.includes('"text":"테스트 리드: 고객이 아니라'))).toBe(true);
  });

  it('sends the lead card in Korean to Jimin and to the channel, in English to Ana, times in Seoul\'s zone, the lead\'s own words untouched', async () => {
    await ask(JIMIN, '구독');
    const leadId = (await postLead(t.url, fixture('https-appsource-contact-me'))).body.leadId as string;
    const cards = await waitFor(
      () => Promise.resolve(connector.delivered.filter((d) => d.method === 'POST' && JSON.stringify(d.activity).includes(leadId))),
      (d) => d.length === 3,
    );
    const forChannel = cards.find((d) => d.conversationId === CHANNEL.id);
    expect(JSON.stringify(forChannel?.activity)).toContain('"text":"받은 시각"');
    const forJimin = cards.find((d) => d.conversationId === JIMIN.conversationId);
    const forAna = cards.find((d) => d.conversationId === ANA.conversationId);
    if (forJimin === undefined || forAna === undefined) throw new Error('a seller got no card');
    for (const card of [cardOf(forJimin), cardOf(forAna)]) expect(cardProblems(card)).toEqual([]);
    const korean = JSON.stringify(cardOf(forJimin));
    expect(korean).toContain('"text":"받은 시각"');
    expect(korean).toMatch(/"text":"\d{4}년 \d{1,2}월 \d{1,2}일 (오전|오후) \d{1,2}:\d\d \(KST\)"/);
    expect(korean).toContain('"title":"내가 맡기"');
    expect(korean).toContain('연락 요청 — Contoso Sales Insights');
    expect(forJimin.activity.summary).toBe('새 마켓플레이스 리드');
    // The customer's own words are never translated.
    expect(korean).toContain('Dana Whitfield');
    const english = JSON.stringify(cardOf(forAna));
    expect(english).toContain('"text":"Received"');
    expect(english).toMatch(/"text":"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d KST"/);
    expect(english).toContain('"title":"Claim"');
    expect(english).not.toMatch(/[가-힣]/);

    // Jimin claims it: her answer in Korean; Ana's copy updated in English, the channel's in Korean.
    const seen = connector.delivered.length;
    const claim = await sendAsTeams(t.url, connector.serviceUrl, JIMIN, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: 'claim-1',
      locale: JIMIN.locale,
      replyToId: forJimin.activityId,
      value: { action: { type: 'Action.Execute', verb: 'claimLead', data: { leadId } }, trigger: 'manual' },
    });
    expect(JSON.stringify(await claim.json())).toContain('"text":"담당: "');
    // Then every copy says whether she owns it in Dynamics (Dynamics has no user for her here), each in its own words.
    const latest = (chat: string): string => JSON.stringify(connector.delivered.slice(seen).filter((d) => d.method === 'PUT' && d.conversationId === chat).at(-1)?.activity ?? null);
    await waitFor(() => Promise.resolve([ANA.conversationId, CHANNEL.id, JIMIN.conversationId].map(latest)), (cards) => cards.every((c) => c.includes('Jimin Park') && !c.includes('…"')));
    expect(latest(ANA.conversationId)).toContain('"text":"Claimed by "');
    expect(latest(ANA.conversationId)).toContain('Dynamics has no user for them');
    expect(latest(CHANNEL.id)).toContain('"text":"담당: "');
    expect(latest(CHANNEL.id)).toContain('Dynamics에 이 사람의 사용자가 없어서');
    expect(latest(JIMIN.conversationId)).toContain('Dynamics에 이 사람의 사용자가 없어서');
  });

  it('answers status in Korean, times in Seoul\'s zone', async () => {
    const card = cardOf(await ask(JIMIN, '상태'));
    expect(cardProblems(card)).toEqual([]);
    const json = JSON.stringify(card);
    expect(json).toContain('"text":"리드 봇 상태"');
    expect(json).toMatch(/"title":"받음","value":"24시간 동안 \d+건 · 마지막 \d{4}년 \d{1,2}월 \d{1,2}일 (오전|오후) \d{1,2}:\d\d \(KST\) · (방금|\d+분 전)"/);
    expect(json).toContain('"title":"새로 고침"');
    expect(json).not.toMatch(/"(text|title)":"(Leads|Received|Refresh)"/);
  });

  it('tells each admin in their own language: Ana chose Korean for her chat, and Partner Center\'s test lead notice comes in Korean', async () => {
    expect(textOf(await ask(ANA, 'subscribe ko'))).toBe('이제 여기서는 한국어로 안내할게요.');
    const seen = connector.delivered.length;
    await postLead(t.url, fixture('https-partner-center-test-lead'));
    const [notice] = await waitFor(() => Promise.resolve(connector.delivered.slice(seen).filter((d) => d.conversationId === ANA.conversationId && d.method === 'POST')), (d) => d.length > 0);
    expect(textOf(notice as Delivered)).toContain('✅ **Partner Center의 테스트 리드가 도착했어요.**');
    expect(JSON.stringify(cardOf(notice as Delivered))).toContain('"text":"테스트 리드: 고객이 아니라');
    expect(notice?.activity.summary).toBe('Partner Center의 테스트 리드가 도착했어요');
  });
});

