import type { GraphApp } from '../graph/graph-app';

/** Graph's sendMail as documented: an HTML message to one recipient, from `sender`'s mailbox, not kept in Sent Items. */
export async function sendMail(graph: GraphApp, sender: string, to: string, subject: string, html: string): Promise<void> {
  await graph.request('POST', `/v1.0/users/${encodeURIComponent(sender)}/sendMail`, {
    message: { subject, body: { contentType: 'HTML', content: html }, toRecipients: [{ emailAddress: { address: to } }] },
    saveToSentItems: false,
  });
}
