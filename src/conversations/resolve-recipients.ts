import type { Installation } from './installation-store';

/** A contact on the list who gets no lead card in Teams, and why. */
export interface UnreachableContact {
  readonly contact: string;
  /** No chat with the bot; turned cards off; a guest or anonymous in the organisation's Teams. */
  readonly reason: 'not-installed' | 'unsubscribed' | 'not-a-member';
}

export interface Recipients {
  readonly targets: Installation[];
  readonly unreachable: UnreachableContact[];
}

/** Whether a person in Teams is a member of the organisation: not a B2B guest, not anonymous. */
export function isMember(userRole: string | undefined): boolean {
  return userRole !== 'guest' && userRole !== 'anonymous';
}

/**
 * Who gets a lead card, within the organisation (`organisation`, its tenant, when known): the
 * personal chats of the contact list (LEAD_CONTACTS, matched on the e-mail or UPN Teams
 * reported), unless that person unsubscribed; any other member who subscribed in their personal
 * chat; and every channel or group chat that subscribed. Guests and anonymous people get none.
 */
export function resolveRecipients(all: readonly Installation[], contacts: readonly string[], organisation: string | undefined): Recipients {
  const installations = all.filter((i) => organisation === undefined || i.tenantId.toLowerCase() === organisation.toLowerCase());
  const onList = new Set(contacts);
  const isContact = (i: Installation): boolean =>
    (i.email !== undefined && onList.has(i.email)) || (i.userPrincipalName !== undefined && onList.has(i.userPrincipalName));
  const personal = installations.filter((i) => i.kind === 'personal');
  const targets = installations.filter((i) => (i.kind === 'personal' ? isMember(i.userRole) && (i.subscribed ?? isContact(i)) : i.subscribed === true));
  const chatOf = new Map(personal.flatMap((i) => [i.email, i.userPrincipalName].flatMap((a) => (a === undefined ? [] : [[a, i] as const]))));
  const unreachable = contacts.flatMap((contact): UnreachableContact[] => {
    const chat = chatOf.get(contact);
    if (chat === undefined) return [{ contact, reason: 'not-installed' }];
    if (!isMember(chat.userRole)) return [{ contact, reason: 'not-a-member' }];
    return chat.subscribed === false ? [{ contact, reason: 'unsubscribed' }] : [];
  });
  return { targets, unreachable };
}
