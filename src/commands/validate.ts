import { leadCard } from '../cards/lead-card';
import { validationCard } from '../cards/validation-card';
import { dynamicsLeadWriter } from '../dynamics/dynamics-lead-writer';
import type { StepResult } from '../cards/validation-card';
import { runValidation, validationSteps } from '../validation/run-validation';
import { allRoutes } from './lead-routes';
import type { Logger } from '../logging/create-logger';
import { mailFix } from '../outlook/test-mail';
import { installFix } from '../conversations/app-installer';
import type { CardAction, Chat, Command, CommandDeps } from './command';
import type { Language } from '../language/language';
import { message } from '../language/messages';

export const validateCommand: Command = {
  name: 'validate',
  koreanNames: ['검증'],
  usage: 'command.validate.usage',
  summary: 'command.validate.summary',
  takesArgument: false,
  adminsOnly: () => true,
  async run({ chat, caller }, deps) {
    // Answered at once; the steps run after the turn and update this card as they finish.
    const sent = await chat.say({ card: validationCard(notStarted(chat.reader.language), undefined, chat.reader.language) });
    startValidation(chat, sent, caller.name, deps);
  },
};

/** "Run again" on a finished report: a new report follows, so the old one stays as it was. */
export const runValidateAction: CardAction = {
  verb: 'runValidate',
  title: 'button.runAgain',
  adminsOnly: true,
  handle(chat, _data, caller, deps) {
    startValidation(chat, undefined, caller.name, deps);
    return Promise.resolve(message(chat.reader.language, 'validation.runningAgain'));
  },
};

function notStarted(language: Language): StepResult[] {
  return validationSteps(language).map((title, i) => ({ title, state: i === 0 ? 'running' : 'waiting', detail: '', fix: '', ms: undefined }));
}

/** Teams allows 8 operations in 2 seconds on one chat: progress shows at most once a second. */
const UPDATE_GAP_MS = 1000;

type Show = (steps: readonly StepResult[], testLeadUrl: string | undefined) => Promise<void>;

/**
 * Progress updates thinned out to one per UPDATE_GAP_MS, always showing the newest state; the
 * final state goes at once and is awaited. A failed intermediate update is only logged.
 */
function coalesced(show: Show, log: Logger): Show {
  let latest: Parameters<Show> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastShown = performance.now();
  let chain = Promise.resolve();
  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const next = latest;
    latest = undefined;
    if (next !== undefined) {
      chain = chain.then(async () => {
        lastShown = performance.now();
        await show(...next).catch((err: unknown) => {
          log.warn({ err }, 'could not update the validate report');
        });
      });
    }
    return chain;
  };
  return (steps, testLeadUrl) => {
    latest = [steps, testLeadUrl];
    if (steps.every((s) => s.state !== 'waiting' && s.state !== 'running')) return flush();
    timer ??= setTimeout(() => void flush(), Math.max(0, lastShown + UPDATE_GAP_MS - performance.now())).unref();
    return Promise.resolve();
  };
}

/** Runs the steps in the background, keeping one report card up to date in the conversation. */
function startValidation(chat: Chat, reportId: string | undefined, requestedBy: string, deps: CommandDeps): void {
  const log = deps.logger.child({ command: 'validate' });
  const started = performance.now();
  let id = reportId;
  const conversationId = chat.conversationId;
  const { reader } = chat;
  const later = chat.later();
  const show = async (steps: readonly StepResult[], testLeadUrl: string | undefined): Promise<void> => {
    const report = { card: validationCard(steps, testLeadUrl, reader.language) };
    if (id === undefined) id = await later.say(report);
    else await later.replace(id, report);
  };

  const installer = deps.installer;
  const testMail = deps.testMail;
  const work = async (): Promise<void> => {
    const chat = await deps.installations.get(conversationId);
    const outcome = await runValidation(
      {
        settings: deps.settings,
        language: reader.language,
        signIn: deps.signIn,
        dynamics: deps.dynamics,
        writer: dynamicsLeadWriter(deps.dynamics, deps.settings.dynamics.leadSourceCode),
        installations: deps.installations,
        routes: await allRoutes(deps),
        requestedBy,
        requestedByAddress: chat?.kind === 'personal' ? (chat.email ?? chat.userPrincipalName) : undefined,
        sendTestMail: testMail === undefined ? undefined : (to) => testMail(to, reader.language),
        mailFix: (error) => mailFix(error, deps.settings.outlook, reader.language),
        checkInstall: installer === undefined ? undefined : (address) => installer.check(address),
        installFix: (error) => installFix(error, reader.language),
        deliverCard: async (lead, dynamicsUrl) => {
          await later.say({ card: leadCard({ lead, dynamics: { state: 'written', url: dynamicsUrl } }, reader), summary: message(reader.language, 'validation.cardSummary') });
        },
      },
      coalesced(show, log),
    );
    log.info({ ms: Math.round(performance.now() - started), states: outcome.steps.map((s) => s.state) }, 'validate finished');
  };
  void work().catch((err: unknown) => {
    log.error({ err }, 'validate could not report');
  });
}
