/**
 * The conversation a message belongs to: a channel message arrives in its thread
 * ("…;messageid=…"), but new posts go to the channel itself.
 */
export function conversationIdOf(activityConversationId: string): string {
  return activityConversationId.replace(/;messageid=\d+$/, '');
}

/** A conversation id as a table RowKey (Teams ids hold characters a RowKey may not). */
export function conversationRowKey(conversationId: string): string {
  return Buffer.from(conversationId, 'utf8').toString('base64url');
}
