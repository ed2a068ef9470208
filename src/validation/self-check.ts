import type { TableClient } from '@azure/data-tables';
import { validationCard } from '../cards/validation-card';
import type { Settings } from '../config/settings';
import type { AdminMessenger } from '../conversations/admin-messenger';
import type { InstallationStore } from '../conversations/installation-store';
import type { DataverseClient } from '../dynamics/dataverse-client';
import { dynamicsLeadWriter } from '../dynamics/dynamics-lead-writer';
import type { TokenSource } from '../dynamics/sign-in';
import { message } from '../language/messages';
import type { Logger } from '../logging/create-logger';
import type { Route } from '../routing/route';
import { isConflict, isNotFound } from '../storage/storage-errors';
import { repeat, type Clock, type Loop } from '../timing/clock';
import { runValidation, STEPS } from './run-validation';

export interface SelfCheckDeps {
  readonly settings: Settings;
  readonly signIn: TokenSource;
  readonly dynamics: DataverseClient;
  readonly installations: InstallationStore;
  readonly routes: () => Promise<readonly Route[]>;
  readonly admins: AdminMessenger;
  /** Where the schedule and the last outcome are kept (the state table). */
  readonly state: TableClient;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly clock?: Clock;
}

/** How often an instance looks whether the self-check is due. */
export const SELF_CHECK_LOOK_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
const KEY = { partitionKey: 'self-check', rowKey: 'schedule' };

interface ScheduleRow {
  /** When the last run began (or the schedule was first seen). */
  readonly lastRunAt: string;
  /** The steps that failed at the last run, comma-separated ('' none): what the admins were last told. */
  readonly failing: string;
}

export type SelfCheckOutcome = 'not-due' | 'healthy' | 'still-failing' | 'failing' | 'recovered';

/**
 * The scheduled self-check (#16): every SELF_CHECK_HOURS, validate's path runs by itself, so a
 * broken connection is found before a real lead is lost. It sends nothing to the sales team: no
 * card, no mail (those steps are for whoever asks `validate`), and its test lead, marked as
 * Partner Center marks its own, is deleted after. The admins hear only when steps start failing
 * (and again if other steps fail), and once when all pass again; the last outcome is kept in
 * storage, so restarts and other instances do not repeat it. One instance runs each: the run is
 * taken by a conditional update of the schedule's row.
 */
export class SelfCheck {
  private loop: Loop | undefined;

  constructor(private readonly deps: SelfCheckDeps) {}

  start(): void {
    if (this.deps.settings.selfCheckHours === 0) return;
    this.loop = repeat(() => this.tick(), SELF_CHECK_LOOK_MS, (err: unknown) => {
      this.deps.logger.error({ err }, 'the scheduled self-check could not run; trying again shortly');
    }, this.deps.clock);
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
  }

  /** One look: runs the check if it is due and no other instance has taken it. */
  async tick(): Promise<SelfCheckOutcome> {
    const hours = this.deps.settings.selfCheckHours;
    if (hours === 0) return 'not-due';
    const now = this.deps.now();
    const row = await this.deps.state.getEntity<ScheduleRow>(KEY.partitionKey, KEY.rowKey).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    try {
      if (row === undefined) {
        // First seen: the first run is a period from now (a new deployment is validated by hand).
        await this.deps.state.createEntity({ ...KEY, lastRunAt: now.toISOString(), failing: '' });
        return 'not-due';
      }
      if (Date.parse(row.lastRunAt) + hours * HOUR_MS > now.getTime()) return 'not-due';
      await this.deps.state.updateEntity({ ...KEY, lastRunAt: now.toISOString() }, 'Merge', { etag: row.etag });
    } catch (error) {
      if (isConflict(error)) return 'not-due'; // another instance took it
      throw error;
    }
    return this.run(row.failing);
  }

  private async run(failingBefore: string): Promise<SelfCheckOutcome> {
    const { settings } = this.deps;
    const language = settings.reader.language;
    const outcome = await runValidation(
      {
        settings,
        language,
        signIn: this.deps.signIn,
        dynamics: this.deps.dynamics,
        writer: dynamicsLeadWriter(this.deps.dynamics, settings.dynamics.leadSourceCode),
        installations: this.deps.installations,
        routes: await this.deps.routes(),
        requestedBy: 'the scheduled self-check',
        requestedByAddress: undefined,
        sendTestMail: undefined,
        mailFix: () => '',
        checkInstall: undefined,
        installFix: () => '',
        deliverCard: () => Promise.resolve(),
        scheduled: true,
      },
      () => Promise.resolve(),
    );
    if (outcome.testLeadId !== undefined) {
      await this.deps.dynamics.deleteLead(outcome.testLeadId).catch((err: unknown) => {
        this.deps.logger.warn({ err }, "could not delete the self-check's test lead; it is marked as a test and safe to delete");
      });
    }
    const failing = STEPS.filter((_, i) => outcome.steps[i]?.state === 'failed').join(',');
    const log = this.deps.logger.child({ selfCheck: true });
    if (failing === failingBefore) {
      log.info({ failing }, failing === '' ? 'scheduled self-check passed' : 'scheduled self-check still failing; the admins know');
      return failing === '' ? 'healthy' : 'still-failing';
    }
    // Told first, recorded after: a notice lost to a crash is sent again at the next run.
    await this.deps.admins.send((reader) => {
      if (failing === '') return { text: message(reader.language, 'selfCheck.recovered') };
      return {
        text: message(reader.language, 'selfCheck.failing', { hours: String(settings.selfCheckHours) }),
        card: validationCard(outcome.steps, undefined, language),
        summary: message(reader.language, 'selfCheck.summary'),
      };
    }, 'self-check');
    await this.deps.state.updateEntity({ ...KEY, failing }, 'Merge');
    log.warn({ failing, before: failingBefore }, failing === '' ? 'scheduled self-check passes again: the admins were told' : 'scheduled self-check failed: the admins were told');
    return failing === '' ? 'recovered' : 'failing';
  }
}
