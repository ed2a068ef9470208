import { Application, TeamsAdapter } from '@microsoft/teams-ai';
import { ConfigurationBotFrameworkAuthentication, type Activity, type ConfigurationBotFrameworkAuthenticationOptions, type TurnContext } from 'botbuilder';
import type { BotSettings } from '../config/settings';
import type { Logger } from '../logging/create-logger';
import { conversationIdOf } from '../conversations/conversation-key';
import { readerOf } from '../conversations/reader-of';
import type { Reader } from '../language/language';
import { message } from '../language/messages';
import { conversationKindOf, describeInstallation } from './describe-installation';
import type { Installation, InstallationStore } from '../conversations/installation-store';

export interface Bot {
  readonly adapter: TeamsAdapter;
  readonly app: Application;
  /** Authenticated as the Bot Framework requires when BOT_ID is set; local clients only otherwise. */
  readonly authenticated: boolean;
  /** Checks an incoming request's token as the adapter will; rejects when it is not valid. */
  authenticate(activity: Activity, authorization: string): Promise<void>;
  /** What to do, after the turn, when the app is newly installed in a conversation. */
  whenInstalled(handler: (installation: Installation) => Promise<unknown>): void;
}

/**
 * The Teams bot: a teams-ai Application on a TeamsAdapter. It remembers every conversation it
 * is installed in (and forgets those it is removed from), so leads can be posted there later.
 */
/**
 * Where tokens from the Bot Framework channel are checked: Microsoft's public cloud unless
 * given (a sovereign cloud, or a local token service in tests).
 */
export interface ChannelAuthority {
  readonly openIdMetadataUrl: string;
  readonly tokenIssuer: string;
}

export function createBot(
  settings: BotSettings | undefined,
  installations: InstallationStore,
  logger: Logger,
  now: () => Date,
  /** The organisation's tenant (TEAMS_TENANT_ID): installations elsewhere are not kept. */
  organisation: string | undefined,
  /** BOT_LANGUAGE and BOT_TIME_ZONE: the welcome is in the reader's language. */
  deployment: Reader,
  channelAuthority?: ChannelAuthority,
): Bot {
  const options = authOptions(settings, channelAuthority);
  const adapter = new TeamsAdapter(options);
  const authentication = new ConfigurationBotFrameworkAuthentication(options);
  const app = new Application({ adapter, botAppId: settings?.id ?? '', removeRecipientMention: true, startTypingTimer: false });

  let onInstalled: ((installation: Installation) => Promise<unknown>) | undefined;
  const remember = async (context: TurnContext): Promise<Installation | undefined> => {
    const installation = await describeInstallation(context, now());
    // A bot anyone may add, in any organisation: only its own organisation's chats are kept to post leads to.
    if (organisation !== undefined && installation.tenantId.toLowerCase() !== organisation) {
      logger.warn({ conversationKind: installation.kind }, 'installed in another organisation\'s Teams: not kept, no lead goes there');
      return undefined;
    }
    await installations.save(installation);
    logger.child({ conversationKind: installation.kind }).debug('installation remembered');
    return installation;
  };
  /** A new installation: remembered, then handed on (the catch-up) without holding Teams' request. */
  const installed = async (context: TurnContext): Promise<void> => {
    const installation = await remember(context);
    if (onInstalled === undefined || installation === undefined) return;
    void onInstalled(installation).then(
      () => {
        logger.child({ conversationKind: installation.kind }).debug('new installation handled (catch-up done)');
      },
      (err: unknown) => {
        logger.error({ err }, 'could not catch a new chat up on the leads it missed');
      },
    );
  };
  const forget = async (context: TurnContext): Promise<void> => {
    await installations.remove(conversationIdOf(context.activity.conversation.id));
    logger.debug({ conversationKind: context.activity.conversation.conversationType }, 'installation forgotten');
  };

  app.activity('installationUpdate', async (context) => {
    const action = (context.activity as { action?: string }).action ?? '';
    if (action.startsWith('remove')) {
      await forget(context);
      return;
    }
    if (action === 'add') {
      await installed(context);
      const kind = conversationKindOf(context.activity.conversation.conversationType);
      await context.sendActivity(message(readerOf({ kind, reference: { locale: context.activity.locale } }, deployment).language, 'bot.welcome'));
    } else {
      await remember(context);
    }
  });
  app.conversationUpdate('membersAdded', async (context) => {
    if (context.activity.membersAdded?.some((m) => m.id === context.activity.recipient.id)) await installed(context);
  });
  app.conversationUpdate('membersRemoved', async (context) => {
    if (context.activity.membersRemoved?.some((m) => m.id === context.activity.recipient.id)) await forget(context);
  });
  // A message proves the app is there, and may come from a chat installed before the bot kept records.
  app.turn('beforeTurn', async (context) => {
    if (context.activity.type === 'message') await remember(context);
    return true;
  });
  app.error(async (_context, err) => {
    logger.error({ err }, 'bot turn failed');
    return Promise.resolve();
  });

  return {
    adapter,
    app,
    authenticated: settings !== undefined,
    async authenticate(activity, authorization) {
      await authentication.authenticateRequest(activity, authorization);
    },
    whenInstalled(handler) {
      onInstalled = handler;
    },
  };
}

function authOptions(settings: BotSettings | undefined, authority: ChannelAuthority | undefined): ConfigurationBotFrameworkAuthenticationOptions {
  if (settings === undefined) return {};
  return {
    MicrosoftAppId: settings.id,
    MicrosoftAppPassword: settings.password ?? '',
    MicrosoftAppType: settings.type === 'UserAssignedMsi' ? 'UserAssignedMSI' : settings.type,
    MicrosoftAppTenantId: settings.tenantId ?? '',
    ...(authority === undefined ? {} : { ToBotFromChannelOpenIdMetadataUrl: authority.openIdMetadataUrl, ToBotFromChannelTokenIssuer: authority.tokenIssuer }),
  };
}
