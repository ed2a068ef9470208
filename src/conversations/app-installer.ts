import type { TableClient } from '@azure/data-tables';
import { GraphError, type GraphApp } from '../graph/graph-app';
import type { Logger } from '../logging/create-logger';
import { isNotFound } from '../storage/storage-errors';
import type { Language } from '../language/language';
import { messagesIn } from '../language/messages';

/**
 * What came of installing the app for a contact: asked now (Teams tells the bot in a moment),
 * asked earlier (no chat came of it yet), or why it cannot be.
 */
export type InstallOutcome =
  | { readonly state: 'requested' | 'requested-earlier' }
  /** Installed already, with no chat the bot knew of: Graph names the chat, to write to at once. */
  | { readonly state: 'installed'; readonly chatId: string; readonly aadObjectId: string }
  | { readonly state: 'unavailable'; readonly reason: string; readonly passing?: boolean };

interface InstallRecord {
  readonly state: 'requested' | 'unavailable';
  readonly reason: string;
  readonly at: string;
}

const PARTITION = 'install';
/** An install asked for, or refused, is not asked again for a day: no storm of Graph calls per lead. */
const REMEMBER_MS = 24 * 3_600_000;

/**
 * Installs the bot's Teams app for a contact who has no chat with it (as Company Communicator
 * does): the user found in the organisation by their address (not a guest, not disabled), then
 * Graph's teamwork/installedApps with the app's catalog id; Teams then sends the bot the
 * installation, and the chat can be written to. Each contact's outcome is kept for a day.
 */
export class AppInstaller {
  constructor(
    private readonly graph: GraphApp,
    private readonly catalogAppId: string,
    private readonly state: TableClient,
    private readonly now: () => Date,
    private readonly logger: Logger,
  ) {}

  async install(contact: string): Promise<InstallOutcome> {
    const known = await this.recorded(contact);
    if (known !== undefined && this.now().getTime() - Date.parse(known.at) < REMEMBER_MS) {
      return known.state === 'requested' ? { state: 'requested-earlier' } : { state: 'unavailable', reason: known.reason };
    }
    const outcome = await this.ask(contact);
    // Graph busy or unreachable: asked again at the next lead, not a day later. A chat found is kept as an installation.
    if ((outcome.state === 'unavailable' && outcome.passing === true) || outcome.state === 'installed') return outcome;
    await this.state.upsertEntity({ partitionKey: PARTITION, rowKey: rowKeyOf(contact), state: outcome.state === 'unavailable' ? 'unavailable' : 'requested', reason: outcome.state === 'unavailable' ? outcome.reason : '', at: this.now().toISOString() }, 'Replace');
    this.logger.info({ outcome: outcome.state, reason: outcome.state === 'unavailable' ? outcome.reason : undefined }, 'installing the app for a contact');
    return outcome;
  }

  /**
   * For `validate`: whether Graph sees this app installed for someone who has it (the admin
   * asking), which proves the sign-in, both permissions and the catalog id. Rejects with Graph's error.
   */
  async check(address: string): Promise<'installed' | 'not-installed' | 'no-such-user'> {
    const user = await this.findUser(address);
    if (user === undefined) return 'no-such-user';
    const filter = encodeURIComponent(`teamsApp/id eq '${this.catalogAppId}'`);
    const found = (await this.graph.request('GET', `/v1.0/users/${encodeURIComponent(user.id)}/teamwork/installedApps?$expand=teamsApp&$filter=${filter}`)) as { value?: unknown[] };
    return (found.value ?? []).length > 0 ? 'installed' : 'not-installed';
  }

  /** Why the app is not installed for a contact, when it could not be. */
  async reasonFor(contact: string): Promise<string | undefined> {
    const known = await this.recorded(contact);
    return known?.state === 'unavailable' ? known.reason : undefined;
  }

