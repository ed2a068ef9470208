import type { CloudAdapter, ConversationReference, TurnContext } from 'botbuilder';
import type { ConversationAddress } from '../conversations/installation-store';

/**
 * Runs `work` in a conversation the bot is not answering in (a proactive send or update), and
 * rejects with its error. The adapter would otherwise hand the error to the turn-error handler
 * and resolve as if all went well.
 */
export async function inConversation<T>(
  adapter: CloudAdapter,
  botAppId: string,
  reference: Partial<ConversationReference> | ConversationAddress,
  work: (context: TurnContext) => Promise<T>,
): Promise<T> {
  const outcome: { value?: T; error?: unknown; done: boolean } = { done: false };
  // A stored address is the reference Teams gave (src/teams/describe-installation.ts), kept whole.
  await adapter.continueConversationAsync(botAppId, reference as Partial<ConversationReference>, async (context) => {
    try {
      outcome.value = await work(context);
      outcome.done = true;
    } catch (error) {
      outcome.error = error;
    }
  });
  if (!outcome.done) throw outcome.error instanceof Error ? outcome.error : new Error('the conversation was not reached');
  return outcome.value as T;
}
