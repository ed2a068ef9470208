import type { TableClient } from '@azure/data-tables';
import { isLanguage, type Language } from '../language/language';
import { isChangedMeanwhile, isNotFound } from '../storage/storage-errors';
import { conversationRowKey } from './conversation-key';

export type ConversationKind = 'personal' | 'groupChat' | 'channel';

/**
 * How to reach a conversation later: the Bot Framework's conversation reference, kept as Teams
 * gave it. Only src/teams/ reads it; everything else stores it and hands it on.
 */
export interface ConversationAddress {
  readonly serviceUrl?: string;
  readonly channelId?: string;
  readonly conversation?: { readonly id: string; readonly conversationType?: string; readonly tenantId?: string; readonly isGroup?: boolean; readonly name?: string };
  readonly bot?: unknown;
  readonly user?: unknown;
  readonly activityId?: string;
  readonly locale?: string;
}

/** Where the app is installed: a conversation the bot may post to later, on any instance. */
export interface Installation {
  readonly conversationId: string;
  readonly kind: ConversationKind;
  readonly tenantId: string;
  /** For a personal chat: the user, as Teams describes them. */
  readonly userId: string | undefined;
  readonly aadObjectId: string | undefined;
  /** E-mail and UPN, lower-cased, to match the contact list. */
  readonly email: string | undefined;
  readonly userPrincipalName: string | undefined;
  readonly name: string | undefined;
  /** For a personal chat: Teams' userRole, "user" for members, "guest" (B2B) or "anonymous"; unset means a member. */
  readonly userRole?: string;
  /**
   * Chose lead cards on (`subscribe`) or off (`unsubscribe`). Unset: a channel or group chat
   * gets none; a personal chat gets them when its user is on the contact list.
   */
  readonly subscribed?: boolean;
  /** Chose escalations (`subscribe escalations`): leads nobody claimed in time, for the admins' channel (#16). */
  readonly escalations?: boolean;
  /** Chose the daily digest (`subscribe digest`). */
  readonly digest?: boolean;
  /** The language chosen for this chat (`subscribe ko`); unset, it follows its reader (src/conversations/reader-of.ts). */
  readonly language?: Language;
  readonly reference: ConversationAddress;
  readonly updatedAt: string;
}

/** The addresses routes and contact lists may name a person by: their e-mail and UPN, as Teams reported them. */
export function addressesOf(installation: Installation | undefined): string[] {
  return [...new Set([installation?.email, installation?.userPrincipalName].filter((a): a is string => a !== undefined))];
}

const PARTITION = 'installation';

/**
 * Conversation references in Azure Tables, so proactive sends survive restarts and redeploys
 * and any instance can make them. Keyed by conversation id (encoded: Teams ids hold characters
 * a RowKey may not).
 */
export class InstallationStore {
  constructor(private readonly table: TableClient) {}

  async save(installation: Installation): Promise<void> {
    const { reference, ...columns } = installation;
    await this.table.upsertEntity(
      { partitionKey: PARTITION, rowKey: conversationRowKey(installation.conversationId), ...withoutUndefined(columns), reference: JSON.stringify(reference) },
      // Merge: a refresh from a new message keeps what the conversation chose (subscribed).
      'Merge',
    );
  }

  async setSubscribed(conversationId: string, subscribed: boolean): Promise<void> {
    await this.table.updateEntity({ partitionKey: PARTITION, rowKey: conversationRowKey(conversationId), subscribed }, 'Merge');
  }

  /** Escalations or the daily digest on or off here (`subscribe escalations`, `unsubscribe digest`…). */
  async setChoice(conversationId: string, choice: 'escalations' | 'digest', on: boolean): Promise<void> {
    await this.table.updateEntity({ partitionKey: PARTITION, rowKey: conversationRowKey(conversationId), [choice]: on }, 'Merge');
  }

  async setLanguage(conversationId: string, language: Language): Promise<void> {
    await this.table.updateEntity({ partitionKey: PARTITION, rowKey: conversationRowKey(conversationId), language }, 'Merge');
  }

  /** Forgets the chat's choice (neither on nor off): it gets what its routes send it. Merge cannot drop a column, so the row is replaced. */
  async clearSubscribed(conversationId: string): Promise<void> {
    for (;;) {
      const row = await this.table.getEntity(PARTITION, conversationRowKey(conversationId));
      const { etag, timestamp: _timestamp, subscribed: _subscribed, ...rest } = row;
      try {
        await this.table.updateEntity({ ...rest, partitionKey: PARTITION, rowKey: conversationRowKey(conversationId) }, 'Replace', { etag });
        return;
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error;
      }
    }
  }

  async remove(conversationId: string): Promise<void> {
    await this.table.deleteEntity(PARTITION, conversationRowKey(conversationId)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  async get(conversationId: string): Promise<Installation | undefined> {
    try {
      return toInstallation(await this.table.getEntity<StoredInstallation>(PARTITION, conversationRowKey(conversationId)));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(): Promise<Installation[]> {
    const found: Installation[] = [];
    for await (const row of this.table.listEntities<StoredInstallation>({ queryOptions: { filter: `PartitionKey eq '${PARTITION}'` } })) {
      found.push(toInstallation(row));
    }
    return found;
  }
}

type StoredInstallation = Omit<Installation, 'reference'> & { reference: string };

function toInstallation(row: StoredInstallation): Installation {
  return {
    conversationId: row.conversationId,
    kind: row.kind,
    tenantId: row.tenantId,
    userId: row.userId,
    aadObjectId: row.aadObjectId,
    email: row.email,
    userPrincipalName: row.userPrincipalName,
    name: row.name,
    ...(row.userRole === undefined ? {} : { userRole: row.userRole }),
    subscribed: row.subscribed,
    ...(row.escalations === true ? { escalations: true } : {}),
    ...(row.digest === true ? { digest: true } : {}),
    ...(row.language !== undefined && isLanguage(row.language) ? { language: row.language } : {}),
    reference: JSON.parse(row.reference) as ConversationAddress,
    updatedAt: row.updatedAt,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
