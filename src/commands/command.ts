import type { AdaptiveCardJson, DynamicsStanding } from '../cards/lead-card';
import type { Settings } from '../config/settings';
import type { Language, Reader } from '../language/language';
import type { MessageKey } from '../language/messages';
import type { DataverseClient } from '../dynamics/dataverse-client';
import type { TokenSource } from '../dynamics/sign-in';
import type { Logger } from '../logging/create-logger';
import type { CredentialTracker } from '../reminders/credential-tracker';
import type { DeadLetters } from '../pipeline/dead-letters';
import type { LeadWorker } from '../pipeline/lead-worker';
import type { LeadStore } from '../storage/lead-store';
import type { AwayList } from '../storage/round-robin';
import type { RouteStore } from '../storage/route-store';
import type { MailStore } from '../outlook/mail-store';
import type { AdminMessenger } from '../conversations/admin-messenger';
import type { AppInstaller } from '../conversations/app-installer';
import type { DeliveryStore } from '../conversations/delivery-store';
import type { ConversationKind, InstallationStore } from '../conversations/installation-store';
import type { Caller } from './caller';

/** What the bot says: text (Teams' markdown), or an Adaptive Card with the line its notification shows. */
export type BotMessage = string | { readonly card: AdaptiveCardJson; readonly summary?: string };

/**
 * The conversation a command was typed or a button pressed in, as the commands see it. The Bot
 * Framework's turn stays in src/teams/, which implements this: the commands never touch it.
 */
export interface Chat {
  /** Teams' conversation id, without a thread's ";messageid=" suffix. */
  readonly conversationId: string;
  /** Who reads what is said here: the language to answer in, and the team's time zone. */
  readonly reader: Reader;
  /** Says something in this chat while the turn lasts; resolves with the message's id. */
  say(message: BotMessage): Promise<string | undefined>;
  /** The same chat after the turn has ended, for work that outlives it (validate's report). */
  later(): LaterChat;
  /** The message a card action came from, as the client names it (unchecked: only ever compared with the bot's own records). */
  readonly cardId?: string | undefined;
}

/** A chat spoken to after its turn (a proactive message), within Teams' rate limits. */
export interface LaterChat {
  say(message: BotMessage): Promise<string | undefined>;
  /** Replaces a message the bot said before. */
  replace(messageId: string, message: BotMessage): Promise<void>;
}

/** A lead's card as one reader reads it: each copy of it is in its own chat's language. */
export type LeadCardIn = (reader: Reader) => AdaptiveCardJson;

/** A lead's card as it stands, in each reader's words, and the Dynamics standing it shows. */
export interface CardView {
  readonly card: LeadCardIn;
  readonly shows: DynamicsStanding['state'];
}

/** Every copy of a lead's card that went out, to show what changed (a claim, its owner in Dynamics). */
export interface CardCopies {
  /**
   * Replaces each copy, but the one `answered` already, with the lead's card as stored when that
   * copy's turn to be sent comes, in its chat's language: of two refreshes, the one sent last
   * shows the latest. One failure never stops the others.
   */
  refresh(leadId: string, answered?: AnsweredCopy): Promise<void>;
}

/** The copy of a lead card a card action was answered on: its chat, and the message when the client named it (else the chat's first copy). */
export interface AnsweredCopy {
  readonly conversationId: string;
  readonly activityId: string | undefined;
}

/** What the commands and card actions work with: the bot's parts, never a global. */
export interface CommandDeps {
  readonly settings: Settings;
  readonly leads: LeadStore;
  readonly installations: InstallationStore;
  readonly deliveries: DeliveryStore;
  readonly deadLetters: DeadLetters;
  readonly dynamics: DataverseClient;
  readonly signIn: TokenSource;
  readonly worker: LeadWorker;
  readonly cardCopies: CardCopies;
  /** Brings sellers' actions (claim, contacted, disqualified) to Dynamics; nudged at each. */
  readonly followUps: { nudge(): void };
  /** The credentials whose expiry the bot watches. */
  readonly credentials: CredentialTracker;
  readonly admins: AdminMessenger;
  /** `validate`'s test mail, when lead mail is on. */
  readonly testMail: ((to: string, language: Language) => Promise<void>) | undefined;
  /** Which lead mail went to whom, when lead mail is on. */
  readonly mails: MailStore | undefined;
  /** Installs the app for contacts, when TEAMS_APP_CATALOG_ID is set. */
  readonly installer: AppInstaller | undefined;
  /** The routes added in chat (the routes file's are in settings). */
  readonly routes: RouteStore;
  /** Who is away, for round-robin routes to skip. */
  readonly away: AwayList;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** One typed command, as the route table matched it. */
export interface CommandRequest {
  readonly chat: Chat;
  /** What followed the command word, trimmed; '' when nothing did. */
  readonly argument: string;
  readonly caller: Caller;
  readonly where: ConversationKind;
}

export interface Command {
  /** The word typed, lower-case. */
  readonly name: string;
  /** The same command in Korean words (도움말 for help): typed either way, it runs. */
  readonly koreanNames: readonly string[];
  /** How it is typed, for help, in the reader's words: "retry [lead id]". */
  readonly usage: MessageKey;
  /** What it does, in one line, for help and the app manifest. */
  readonly summary: MessageKey;
  /** Whether it takes words after its name (otherwise "status now" is not "status"). */
  readonly takesArgument: boolean;
  /** Whether only ADMINS may run it in this kind of conversation. */
  adminsOnly(where: ConversationKind): boolean;
  /** About the person typing it (away, back): offered in personal chats only. */
  readonly personalOnly?: boolean;
  /**
   * Left out of the app's command menus, which Teams caps at ten per scope: a command reached
   * from a card's button (rotated). It still works when typed, and help lists it.
   */
  readonly notInMenu?: boolean;
  run(request: CommandRequest, deps: CommandDeps): Promise<void>;
}

/** The word that runs a command, in a language: "help", "도움말". */
export function commandWord(command: Command, language: Language): string {
  return language === 'ko' ? (command.koreanNames[0] ?? command.name) : command.name;
}

/**
 * A button on one of the bot's cards (Action.Execute, or its Action.Submit fallback). The answer
 * replaces the card, or is said in the chat when it is text.
 */
export interface CardAction {
  readonly verb: string;
  /** The button's label, to name it in a refusal in the reader's words. */
  readonly title: MessageKey;
  readonly adminsOnly: boolean;
  handle(chat: Chat, data: unknown, caller: Caller, deps: CommandDeps): Promise<AdaptiveCardJson | string>;
}