  private async ask(contact: string): Promise<InstallOutcome> {
    let user: { id: string; userType?: string; accountEnabled?: boolean } | undefined;
    try {
      user = await this.findUser(contact);
    } catch (error) {
      return { state: 'unavailable', reason: `Graph could not look them up (${describe(error)})`, passing: error instanceof GraphError && error.transient };
    }
    if (user === undefined) return { state: 'unavailable', reason: 'not a user of your organisation' };
    if (user.userType === 'Guest') return { state: 'unavailable', reason: 'a guest in your organisation: apps cannot be installed for guests' };
    if (user.accountEnabled === false) return { state: 'unavailable', reason: 'their account is disabled' };
    try {
      await this.graph.request('POST', `/v1.0/users/${encodeURIComponent(user.id)}/teamwork/installedApps`, {
        'teamsApp@odata.bind': `${this.graph.url}/v1.0/appCatalogs/teamsApps/${this.catalogAppId}`,
      });
      return { state: 'requested' };
    } catch (error) {
      if (error instanceof GraphError && error.status === 409) return this.installedAlready(user.id);
      return { state: 'unavailable', reason: `Graph refused to install the app (${describe(error)})`, passing: error instanceof GraphError && error.transient };
    }
  }

  /**
   * Installed for them already, yet the bot never heard of the chat (installed before the bot
   * kept records, or Teams' report was lost): Graph names the installation's chat, which the bot
   * may write to as to any personal chat (Teams' documented path after a proactive install).
   */
  private async installedAlready(userId: string): Promise<InstallOutcome> {
    try {
      const filter = encodeURIComponent(`teamsApp/id eq '${this.catalogAppId}'`);
      const user = encodeURIComponent(userId);
      const found = (await this.graph.request('GET', `/v1.0/users/${user}/teamwork/installedApps?$expand=teamsApp&$filter=${filter}`)) as { value?: { id: string }[] };
      const installation = found.value?.[0]?.id;
      if (installation === undefined) return { state: 'unavailable', reason: 'Graph says the app is installed for them, but lists no installation' };
      const chat = (await this.graph.request('GET', `/v1.0/users/${user}/teamwork/installedApps/${encodeURIComponent(installation)}/chat`)) as { id?: string };
      if (chat.id === undefined) return { state: 'unavailable', reason: 'the app is installed for them, but Graph names no chat' };
      return { state: 'installed', chatId: chat.id, aadObjectId: userId };
    } catch (error) {
      return { state: 'unavailable', reason: `the app is installed for them, but Graph would not name the chat (${describe(error)})`, passing: error instanceof GraphError && error.transient };
    }
  }

  /** The user behind an address: by user principal name, else by mail. */
  private async findUser(address: string): Promise<{ id: string; userType?: string; accountEnabled?: boolean } | undefined> {
    const select = '$select=id,userType,accountEnabled';
    try {
      return (await this.graph.request('GET', `/v1.0/users/${encodeURIComponent(address)}?${select}`)) as { id: string };
    } catch (error) {
      if (!(error instanceof GraphError && error.status === 404)) throw error;
    }
    const filter = encodeURIComponent(`mail eq '${address.replace(/'/g, "''")}'`);
    const found = (await this.graph.request('GET', `/v1.0/users?$filter=${filter}&${select}`)) as { value?: { id: string }[] };
    return found.value?.[0];
  }

  private async recorded(contact: string): Promise<InstallRecord | undefined> {
    try {
      return await this.state.getEntity<InstallRecord>(PARTITION, rowKeyOf(contact));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function rowKeyOf(contact: string): string {
  return Buffer.from(contact.toLowerCase(), 'utf8').toString('base64url');
}

function describe(error: unknown): string {
  if (error instanceof GraphError) return `${error.status === undefined ? '' : `HTTP ${String(error.status)} `}${error.code}`;
  return 'no answer';
}

/** What to do when Graph would not show or install the app, by what it said. */
export function installFix(error: unknown, language: Language): string {
  const say = messagesIn(language);
  if (!(error instanceof GraphError)) return say('validation.tryAgain');
  if (error.code === 'GRAPH_SIGN_IN_FAILED') return say('installFix.signIn');
  if (error.status === 403) return say('installFix.permission');
  if (error.transient) return say('mailFix.busy');
  return say('installFix.refused');
}
