import type { AwayList } from '../storage/round-robin';
import { calendarDateIn } from '../timing/calendar-date';
import { addressesOf, type InstallationStore } from './installation-store';
import { isMember } from './resolve-recipients';

export interface TurnTakersDeps {
  readonly installations: InstallationStore;
  readonly away: AwayList;
  /** The organisation's tenant: only its members' chats count. */
  readonly organisation: string | undefined;
  /** Whether someone with no chat with the bot is reached all the same: lead mail is on, or the app is installed for them. */
  readonly reachedWithoutChat: boolean;
  readonly now: () => Date;
  /** BOT_TIME_ZONE: a last day away ends when that day ends there. */
  readonly timeZone: string;
}

/**
 * Who a round-robin route may hand a lead to now: not away, not having turned lead cards off,
 * and reachable — in a member's chat with the bot, or else by mail or an install made for them. A turn given to
 * someone nothing reaches would hold the lead back for its whole claim window.
 */
export async function turnTakers(deps: TurnTakersDeps): Promise<(contact: string) => boolean> {
  const [away, all] = await Promise.all([deps.away.awayOn(calendarDateIn(deps.now(), deps.timeZone)), deps.installations.list()]);
  const chats = all.filter((i) => i.kind === 'personal' && (deps.organisation === undefined || i.tenantId.toLowerCase() === deps.organisation.toLowerCase()));
  const off = new Set(chats.filter((i) => i.subscribed === false).flatMap(addressesOf));
  const inTeams = new Set(chats.filter((i) => isMember(i.userRole)).flatMap(addressesOf));
  return (contact) => !away.has(contact) && !off.has(contact) && (deps.reachedWithoutChat || inTeams.has(contact));
}
