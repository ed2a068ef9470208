import type { OutlookSettings } from '../config/settings';
import { GraphError, type GraphApp } from '../graph/graph-app';
import type { Language } from '../language/language';
import { messagesIn } from '../language/messages';
import { sendMail } from './send-mail';

/** `validate`'s real mail: from the lead mail's sender, through the same app, to the admin who asked. */
export async function sendTestMail(graph: GraphApp, settings: OutlookSettings, to: string): Promise<void> {
  const content =
    '<p>This is a test from the Marketplace Lead Bot\'s <strong>validate</strong> command.</p>' +
    `<p>Lead mail reaches contacts Teams cannot reach ${settings.delivery === 'always' ? '(and, as set, every contact)' : ''} from this mailbox, the same way.</p>`;
  await sendMail(graph, settings.sender, to, 'Marketplace Lead Bot: test mail from validate', content);
}

/** What to do when mail could not go, by what Graph (or signing in to it) said, in the reader's words. */
export function mailFix(error: unknown, settings: OutlookSettings | undefined, language: Language): string {
  const say = messagesIn(language);
  if (!(error instanceof GraphError)) return say('validation.tryAgain');
  if (error.code === 'GRAPH_SIGN_IN_FAILED') return say(settings?.graph.kind === 'managed-identity' ? 'mailFix.managedIdentitySignIn' : 'mailFix.appSignIn');
  if (error.status === 403 || error.code === 'ErrorAccessDenied' || error.code === 'Authorization_RequestDenied') {
    const app = settings?.graph.kind === 'managed-identity' ? say('mailFix.appManagedIdentity', { id: settings.graph.clientId }) : say('mailFix.appRegistration', { id: settings?.graph.clientId ?? '' });
    return say('mailFix.permission', { app });
  }
  if (error.code === 'ErrorInvalidUser' || error.code === 'MailboxNotEnabledForRESTAPI' || error.status === 404) return say('mailFix.mailbox', { sender: settings?.sender ?? 'OUTLOOK_SENDER' });
  if (error.code === 'ErrorInvalidRecipients') return say('mailFix.recipient');
  if (error.transient) return say('mailFix.busy');
  return say('mailFix.refused');
}
