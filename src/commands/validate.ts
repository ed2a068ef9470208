import { CardFactory, TurnContext, type ConversationReference } from 'botbuilder';
import { leadCard } from '../cards/lead-card';
import { validationCard } from '../cards/validation-card';
import { dynamicsLeadWriter } from '../dynamics/dynamics-lead-writer';
import { inConversation } from '../teams/proactive';
import { runValidation, VALIDATION_STEPS, type StepResult } from '../validation/run-validation';
import type { CardAction, Command, CommandDeps } from './command';

export const validateCommand: Command = {
  name: 'validate',
  usage: 'validate',
  summary: 'Check the whole path a lead takes, step by step, with the fix for whatever fails',
  takesArgument: false,
  adminsOnly: () => true,
  async run({ turn, caller }, deps) {
    // Answered at once; the steps run after the turn and update this card as they finish.
    const sent = await turn.sendActivity({ attachments: [CardFactory.adaptiveCard(validationCard(notStarted(), undefined))] });
    startValidation(TurnContext.getConversationReference(turn.activity), sent?.id, caller.name, deps);
  },
};

/** "Run again" on a finished report: a new report follows, so the old one stays as it was. */
export const runValidateAction: CardAction = {
  verb: 'runValidate',
  title: 'Run again',
  adminsOnly: true,
  handle(turn, _data, caller, deps) {
    startValidation(TurnContext.getConversationReference(turn.activity), undefined, caller.name, deps);
    return Promise.resolve('Running validate again: a new report follows.');
  },
};

function notStarted(): StepResult[] {
  return VALIDATION_STEPS.map((title) => ({ title, state: 'waiting', detail: '', fix: '', ms: undefined }));
}

/** Runs the steps in the background, keeping one report card up to date in the conversation. */
function startValidation(reference: Partial<ConversationReference>, reportId: string | undefined, requestedBy: string, deps: CommandDeps): void {
  const botAppId = deps.settings.bot?.id ?? '';
  const log = deps.logger.child({ command: 'validate' });
  const started = performance.now();
  let id = reportId;
  const show = async (steps: readonly StepResult[], testLeadUrl?: string): Promise<void> => {
    const attachments = [CardFactory.adaptiveCard(validationCard(steps, testLeadUrl))];
    await inConversation(deps.bot.adapter, botAppId, reference, async (context) => {
      if (id === undefined) id = (await context.sendActivity({ attachments }))?.id;
      else await context.updateActivity({ type: 'message', id, attachments });
    });
  };

  const work = async (): Promise<void> => {
    const outcome = await runValidation(
      {
        settings: deps.settings,
        signIn: deps.signIn,
        dynamics: deps.dynamics,
        writer: dynamicsLeadWriter(deps.dynamics, deps.settings.dynamics.leadSourceCode),
        installations: deps.installations,
        requestedBy,
        deliverCard: async (lead, dynamicsUrl) => {
          await inConversation(deps.bot.adapter, botAppId, reference, (context) =>
            context.sendActivity({ attachments: [CardFactory.adaptiveCard(leadCard({ lead, dynamicsUrl }))], summary: 'Test lead from validate' }),
          );
        },
      },
      (steps) => show(steps),
    );
    await show(outcome.steps, outcome.testLeadUrl);
    log.info({ ms: Math.round(performance.now() - started), states: outcome.steps.map((s) => s.state) }, 'validate finished');
  };
  void work().catch((err: unknown) => {
    log.error({ err }, 'validate could not report');
  });
}
