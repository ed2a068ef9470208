import { addressesOf, type Installation } from './installation-store';

/** A contact on the list who gets no lead card in Teams, and why. */
export interface UnreachableContact {
  readonly contact: string;
  /** No chat with the bot; turned cards off; a guest or anonymous in the organisation's Teams. */
  readonly reason: 'not-installed' | 'unsubscribed' | 'not-a-member';
}

export interface Recipients {
  readonly targets: Installation[];
  readonly unreachable: UnreachableContact[];
  /** Chats a route names where the app is not installed (or that turned cards off). */
  readonly missingChats: string[];
}

/** Whom a lead is for: contacts by e-mail address or UPN, chats by conversation id. */
export interface Addressees {
  readonly contacts: readonly string[];
  readonly chats: readonly string[];
  /**
   * Everyone a route or LEAD_CONTACTS names: they get the leads routed to them, and their
   * `subscribe` never means every lead (so no team's leads reach another team's people).
   */
  readonly withOwnLeads?: readonly string[];
}

/** Whether a person in Teams is a member of the organisation: not a B2B guest, not anonymous. */
export function isMember(userRole: string | undefined): boolean {
  return userRole !== 'guest' && userRole !== 'anonymous';
}

/**
 * Who gets a lead card, within the organisation (`organisation`, its tenant, when known): the
 * personal chats of the lead's contacts (matched on the e-mail or UPN Teams reported), unless
 * that person unsubscribed; the channels and group chats its route names, unless they
 * unsubscribed; and whoever subscribed to every lead (`subscribe`, in a channel, a group chat,
 * or the personal chat of someone no route names). Guests and anonymous people get none.
 */
export function resolveRecipients(all: readonly Installation[], addressees: Addressees, organisation: string | undefined): Recipients {
  const installations = all.filter((i) => organisation === undefined || i.tenantId.toLowerCase() === organisation.toLowerCase());
  const onList = new Set(addressees.contacts);
  const routed = new Set(addressees.withOwnLeads ?? []);
  const named = new Set(addressees.chats);
  const isContact = (i: Installation): boolean => addressesOf(i).some((a) => onList.has(a));
  const everyLead = (i: Installation): boolean => i.subscribed === true && !addressesOf(i).some((a) => routed.has(a));
  const personal = installations.filter((i) => i.kind === 'personal');
  const targets = installations.filter((i) =>
    i.kind === 'personal' ? isMember(i.userRole) && i.subscribed !== false && (isContact(i) || everyLead(i)) : (i.subscribed ?? named.has(i.conversationId)),
  );
  const chatOf = new Map(personal.flatMap((i) => [i.email, i.userPrincipalName].flatMap((a) => (a === undefined ? [] : [[a, i] as const]))));
  const unreachable = addressees.contacts.flatMap((contact): UnreachableContact[] => {
    const chat = chatOf.get(contact);
    if (chat === undefined) return [{ contact, reason: 'not-installed' }];
    if (!isMember(chat.userRole)) return [{ contact, reason: 'not-a-member' }];
    return chat.subscribed === false ? [{ contact, reason: 'unsubscribed' }] : [];
  });
  const missingChats = addressees.chats.filter((id) => !targets.some((t) => t.conversationId === id));
  return { targets, unreachable, missingChats };
}
