import type { Installation } from './installation-store';

/** A contact on the list who gets no lead card in Teams, and why. */
export interface UnreachableContact {
  readonly contact: string;
  readonly reason: 'not-installed' | 'unsubscribed';
}

export interface Recipients {
  readonly targets: Installation[];
  readonly unreachable: UnreachableContact[];
}

/**
 * Who gets a lead card: the personal chats of the contact list (LEAD_CONTACTS, matched on the
 * e-mail or UPN Teams reported), unless that person unsubscribed; anyone else who subscribed in
 * their personal chat; and every channel or group chat that subscribed.
 */
export function resolveRecipients(installations: readonly Installation[], contacts: readonly string[]): Recipients {
  const onList = new Set(contacts);
  const isContact = (i: Installation): boolean =>
    (i.email !== undefined && onList.has(i.email)) || (i.userPrincipalName !== undefined && onList.has(i.userPrincipalName));
  const personal = installations.filter((i) => i.kind === 'personal');
  const targets = installations.filter((i) => (i.kind === 'personal' ? (i.subscribed ?? isContact(i)) : i.subscribed === true));
  const chatOf = new Map(personal.flatMap((i) => [i.email, i.userPrincipalName].flatMap((a) => (a === undefined ? [] : [[a, i] as const]))));
  const unreachable = contacts.flatMap((contact): UnreachableContact[] => {
    const chat = chatOf.get(contact);
    if (chat === undefined) return [{ contact, reason: 'not-installed' }];
    return chat.subscribed === false ? [{ contact, reason: 'unsubscribed' }] : [];
  });
  return { targets, unreachable };
}
