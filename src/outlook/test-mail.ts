import type { OutlookSettings } from '../config/settings';
import { GraphError, type GraphApp } from '../graph/graph-app';
import { sendMail } from './send-mail';

/** `validate`'s real mail: from the lead mail's sender, through the same app, to the admin who asked. */
export async function sendTestMail(graph: GraphApp, settings: OutlookSettings, to: string): Promise<void> {
  const content =
    '<p>This is a test from the Marketplace Lead Bot\'s <strong>validate</strong> command.</p>' +
    `<p>Lead mail reaches contacts Teams cannot reach ${settings.delivery === 'always' ? '(and, as set, every contact)' : ''} from this mailbox, the same way.</p>`;
  await sendMail(graph, settings.sender, to, 'Marketplace Lead Bot: test mail from validate', content);
}

/** What to do when mail could not go, by what Graph (or signing in to it) said. */
export function mailFix(error: unknown, settings: OutlookSettings | undefined): string {
  const sender = settings?.sender ?? 'OUTLOOK_SENDER';
  const app =
    settings?.graph.kind === 'managed-identity'
      ? `the bot's managed identity (${settings.graph.clientId})`
      : `app ${settings?.graph.clientId ?? ''} (GRAPH_CLIENT_ID, or the bot's BOT_ID)`;
  if (!(error instanceof GraphError)) return 'Try again; if it keeps failing, the bot\'s log has the details.';
  if (error.code === 'GRAPH_SIGN_IN_FAILED') {
    return settings?.graph.kind === 'managed-identity'
      ? 'The bot could not get a token for its managed identity: it must run on App Service with that identity assigned (infra/azure.bicep does this), or set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET.'
      : 'Check GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET (or BOT_TENANT_ID, BOT_ID and BOT_PASSWORD when the bot\'s own registration sends the mail): the secret may have expired.';
  }
  if (error.status === 403 || error.code === 'ErrorAccessDenied' || error.code === 'Authorization_RequestDenied') {
    return `Grant ${app} the Mail.Send application permission with admin consent (docs/reaching-contacts.md); an application access policy in Exchange Online may also limit which mailboxes it may send as.`;
  }
  if (error.code === 'ErrorInvalidUser' || error.code === 'MailboxNotEnabledForRESTAPI' || error.status === 404) {
    return `OUTLOOK_SENDER (${sender}) must be an Exchange Online mailbox in your organisation (a shared mailbox works; a group or an on-premises mailbox does not).`;
  }
  if (error.code === 'ErrorInvalidRecipients') return 'Graph refused your address as a recipient: check it is a real mailbox.';
  if (error.transient) return 'Microsoft Graph is busy or unreachable right now: run validate again in a minute.';
  return 'Graph refused the mail; its code above says why.';
}
