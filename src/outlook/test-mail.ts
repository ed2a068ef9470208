import type { OutlookSettings } from '../config/settings';
import { GraphError, type GraphApp } from '../graph/graph-app';
import type { Language } from '../language/language';
import { messagesIn } from '../language/messages';
import { escapeHtml } from './lead-mail';
import { sendMail } from './send-mail';

/** `validate`'s real mail: from the lead mail's sender, through the same app, to the admin who asked. */
export async function sendTestMail(graph: GraphApp, settings: OutlookSettings, to: string, language: Language): Promise<void> {
  const say = messagesIn(language);
  // The catalogue's words are plain text; the mail is HTML.
  const content = `<p>${escapeHtml(say('mail.testBody'))}</p><p>${escapeHtml(say('mail.testReach', { always: settings.delivery === 'always' ? 'yes' : 'no' }))}</p>`;
  await sendMail(graph, settings.sender, to, say('mail.testSubject'), content);
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
