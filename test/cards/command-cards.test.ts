import { helpCard } from '../../src/cards/help-card';
import { statusCard, type StatusReport } from '../../src/cards/status-card';
import { validationCard } from '../../src/cards/validation-card';
import { COMMANDS } from '../../src/commands/route-table';
import type { StepResult, StepState } from '../../src/cards/validation-card';
import { cardProblems } from '../support/validate-card';
import { message } from '../../src/language/messages';
import type { Reader } from '../../src/language/language';

const QUIET: StatusReport = {
  generatedAt: '2026-11-26T10:00:00.000Z',
  leadFacts: [{ label: 'Received', value: '0 in 24 h; none in the last 7 days' }],
  dynamicsFacts: [{ label: 'Signs in as', value: 'Azure AD app 0f1e…' }],
  teamsFacts: [{ label: 'Contacts reached', value: '2 of 2' }],
  routeFacts: [],
  problem: undefined,
  deadLetters: [],
  deadLetterCount: 0,
  unreachable: [],
  failedDeliveries: [],
  canRetry: false,
};

const BUSY: StatusReport = {
  ...QUIET,
  problem: { message: 'The client secret has expired. [x](https://evil.example)', fix: 'Create a new secret.' },
  deadLetters: [{ leadId: '7a327f16-0a0a-87a2-bf94-84a8e5bf6703', reason: 'Dynamics refused **this**', fix: 'Fix it.', at: '2026-11-26T09:00:00.000Z' }],
  deadLetterCount: 7,
  unreachable: [{ contact: 'dana_sales_@contoso.example', why: 'has not installed the app in Teams' }],
  failedDeliveries: [{ where: 'a channel', error: 'HTTP 403 BotNotInConversationRoster', at: '2026-11-26T09:30:00.000Z' }],
  canRetry: true,
};

/** The text blocks of a card with their colours, as "text [color]". */
function coloured(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(coloured);
  if (typeof node !== 'object' || node === null) return [];
  const { type, text, color } = node as { type?: unknown; text?: unknown; color?: unknown };
  const own = type === 'TextBlock' && typeof text === 'string' ? [typeof color === 'string' ? `${text} [${color}]` : text] : [];
  return [...own, ...Object.values(node).flatMap(coloured)];
}

const EN: Reader = { language: 'en', timeZone: 'UTC' };

/** help's lines as an English reader gets them. */
const HELP_LINES = COMMANDS.map((c) => ({ usage: message('en', c.usage), summary: message('en', c.summary) }));

