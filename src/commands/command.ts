import type { TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/lead-card';
import type { Settings } from '../config/settings';
import type { DataverseClient } from '../dynamics/dataverse-client';
import type { TokenSource } from '../dynamics/sign-in';
import type { Logger } from '../logging/create-logger';
import type { CredentialTracker } from '../reminders/credential-tracker';
import type { DeadLetters } from '../pipeline/dead-letters';
import type { LeadWorker } from '../pipeline/lead-worker';
import type { LeadStore } from '../storage/lead-store';
import type { MailStore } from '../outlook/mail-store';
import type { AppInstaller } from '../teams/app-installer';
import type { Bot } from '../teams/bot';
import type { DeliveryStore } from '../teams/delivery-store';
import type { SendLimiter } from '../teams/send-limiter';
import type { AdminMessenger } from '../teams/send-to-admins';
import type { ConversationKind, InstallationStore } from '../teams/installation-store';
import type { Caller } from './identify-caller';

/** What the commands and card actions work with: the bot's parts, never a global. */
export interface CommandDeps {
  readonly settings: Settings;
  readonly bot: Bot;
  readonly leads: LeadStore;
  readonly installations: InstallationStore;
  readonly deliveries: DeliveryStore;
  readonly deadLetters: DeadLetters;
  readonly dynamics: DataverseClient;
  readonly signIn: TokenSource;
  readonly worker: LeadWorker;
  /** Teams' rate limits, shared with lead delivery: every proactive send or update takes a turn. */
  readonly limiter: SendLimiter;
  /** The credentials whose expiry the bot watches. */
  readonly credentials: CredentialTracker;
  readonly admins: AdminMessenger;
  /** `validate`'s test mail, when lead mail is on. */
  readonly testMail: ((to: string) => Promise<void>) | undefined;
  /** Which lead mail went to whom, when lead mail is on. */
  readonly mails: MailStore | undefined;
  /** Installs the app for contacts, when TEAMS_APP_CATALOG_ID is set. */
  readonly installer: AppInstaller | undefined;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** One typed command, as the route table matched it. */
export interface CommandRequest {
  readonly turn: TurnContext;
  /** What followed the command word, trimmed; '' when nothing did. */
  readonly argument: string;
  readonly caller: Caller;
  readonly where: ConversationKind;
}

export interface Command {
  /** The word typed, lower-case. */
  readonly name: string;
  /** How it is typed, for help: "retry [lead id]". */
  readonly usage: string;
  /** What it does, in one line, for help and the app manifest. */
  readonly summary: string;
  /** Whether it takes words after its name (otherwise "status now" is not "status"). */
  readonly takesArgument: boolean;
  /** Whether only ADMINS may run it in this kind of conversation. */
  adminsOnly(where: ConversationKind): boolean;
  run(request: CommandRequest, deps: CommandDeps): Promise<void>;
}

/**
 * A button on one of the bot's cards (Action.Execute, or its Action.Submit fallback). The answer
 * replaces the card, or is said in the chat when it is text.
 */
export interface CardAction {
  readonly verb: string;
  /** The button's label, to name it in a refusal. */
  readonly title: string;
  readonly adminsOnly: boolean;
  handle(turn: TurnContext, data: unknown, caller: Caller, deps: CommandDeps): Promise<AdaptiveCardJson | string>;
}
