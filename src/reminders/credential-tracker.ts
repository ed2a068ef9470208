import type { Settings } from '../config/settings';
import type { Logger } from '../logging/create-logger';
import { passwordExpiry, type BuiltInCredential, type Credential, type GraphSource } from './credential';
import type { CredentialRegistry, ExpiryUpdate } from './credential-registry';
import { GraphUnavailable, type GraphReading } from './read-expiry-from-graph';

export interface CredentialTrackerDeps {
  readonly registry: CredentialRegistry;
  readonly builtIns: readonly BuiltInCredential[];
  readonly settings: Settings;
  /** Reads dates from Microsoft Graph; undefined where there is no Graph to ask (local runs). */
  readonly readGraph: ((source: GraphSource) => Promise<GraphReading>) | undefined;
  readonly logger: Logger;
}

/**
 * Knows where each credential's expiry comes from and keeps the registry up to date: Graph when
 * it answers (it knows best), else what an admin typed in chat, else the bot's settings.
 */
export class CredentialTracker {
  constructor(private readonly deps: CredentialTrackerDeps) {}

  get registry(): CredentialRegistry {
    return this.deps.registry;
  }

  /** Brings every built-in credential up to date, and forgets those the settings no longer have. */
  async sync(): Promise<void> {
    const known = new Set(this.deps.builtIns.map((b) => b.id));
    for (const stale of (await this.deps.registry.list()).filter((c) => c.builtIn && !known.has(c.id))) await this.deps.registry.remove(stale.id);
    for (const builtIn of this.deps.builtIns) {
      // One credential's trouble (storage, an odd answer) must not keep the others from their reminders.
      await this.refresh(builtIn.id).catch((err: unknown) => {
        this.deps.logger.error({ err, credential: builtIn.id }, 'could not bring the credential up to date');
      });
    }
  }

  /** Brings one credential up to date (a built-in's dates from Graph or settings); undefined if unknown. */
  async refresh(id: string): Promise<Credential | undefined> {
    const builtIn = this.deps.builtIns.find((b) => b.id === id);
    if (builtIn === undefined) return this.deps.registry.get(id);
    await this.deps.registry.ensure(builtIn.id, builtIn.name, builtIn.kind, true);
    const before = await this.deps.registry.get(id);
    if (before === undefined) return undefined;
    const reading = await this.readGraph(builtIn, before);
    // Read again after Graph, which can be slow: an admin may have typed a date meanwhile.
    const current = await this.deps.registry.get(id);
    if (current === undefined) return undefined;
    if (reading !== undefined) {
      await this.apply(current, { ...this.datesOf(builtIn, reading), source: 'graph' });
    } else if (current.source === undefined || current.source === 'settings') {
      if (builtIn.settingsDate !== undefined) {
        const fromSettings = builtIn.kind === 'password' ? { changedAt: builtIn.settingsDate } : { expiresAt: builtIn.settingsDate };
        await this.apply(current, { ...this.datesOf(builtIn, fromSettings), source: 'settings' });
      }
    } else if (builtIn.kind === 'password' && current.changedAt !== undefined) {
      // Typed in chat: the expiry still follows the maximum age in the settings.
      await this.apply(current, { ...this.datesOf(builtIn, { changedAt: current.changedAt }), source: current.source });
    }
    return this.deps.registry.get(id);
  }

  /**
   * An admin's date, from chat or the card: a password's change date, or any other credential's
   * new expiry. Returns the credential as now recorded.
   */
  async record(credential: Credential, date: Date, by: string): Promise<Credential | undefined> {
    const iso = date.toISOString();
    const dates =
      credential.kind === 'password'
        ? { changedAt: iso, expiresAt: credential.builtIn ? passwordExpiry(iso, this.deps.settings.reminders.passwordMaxAgeDays) : undefined }
        : { expiresAt: iso, changedAt: undefined };
    await this.deps.registry.setExpiry(credential.id, { ...dates, source: 'chat', setBy: by });
    return this.deps.registry.get(credential.id);
  }

  private datesOf(builtIn: BuiltInCredential, reading: GraphReading): { expiresAt: string | undefined; changedAt: string | undefined } {
    if (builtIn.kind !== 'password') return { expiresAt: reading.expiresAt, changedAt: undefined };
    const changedAt = reading.changedAt;
    return { changedAt, expiresAt: changedAt === undefined ? undefined : passwordExpiry(changedAt, this.deps.settings.reminders.passwordMaxAgeDays) };
  }

  private async apply(current: Credential, update: ExpiryUpdate): Promise<void> {
    if (current.expiresAt === update.expiresAt && current.changedAt === update.changedAt && current.source === update.source) return;
    // Only if unchanged since read: a date an admin typed meanwhile is not overwritten.
    if (!(await this.deps.registry.setExpiry(current.id, update, current))) return;
    this.deps.logger.info({ credential: current.id, expiresAt: update.expiresAt, source: update.source }, 'credential expiry recorded');
  }

  /** Graph's dates, or undefined with the reason recorded (and logged once) when it cannot tell. */
  private async readGraph(builtIn: BuiltInCredential, current: Credential): Promise<GraphReading | undefined> {
    const read = this.deps.readGraph;
    if (read === undefined || builtIn.graph === undefined) return undefined;
    try {
      const reading = await read(builtIn.graph);
      if (current.graphProblem !== undefined) await this.deps.registry.setGraphProblem(current.id, undefined);
      return reading;
    } catch (error) {
      if (!(error instanceof GraphUnavailable)) throw error;
      if (current.graphProblem !== error.message) {
        this.deps.logger.warn({ credential: current.id, problem: error.message }, "Graph cannot tell this credential's expiry; set it with `rotation set` in chat, or in the settings");
        await this.deps.registry.setGraphProblem(current.id, error.message);
      }
      return undefined;
    }
  }
}