describe('the command cards', () => {
  it('help: valid for every combination of allowed and admin-only commands', () => {
    for (const card of [helpCard({ commands: HELP_LINES, adminCommands: [], otherWords: [] }, 'en'), helpCard({ commands: HELP_LINES.slice(0, 2), adminCommands: ['retry'], otherWords: ['도움말'] }, 'en')]) {
      expect(cardProblems(card)).toEqual([]);
      expect(JSON.stringify(card)).not.toContain('${');
    }
    expect(JSON.stringify(helpCard({ commands: HELP_LINES, adminCommands: [], otherWords: [] }, 'en'))).not.toContain('Admins can also run');
  });

  it('status: valid when all is well and when everything needs attention', () => {
    for (const report of [QUIET, BUSY]) {
      const card = statusCard(report, EN);
      expect(cardProblems(card)).toEqual([]);
      expect(JSON.stringify(card)).not.toMatch(/\$\{|undefined|null/);
    }
    expect(JSON.stringify(statusCard(QUIET, EN))).toContain('All good');
    expect(JSON.stringify(statusCard(QUIET, EN))).not.toContain('retryDeadLetters');
    expect(JSON.stringify(statusCard(BUSY, EN))).toContain('Needs attention: leads are waiting, 7 dead-lettered, 1 contact(s) not reachable, 1 failed deliveries.');
  });

  it('help: names the admins\' commands only when there are some, and lists the commands in its fallback text', () => {
    const card = helpCard({ commands: HELP_LINES.slice(0, 2), adminCommands: ['retry', 'validate'], otherWords: [] }, 'en');
    expect(JSON.stringify(card)).toContain('"text":"Admins can also run: retry, validate."');
    expect(card.fallbackText).toBe(`Commands: ${HELP_LINES.slice(0, 2).map((c) => c.usage).join(', ')}`);
  });

  it('status: the headline in green when all is well, in red when not; every time in words', () => {
    expect(coloured(statusCard(QUIET, EN).body)).toEqual(expect.arrayContaining(['All good: leads flow into Dynamics and to Teams. [Good]', 'As of 26 Nov 2026, 10:00 UTC']));
    const busy = statusCard(BUSY, EN);
    expect(coloured(busy.body)).toContain('Needs attention: leads are waiting, 7 dead-lettered, 1 contact(s) not reachable, 1 failed deliveries. [Attention]');
    const json = JSON.stringify(busy);
    expect(json).toContain('{"type":"TextRun","text":" 26 Nov 2026, 09:00 UTC: Dynamics refused **this** "}');
    expect(json).toContain('{"type":"TextRun","text":"26 Nov 2026, 09:30 UTC a channel: "}');
    expect(json).toContain('{"type":"TextRun","text":"Fix: ","weight":"Bolder"},{"type":"TextRun","text":"Create a new secret."}');
    expect(JSON.stringify(statusCard({ ...QUIET, deadLetterCount: 1 }, EN))).toContain('Needs attention: 1 dead-lettered.');
  });

  it('status: text that comes from outside (errors, addresses) is never rendered as markdown', () => {
    const json = JSON.stringify(statusCard(BUSY, EN));
    const markdownCapable = json.match(/"type":"TextBlock","text":"[^"]*"|"value":"[^"]*"/g) ?? [];
    expect(markdownCapable.join()).not.toMatch(/evil|\*\*this|dana_sales_|BotNotInConversationRoster/);
    expect(json).toContain('"type":"TextRun","text":"dana_sales_@contoso.example"');
  });

  it('validate: valid before, during and after a run, and outside text stays plain', () => {
    const step = (state: StepState, extra: Partial<StepResult> = {}): StepResult => ({ title: `Step ${state}`, state, detail: '', fix: '', ms: undefined, ...extra });
    const states: StepState[][] = [
      ['waiting', 'waiting'],
      ['passed', 'running'],
      ['failed', 'skipped', 'warning', 'passed'],
    ];
    for (const run of states) {
      const card = validationCard(run.map((s, i) => step(s, s === 'waiting' ? {} : { detail: `found [x](https://evil.example) ${i}`, fix: s === 'failed' ? 'do **this**' : '', ms: 1234 })), undefined, 'en');
      expect(cardProblems(card)).toEqual([]);
      const json = JSON.stringify(card);
      expect(json).not.toMatch(/\$\{|undefined|null/);
      expect((json.match(/"type":"TextBlock","text":"[^"]*"/g) ?? []).join()).not.toMatch(/evil|\*\*this/);
    }
    const done = JSON.stringify(validationCard([step('passed')], 'https://contoso.crm4.dynamics.com/main.aspx?pagetype=entityrecord&etn=lead&id=7a327f16-0a0a-87a2-bf94-84a8e5bf6703', 'en'));
    expect(done).toContain('"verb":"runValidate"');
    expect(done).toContain('Open the test lead in Dynamics');
    expect(JSON.stringify(validationCard([step('running')], undefined, 'en'))).not.toContain('runValidate');
    expect(JSON.stringify(validationCard([step('passed')], 'https://evil.example/x', 'en'))).not.toContain('evil');
  });

  it('validate: says how far it got and what the outcome means, each step marked in a word and a colour, with its time', () => {
    const step = (state: StepState, ms?: number): StepResult => ({ title: `Step ${state}`, state, detail: '', fix: '', ms });
    const headline = (steps: StepResult[]): string | undefined => coloured(validationCard(steps, undefined, 'en').body)[1];
    expect(headline([step('passed', 5), step('running'), step('waiting')])).toBe('Checking… 1 of 3 done. [Default]');
    expect(headline([step('passed', 5), step('warning', 5), step('running'), step('waiting')])).toBe('Checking… 2 of 4 done. [Default]');
    expect(headline([step('passed', 5), step('waiting')])).toBe('Checking… 1 of 2 done. [Default]');
    // A step not yet timed shows no time at all.
    expect(coloured(validationCard([step('waiting')], undefined, 'en').body).slice(2)).toEqual(['Waiting [Default]', 'Step waiting']);
    expect(headline([step('passed', 5), step('failed', 5), step('failed', 5), step('warning', 5)])).toBe(
      '2 check(s) failed: leads will not get through until the fix below is made. [Attention]',
    );
    expect(headline([step('passed', 5), step('warning', 5), step('skipped')])).toBe('Leads will get through, with 1 warning(s) below. [Warning]');
    expect(headline([step('passed', 5), step('skipped')])).toBe('All checks passed: leads will reach Dynamics and the sales team. [Good]');

    const marks = coloured(validationCard([step('waiting'), step('running', 999), step('passed', 1000), step('warning', 1234), step('failed', 61_500), step('skipped')], undefined, 'en').body);
    expect(marks).toEqual(
      expect.arrayContaining([
        'Waiting [Default]',
        'Running [Accent]',
        '999 ms',
        'Passed [Good]',
        '1.0 s',
        'Warning [Warning]',
        '1.2 s',
        'Failed [Attention]',
        '61.5 s',
        'Skipped [Default]',
      ]),
    );
    expect(marks.filter((m) => /^[\d.]+ m?s$/.test(m))).toEqual(['999 ms', '1.0 s', '1.2 s', '61.5 s']);
  });
});
