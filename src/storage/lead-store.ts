import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { isAlreadyThere, isChangedMeanwhile, isNotFound } from './storage-errors';
import type { KnownCustomer } from '../leads/known-customer';
import type { Customer, Lead, LeadOrigin } from '../leads/lead';
import type { Routing } from '../routing/route-lead';

/**
 * Where a lead is in Dynamics: received (stored, its queue message sent before the sender's 2xx)
 * → (waiting →) written → done (written, and its alert finished), or dead-lettered. 'queued':
 * queued again by the sweep, for a repeat delivery, or re-driven. The alert goes its own way
 * (`alertedAt`), never waiting for Dynamics.
 */
export type LeadStatus = 'received' | 'queued' | 'waiting' | 'written' | 'done' | 'dead-lettered';

export interface StoredLead extends Lead {
  readonly status: LeadStatus;
  readonly queuedAt: string | undefined;
  /** How many times the same lead was sent again after the first (concurrent repeats may count once). */
  readonly duplicates: number;
  /** Failed writes that count towards dead-lettering. */
  readonly attempts: number;
  readonly lastErrorCode: string | undefined;
  /** What the last failure means for the lead: a FailureKind (src/pipeline/lead-failure.ts), kept as the pipeline gave it. */
  readonly lastErrorKind: string | undefined;
  readonly lastError: string | undefined;
  /** The Dataverse record id, once written. */
  readonly dynamicsId: string | undefined;
  readonly writtenAt: string | undefined;
  /** The seller who claimed the lead, by name ('' when Teams gave none); undefined while nobody has. */
  readonly claimedBy: string | undefined;
  /** Who they are to Dynamics, to make them the lead's owner there. */
  readonly claimant: Claimant | undefined;
  /** Whether they are the lead's owner in Dynamics too; undefined while nobody has claimed it. */
  readonly owner: OwnerStanding | undefined;
  /** A seller's first touch: marked contacted from the card. */
  readonly contacted: { readonly by: string; readonly at: string } | undefined;
  /** Disqualified from the card, with the Lead table's status reason (4 Lost, 5 Cannot contact, 6 No longer interested, 7 Canceled). */
  readonly disqualified: { readonly by: string; readonly at: string; readonly reason: DisqualifyReason } | undefined;
  /** Whether Dynamics shows that status too; undefined while there is none to show. */
  readonly statusInDynamics: StatusStanding | undefined;
  /** Failed tries at bringing Dynamics up to date with the sellers' actions (owner, status), for the backoff. */
  readonly followUpAttempts: number;
  /** When every recipient had the alert (or could not be served); undefined while it is going out. */
  readonly alertedAt: string | undefined;
  /** The Dynamics standing the sent cards show, so they are updated when it changes. */
  readonly alertedAs: AlertedAs | undefined;
  /** Passes over this lead that failed for a reason other than Dynamics (Teams, Graph, storage). */
  readonly failedPasses: number;
  /** Whom the lead was routed to, once its alert first went out (undefined before, and for leads from before routing). */
  readonly routing: Routing | undefined;
  /** Announced again because nobody claimed it: the last step taken on, and when. */
  readonly escalation: Escalation | undefined;
  /** What Dynamics knew of the customer when the lead came (empty: nothing); undefined until looked up. */
  readonly knownCustomer: KnownCustomer | undefined;
}

/**
 * A lead nobody claimed, announced again (#16): step 1 to its people again, step 2 to the admins
 * and the chats that chose escalations; `at` when the step was taken on, `minutes` after the lead
 * was first announced.
 */
export interface Escalation {
  readonly step: EscalationStep;
  readonly at: string;
  readonly minutes: number;
}

export type EscalationStep = 1 | 2;

/** The next escalation step of a lead, and when it is due. */
export interface EscalationDue {
  readonly step: EscalationStep;
  readonly at: Date;
}

export type AlertedAs = 'written' | 'pending' | 'failed';

/** Who claimed a lead: their name as shown, and how Dynamics knows them (Entra object id from Teams, or the address a lead mail went to). */
export interface Claimant {
  readonly name: string;
  /** When they claimed it, once they have. */
  readonly at?: string | undefined;
  readonly aadObjectId?: string | undefined;
  readonly email?: string | undefined;
}

/**
 * Making the claimer the lead's owner in Dynamics: still to do ('pending'; `code` says why the
 * last try failed, if one did), done, no Dynamics user for them, or refused for good (`code`).
 */
export type OwnerStanding =
  | { readonly state: 'pending'; readonly code: string | undefined }
  | { readonly state: 'done'; readonly name: string }
  | { readonly state: 'no-user' }
  | { readonly state: 'refused'; readonly code: string };

/** The Lead table's status reasons for a disqualified lead. */
export const DISQUALIFY_REASONS = [4, 5, 6, 7] as const;
export type DisqualifyReason = (typeof DISQUALIFY_REASONS)[number];

/** Bringing a lead's status in Dynamics (contacted, disqualified) up to date: still to do (why the last try failed, if one did), done, or refused for good. */
export type StatusStanding = { readonly state: 'pending'; readonly code: string | undefined } | { readonly state: 'done' } | { readonly state: 'refused'; readonly code: string };

/** What a follow-up pass came to: the new standings, and when to come back while one is pending (none: nothing left to do). */
export interface FollowUpChange {
  readonly owner: OwnerStanding | undefined;
  readonly status: StatusStanding | undefined;
  readonly due: Date | undefined;
  readonly attempts?: number;
}

/** Why a seller's action on a lead does not apply: someone else has it, or it is done already (and by whom). */
export type ActionRefused = { readonly refused: 'claimed' | 'contacted' | 'disqualified'; readonly by: string };

/** A lead and what sellers did with it, without the customer: what the daily digest counts. */
export type LeadHistory = Pick<StoredLead, 'id' | 'receivedAt' | 'isTest' | 'doNotContact' | 'source' | 'routing' | 'claimant' | 'contacted' | 'disqualified'>;

/** Where one lead is, without the customer: what `status` counts. */
/**
 * A lead's way through the pipeline, and what sellers did with it and whether Dynamics has that
 * yet: what `status` and the alarms read, without the customer.
 */
export type LeadTimeline = Pick<
  StoredLead,
  'id' | 'status' | 'isTest' | 'doNotContact' | 'receivedAt' | 'writtenAt' | 'alertedAt' | 'lastErrorCode' | 'routing' | 'claimedBy' | 'disqualified' | 'owner' | 'statusInDynamics'
> & {
  readonly doneAt: string | undefined;
  /** Escalation step 2 went out (not while it is still being sent, or tried again). */
  readonly escalatedToAdmins: boolean;
};

/** The columns the pipeline changes as a lead moves on. */
export interface LeadProgress {
  readonly status?: LeadStatus;
  readonly attempts?: number;
  readonly lastErrorCode?: string;
  readonly lastErrorKind?: string;
  readonly lastError?: string;
  readonly dynamicsId?: string;
  readonly writtenAt?: string;
  readonly doneAt?: string;
  readonly deadLetteredAt?: string;
  readonly alertedAt?: string;
  readonly alertedAs?: AlertedAs;
  readonly failedPasses?: number;
}

/**
 * One row per lead, keyed by the lead id (each lead is its own partition: leads are written
 * independently and never queried together by partition). Customer fields are columns of
 * their own so the table reads well in Storage Explorer and no single property nears its
 * 64 KiB limit.
 */
export class LeadStore {
  constructor(private readonly table: TableClient) {}

  /** Stores a new lead as 'received'; 'exists' when a lead with this id is already stored. */
  async create(lead: Lead): Promise<'created' | 'exists'> {
    try {
      await this.table.createEntity({
        partitionKey: lead.id,
        rowKey: ROW,
        origin: lead.origin,
        receivedAt: lead.receivedAt,
        status: 'received' satisfies LeadStatus,
        duplicates: 0,
        attempts: 0,
        ...lead.customer,
        description: lead.description,
        leadSource: lead.source.raw,
        channel: lead.source.channel,
        actionCode: lead.source.actionCode,
        action: lead.source.action,
        offerId: lead.source.offerId,
        offerTitle: lead.source.offerTitle,
        isTest: lead.isTest,
        doNotContact: lead.doNotContact,
      });
      return 'created';
    } catch (error) {
      if (isAlreadyThere(error)) return 'exists';
      throw error;
    }
  }

  async get(id: string): Promise<StoredLead | undefined> {
    try {
      return toStoredLead(await this.table.getEntity<LeadEntity>(id, ROW));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Makes `claimant` the lead's owner unless someone already is. Two sellers clicking Claim at
   * once cannot both win: the update is conditional on the row not having changed. The winner
   * is to be made the owner in Dynamics too (followUpsDue finds it).
   */
  async claim(id: string, claimant: Claimant, at: Date): Promise<{ won: boolean; claimedBy: string }> {
    for (;;) {
      const row = await this.table.getEntity<LeadEntity>(id, ROW);
      if (isSet(row.claimedAt)) return { won: false, claimedBy: row.claimedBy ?? '' };
      // Disqualified, there is nothing left to take on: whoever did it is shown instead.
      if (isSet(row.disqualifiedAt)) return { won: false, claimedBy: row.disqualifiedBy ?? '' };
      try {
        await this.table.updateEntity(
          { partitionKey: id, rowKey: ROW, ...claimColumns(claimant, at) },
          'Merge',
          { etag: row.etag },
        );
        return { won: true, claimedBy: claimant.name };
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error; // changed meanwhile: look again
      }
    }
  }

  /**
   * Records a seller's first touch (Mark contacted), for Dynamics to show too: refused when the
   * lead is disqualified or marked already, or someone else has it and `actor` may not act for
   * them (an admin may). An unclaimed lead becomes theirs. Conditional on the row as read.
   */
  async markContacted(id: string, actor: Claimant, at: Date, mayActForOthers: boolean): Promise<ActionRefused | undefined> {
    return this.act(id, actor, mayActForOthers, at, (row) => {
      if (isSet(row.contactedAt)) return { refused: 'contacted', by: row.contactedBy ?? '' };
      return { contactedAt: at.toISOString(), contactedBy: actor.name, ...(isSet(row.claimedAt) ? {} : claimColumns(actor, at)) };
    });
  }

  /** Disqualifies the lead with a status reason, for Dynamics to show too; refused as markContacted is. */
  async disqualify(id: string, actor: Claimant, reason: DisqualifyReason, at: Date, mayActForOthers: boolean): Promise<ActionRefused | undefined> {
    return this.act(id, actor, mayActForOthers, at, () => ({ disqualifiedAt: at.toISOString(), disqualifiedBy: actor.name, disqualifyReason: reason, offerUntil: '', escalateAt: '' }));
  }

  /** A seller's action on the lead, unless it is disqualified or someone else has it; Dynamics is brought up to date after (followUpsDue). */
  private async act(id: string, actor: Claimant, mayActForOthers: boolean, at: Date, change: (row: LeadEntity) => Partial<LeadEntity> | ActionRefused): Promise<ActionRefused | undefined> {
    for (;;) {
      const row = await this.table.getEntity<LeadEntity>(id, ROW);
      if (isSet(row.disqualifiedAt)) return { refused: 'disqualified', by: row.disqualifiedBy ?? '' };
      const claimer = toStoredLead(row).claimant;
      if (claimer !== undefined && !samePerson(claimer, actor) && !mayActForOthers) return { refused: 'claimed', by: claimer.name };
      const columns = change(row);
      if ('refused' in columns) return columns;
      try {
        await this.table.updateEntity({ partitionKey: id, rowKey: ROW, ...columns, statusSync: 'pending', statusSyncCode: '', followUpDue: at.toISOString(), followUpAttempts: 0 }, 'Merge', { etag: row.etag });
        return undefined;
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error;
      }
    }
  }

  /**
   * Leads received since a time, and every lead not finished whatever its age. A scan of the
   * table: fine at marketplace volumes (a few hundred leads a day), and only `status` asks.
   */
  async timelines(since: Date): Promise<LeadTimeline[]> {
    const filter = odata`receivedAt ge ${since.toISOString()} or (status ne ${'done'} and status ne ${'dead-lettered'})`;
    const select = [
      'PartitionKey', 'status', 'isTest', 'doNotContact', 'receivedAt', 'writtenAt', 'doneAt', 'alertedAt', 'lastErrorCode', 'routing', 'claimedBy', 'claimedAt',
      'disqualifiedAt', 'disqualifiedBy', 'disqualifyReason', 'ownerSync', 'ownerSyncCode', 'ownerName', 'statusSync', 'statusSyncCode', 'escalatedStep', 'escalatedAt', 'escalateStep',
    ];
    const found: LeadTimeline[] = [];
    for await (const e of this.table.listEntities<LeadEntity & { doneAt?: string }>({ queryOptions: { filter, select } })) {
      const { id, status, isTest, doNotContact, receivedAt, writtenAt, alertedAt, lastErrorCode, routing, claimedBy, disqualified, owner, statusInDynamics } = toStoredLead(e);
      // Taken on and no longer due: finished (escalateStep moves on, or to 0, once it has gone).
      const escalatedToAdmins = escalationStepOf(e.escalatedStep) === 2 && isSet(e.escalatedAt) && escalationStepOf(e.escalateStep) !== 2;
      found.push({ id, status, isTest, doNotContact, receivedAt, writtenAt, alertedAt, lastErrorCode, routing, claimedBy, disqualified, owner, statusInDynamics, doneAt: e.doneAt, escalatedToAdmins });
    }
    return found;
  }

  /**
   * Leads received since a time, with what sellers did with them: what the daily digest counts. A
   * scan of the table, once a day per chat, at marketplace volumes.
   */
  async history(since: Date): Promise<LeadHistory[]> {
    const filter = odata`receivedAt ge ${since.toISOString()}`;
    const select = ['PartitionKey', 'receivedAt', 'isTest', 'doNotContact', 'channel', 'actionCode', 'action', 'offerId', 'offerTitle', 'leadSource', 'routing', 'claimedBy', 'claimedByAadId', 'claimedByEmail', 'claimedAt', 'contactedAt', 'contactedBy', 'disqualifiedAt', 'disqualifiedBy', 'disqualifyReason'];
    const found: LeadHistory[] = [];
    for await (const e of this.table.listEntities<LeadEntity>({ queryOptions: { filter, select } })) {
      const { id, receivedAt, isTest, doNotContact, source, routing, claimant, contacted, disqualified } = toStoredLead(e);
      found.push({ id, receivedAt, isTest, doNotContact, source, routing, claimant, contacted, disqualified });
    }
    return found;
  }

  /**
   * Records that the lead was queued again (by the sweep, or for a repeat delivery), so it is not
   * queued once more; never moving it back: a worker may have taken the message and moved the
   * lead on before this lands. Conditional on the row as read.
   */
  async markQueued(id: string, at: Date): Promise<void> {
    for (;;) {
      const row = await this.table.getEntity<LeadEntity>(id, ROW);
      const status = row.status === 'received' ? { status: 'queued' satisfies LeadStatus } : {};
      try {
        await this.table.updateEntity({ partitionKey: id, rowKey: ROW, ...status, queuedAt: at.toISOString() }, 'Merge', { etag: row.etag });
        return;
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error;
      }
    }
  }

  /**
   * Leads stored before `before` that no worker has taken: their queue message may never have
   * been sent (the sender got a 503, or the instance died between the two writes).
   */
  async unqueued(before: Date): Promise<string[]> {
    const filter = odata`status eq ${'received'} and receivedAt lt ${before.toISOString()}`;
    const ids: string[] = [];
    for await (const e of this.table.listEntities<LeadEntity>({ queryOptions: { filter, select: ['PartitionKey', 'alertedAs'] } })) {
      // A worker records what its cards say before the first goes out: that one has the lead.
      // (Azure Tables answers a selected column the row lacks with null; Azurite leaves it out.)
      if ((e.alertedAs ?? undefined) === undefined) ids.push(e.partitionKey ?? '');
    }
    return ids;
  }

  /**
   * Leads waiting for Dynamics after a write failed, each to come back when its own backoff is
   * due; but those Dynamics throttled, which come back when its Retry-After said.
   */
  async waitingOnOutage(): Promise<string[]> {
    const filter = odata`status eq ${'waiting'} and lastErrorCode ne ${'DYNAMICS_THROTTLED'}`;
    return this.idsWhere(filter);
  }

  async update(id: string, progress: LeadProgress & { queuedAt?: string }): Promise<void> {
    await this.table.updateEntity({ partitionKey: id, rowKey: ROW, ...progress }, 'Merge');
  }

  /**
   * Keeps whom the lead is routed to, before its alert goes out, unless it was routed already
   * (two passes over one lead at once): the write is conditional on the row as read, and the
   * routing that stands is returned, so every pass alerts the same people. `escalation`: when it
   * was first announced, and its first escalation step (none: it never escalates).
   */
  async route(id: string, routing: Routing, escalation?: { readonly from: Date; readonly first: EscalationDue }): Promise<Routing> {
    const escalate = escalation === undefined ? {} : { escalationFrom: escalation.from.toISOString(), escalateAt: escalation.first.at.toISOString(), escalateStep: escalation.first.step };
    for (;;) {
      const row = await this.table.getEntity<LeadEntity>(id, ROW);
      const stored = readRouting(row.routing);
      if (stored !== undefined) return stored;
      try {
        await this.table.updateEntity({ partitionKey: id, rowKey: ROW, routing: JSON.stringify(routing), offerUntil: offerUntilOf(routing), ...escalate }, 'Merge', { etag: row.etag });
        return routing;
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error;
      }
    }
  }

  /**
   * Records that the lead's alert reached everyone it could, unless the lead was passed on to
   * someone else meanwhile (its routing is no longer `routing`, the one alerted): then the pass
   * for that step alerts them, and finding the alert done would skip them. Returns whether it was
   * recorded.
   */
  async recordAlerted(id: string, at: string, routing: Routing | undefined): Promise<boolean> {
    for (;;) {
      const row = await this.table.getEntity<LeadEntity>(id, ROW);
      if (routing !== undefined && row.routing !== JSON.stringify(routing)) return false;
      try {
        await this.table.updateEntity({ partitionKey: id, rowKey: ROW, alertedAt: at }, 'Merge', { etag: row.etag });
        return true;
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error;
      }
    }
  }

  /** Round-robin leads whose contact's time to claim is up at `now`. */
  async offersDue(now: Date): Promise<string[]> {
    const filter = odata`offerUntil ne ${''} and offerUntil le ${now.toISOString()}`;
    return this.idsWhere(filter);
  }

  /**
   * Moves a round-robin lead to its next routing (`next`, from the lead as stored now: 'stop' when
   * it passes on no more, 'unchanged' when not yet), once however many instances try: the write is
   * conditional on the row not having changed. Its alert is opened again, for the worker to serve
   * whoever is new; `beforeMove` runs just before a move is written. Returns the lead as moved on,
   * or undefined when this call did not move it.
   */
  async passTurn(id: string, next: (lead: StoredLead) => Routing | 'unchanged' | 'stop', beforeMove?: () => Promise<void>): Promise<StoredLead | undefined> {
    let prepared = false;
    for (;;) {
      let row: TableEntityResult<LeadEntity>;
      try {
        row = await this.table.getEntity<LeadEntity>(id, ROW);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      const lead = toStoredLead(row);
      const routing = next(lead);
      if (routing === 'unchanged') return undefined;
      if (routing !== 'stop' && !prepared) {
        await beforeMove?.();
        prepared = true;
      }
      const change = routing === 'stop' ? { offerUntil: '' } : { routing: JSON.stringify(routing), offerUntil: offerUntilOf(routing), alertedAt: '' };
      try {
        await this.table.updateEntity({ partitionKey: id, rowKey: ROW, ...change }, 'Merge', { etag: row.etag });
      } catch (error) {
        // Changed meanwhile (another instance moved it on, or a claim, an escalation): decided again on the row as it is now.
        if (isChangedMeanwhile(error)) continue;
        throw error;
      }
      return routing === 'stop' ? undefined : { ...lead, routing, alertedAt: undefined };
    }
  }

  /** Leads whose sellers' actions (a claim, contacted, disqualified) are due to be brought to Dynamics at `now`. */
  async followUpsDue(now: Date): Promise<string[]> {
    const filter = odata`followUpDue ne ${''} and followUpDue le ${now.toISOString()}`;
    return this.idsWhere(filter);
  }

  /**
   * Takes a lead's follow-up until `until`, if it is still due: one instance at a time (the move
   * is conditional on the row as read), and a taker that dies gives it back by then.
   */
  async takeFollowUp(id: string, now: Date, until: Date): Promise<(StoredLead & { readonly heldUntil: string }) | undefined> {
    const row = await this.table.getEntity<LeadEntity>(id, ROW).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (!isSet(row?.followUpDue) || row.followUpDue > now.toISOString()) return undefined;
    // Held by another instance (a seller's action meanwhile made it due again): theirs until then.
    if (isSet(row.followUpHeldUntil) && row.followUpHeldUntil > now.toISOString()) return undefined;
    try {
      await this.table.updateEntity({ partitionKey: id, rowKey: ROW, followUpHeldUntil: until.toISOString() }, 'Merge', { etag: row.etag });
    } catch (error) {
      if (isChangedMeanwhile(error)) return undefined;
      throw error;
    }
    return { ...toStoredLead(row), heldUntil: until.toISOString() };
  }

  /**
   * Records what a follow-up pass over `taken` came to, if this pass still holds it (a pass that
   * outlived its hold leaves the lead to whoever took it since). A seller's action meanwhile
   * (Mark contacted after a claim) keeps its status pending and due now, for the next pass.
   * Conditional on the row as read.
   */
  async recordFollowUp(taken: StoredLead & { readonly heldUntil: string }, change: FollowUpChange): Promise<void> {
    const { owner, status } = change;
    for (;;) {
      const row = await this.table.getEntity<LeadEntity>(taken.id, ROW);
      if (row.followUpHeldUntil !== taken.heldUntil) return;
      const claimedMeanwhile = orUndefined(row.claimedAt) !== taken.claimant?.at;
      const markedMeanwhile = orUndefined(row.contactedAt) !== taken.contacted?.at || orUndefined(row.disqualifiedAt) !== taken.disqualified?.at;
      const columns = {
        ...(owner === undefined || claimedMeanwhile ? {} : { ownerSync: owner.state, ownerSyncCode: codeOf(owner), ownerName: owner.state === 'done' ? owner.name : '' }),
        ...(status === undefined || markedMeanwhile ? {} : { statusSync: status.state, statusSyncCode: codeOf(status) }),
        // What an action meanwhile left to do stays due now.
        ...(claimedMeanwhile || markedMeanwhile ? {} : { followUpDue: change.due?.toISOString() ?? '', followUpAttempts: change.attempts ?? 0 }),
        followUpHeldUntil: '',
      };
      try {
        await this.table.updateEntity({ partitionKey: taken.id, rowKey: ROW, ...columns }, 'Merge', { etag: row.etag });
        return;
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error;
      }
    }
  }

  /** Leads nobody has claimed whose next escalation step is due at `now` (or whose step, taken on, is to be tried again). */
  async escalationsDue(now: Date): Promise<string[]> {
    const filter = odata`escalateAt ne ${''} and escalateAt le ${now.toISOString()}`;
    return this.idsWhere(filter);
  }

  /**
   * Takes on the lead's escalation step due at `now`, one instance at a time: the step is marked
   * taken and looked at again at `retryAt` (its sends are once per chat and person, so a step
   * taken on twice, after a crash, serves only those it missed). A lead claimed or disqualified
   * meanwhile escalates no more. Conditional on the row as read.
   */
  async takeEscalation(id: string, now: Date, retryAt: Date): Promise<(StoredLead & { readonly escalating: EscalationStep; readonly escalationFrom: string }) | undefined> {
    for (;;) {
      const row = await this.table.getEntity<LeadEntity>(id, ROW).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      // Not due (any more: another instance has taken it on until its retry).
      if (row === undefined || !isSet(row.escalateAt) || row.escalateAt > now.toISOString()) return undefined;
      const step = escalationStepOf(row.escalateStep);
      const over = isSet(row.claimedAt) || isSet(row.disqualifiedAt) || step === undefined || !isSet(row.escalationFrom);
      // Taken on again after a crash or a failed send: it keeps the moment it was first taken on.
      const takenAt = row.escalatedStep === step && isSet(row.escalatedAt) ? row.escalatedAt : now.toISOString();
      const change = over ? { escalateAt: '' } : { escalatedStep: step, escalatedAt: takenAt, escalateAt: retryAt.toISOString() };
      try {
        await this.table.updateEntity({ partitionKey: id, rowKey: ROW, ...change }, 'Merge', { etag: row.etag });
      } catch (error) {
        if (isChangedMeanwhile(error)) continue; // looked at again as it is now
        throw error;
      }
      if (over) return undefined;
      return { ...toStoredLead({ ...row, ...change }), escalating: step, escalationFrom: row.escalationFrom ?? '' };
    }
  }

  /**
   * Records that escalation step `step` reached everyone it could, and when the next is due (none:
   * the lead escalates no more), unless another instance has moved it on meanwhile or it was
   * claimed or disqualified. Conditional on the row as read.
   */
  async finishEscalation(id: string, step: EscalationStep, next: EscalationDue | undefined): Promise<void> {
    for (;;) {
      const row = await this.table.getEntity<LeadEntity>(id, ROW);
      if (row.escalateStep !== step) return;
      const over = next === undefined || isSet(row.claimedAt) || isSet(row.disqualifiedAt);
      try {
        await this.table.updateEntity({ partitionKey: id, rowKey: ROW, escalateAt: over ? '' : next.at.toISOString(), escalateStep: over ? 0 : next.step }, 'Merge', { etag: row.etag });
        return;
      } catch (error) {
        if (!isChangedMeanwhile(error)) throw error;
      }
    }
  }

  /** Keeps what Dynamics knew of the lead's customer (looked up once, as its first alert goes out). */
  async recordKnownCustomer(id: string, known: KnownCustomer): Promise<void> {
    await this.table.updateEntity({ partitionKey: id, rowKey: ROW, knownCustomer: JSON.stringify(known) }, 'Merge');
  }

  /** The ids of the leads a filter finds (a scan of the table: the due-work queries, at marketplace volumes). */
  private async idsWhere(filter: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const e of this.table.listEntities<LeadEntity>({ queryOptions: { filter, select: ['PartitionKey'] } })) ids.push(e.partitionKey ?? '');
    return ids;
  }

  async recordDuplicate(lead: StoredLead, at: Date): Promise<void> {
    await this.table.updateEntity(
      { partitionKey: lead.id, rowKey: ROW, duplicates: lead.duplicates + 1, lastDuplicateAt: at.toISOString() },
      'Merge',
    );
  }
}

const ROW = 'lead';

interface LeadEntity extends Customer {
  origin: LeadOrigin;
  receivedAt: string;
  status: LeadStatus;
  queuedAt?: string;
  duplicates: number;
  attempts?: number;
  lastErrorCode?: string;
  lastErrorKind?: string;
  lastError?: string;
  dynamicsId?: string;
  writtenAt?: string;
  claimedBy?: string;
  claimedAt?: string;
  claimedByAadId?: string;
  claimedByEmail?: string;
  ownerSync?: OwnerStanding['state'];
  followUpDue?: string;
  ownerSyncCode?: string;
  followUpAttempts?: number;
  ownerName?: string;
  offerUntil?: string;
  followUpHeldUntil?: string;
  contactedAt?: string;
  contactedBy?: string;
  disqualifiedAt?: string;
  disqualifiedBy?: string;
  disqualifyReason?: number;
  /** When the lead was first announced, from which its escalation steps count. */
  escalationFrom?: string;
  /** When to look at its escalation next ('' never) and the step due then (0 none). */
  escalateAt?: string;
  escalateStep?: number;
  /** The last escalation step taken on, and when. */
  escalatedStep?: number;
  escalatedAt?: string;
  /** JSON of a KnownCustomer. */
  knownCustomer?: string;
  statusSync?: StatusStanding['state'];
  statusSyncCode?: string;
  alertedAt?: string;
  alertedAs?: AlertedAs;
  failedPasses?: number;
  /** JSON of a Routing. */
  routing?: string;
  description: string;
  leadSource: string;
  channel: string;
  actionCode: string;
  action: string;
  offerId: string;
  offerTitle: string;
  isTest: boolean;
  doNotContact: boolean;
}

function toStoredLead(e: TableEntityResult<LeadEntity>): StoredLead {
  return {
    id: e.partitionKey ?? '',
    origin: e.origin,
    receivedAt: e.receivedAt,
    status: e.status,
    queuedAt: e.queuedAt,
    duplicates: e.duplicates,
    attempts: e.attempts ?? 0,
    lastErrorCode: e.lastErrorCode,
    lastErrorKind: e.lastErrorKind,
    lastError: e.lastError,
    dynamicsId: e.dynamicsId,
    writtenAt: e.writtenAt,
    // Claimed once claimedAt is set: the name may be '' (Teams gave none).
    claimedBy: isSet(e.claimedAt) ? (e.claimedBy ?? '') : undefined,
    claimant: isSet(e.claimedAt) ? { name: e.claimedBy ?? '', at: e.claimedAt, aadObjectId: orUndefined(e.claimedByAadId), email: orUndefined(e.claimedByEmail) } : undefined,
    owner: ownerOf(e),
    followUpAttempts: e.followUpAttempts ?? 0,
    contacted: isSet(e.contactedAt) ? { by: e.contactedBy ?? '', at: e.contactedAt } : undefined,
    disqualified: isSet(e.disqualifiedAt) ? { by: e.disqualifiedBy ?? '', at: e.disqualifiedAt, reason: disqualifyReasonOf(e.disqualifyReason) } : undefined,
    statusInDynamics: statusOf(e),
    // '' is how a column is cleared (Merge cannot remove one): no alert finished.
    alertedAt: e.alertedAt === '' ? undefined : e.alertedAt,
    alertedAs: e.alertedAs,
    failedPasses: e.failedPasses ?? 0,
    routing: readRouting(e.routing),
    escalation: escalationOf(e),
    knownCustomer: readKnownCustomer(e.knownCustomer),
    customer: {
      firstName: e.firstName,
      lastName: e.lastName,
      email: e.email,
      phone: e.phone,
      country: e.country,
      company: e.company,
      title: e.title,
    },
    source: {
      raw: e.leadSource,
      channel: e.channel,
      actionCode: e.actionCode,
      action: e.action,
      offerId: e.offerId,
      offerTitle: e.offerTitle,
    },
    description: e.description,
    isTest: e.isTest,
    doNotContact: e.doNotContact,
  };
}

/** Azure Tables answers a column the row lacks with null (Azurite leaves it out); '' is how one is cleared. */
function isSet(column: string | null | undefined): column is string {
  return column !== undefined && column !== null && column !== '';
}

function orUndefined(column: string | null | undefined): string | undefined {
  return isSet(column) ? column : undefined;
}

/** The columns that make `claimant` a lead's claimer, their owner in Dynamics to be set. */
function claimColumns(claimant: Claimant, at: Date): Partial<LeadEntity> {
  return {
    claimedBy: claimant.name,
    claimedAt: at.toISOString(),
    claimedByAadId: claimant.aadObjectId ?? '',
    claimedByEmail: claimant.email ?? '',
    // Claimed, a round-robin lead passes on no more, and escalates no more.
    offerUntil: '',
    escalateAt: '',
    ownerSync: 'pending',
    ownerSyncCode: '',
    followUpDue: at.toISOString(),
    followUpAttempts: 0,
  };
}

/** One person, as Teams or a lead mail names them: by Entra object id, else e-mail, else name. */
function samePerson(a: Claimant, b: Claimant): boolean {
  if (a.aadObjectId !== undefined && b.aadObjectId !== undefined) return a.aadObjectId.toLowerCase() === b.aadObjectId.toLowerCase();
  if (a.email !== undefined && b.email !== undefined) return a.email.toLowerCase() === b.email.toLowerCase();
  // A name alone is all either has (a test's caller): two people may share one otherwise.
  const anonymous = (c: Claimant): boolean => c.aadObjectId === undefined && c.email === undefined;
  return anonymous(a) && anonymous(b) && a.name !== '' && a.name === b.name;
}

/** A standing's failure code, as its column keeps it ('' for none). */
function codeOf(standing: OwnerStanding | StatusStanding): string {
  return standing.state === 'pending' || standing.state === 'refused' ? (standing.code ?? '') : '';
}

function disqualifyReasonOf(column: number | undefined): DisqualifyReason {
  return DISQUALIFY_REASONS.find((r) => r === column) ?? 4;
}

function statusOf(e: LeadEntity): StatusStanding | undefined {
  switch (e.statusSync) {
    case 'pending':
      return { state: 'pending', code: orUndefined(e.statusSyncCode) };
    case 'done':
      return { state: 'done' };
    case 'refused':
      return { state: 'refused', code: e.statusSyncCode ?? '' };
    default:
      return undefined;
  }
}

/** The knownCustomer column; anything unreadable counts as not looked up. */
function readKnownCustomer(column: string | undefined): KnownCustomer | undefined {
  if (!isSet(column)) return undefined;
  try {
    const known = JSON.parse(column) as KnownCustomer | null;
    return typeof known === 'object' && known !== null ? known : undefined;
  } catch {
    return undefined;
  }
}

function escalationStepOf(column: number | undefined): EscalationStep | undefined {
  return column === 1 || column === 2 ? column : undefined;
}

function escalationOf(e: LeadEntity): Escalation | undefined {
  const step = escalationStepOf(e.escalatedStep);
  if (step === undefined || !isSet(e.escalatedAt)) return undefined;
  const from = isSet(e.escalationFrom) ? Date.parse(e.escalationFrom) : Date.parse(e.receivedAt);
  return { step, at: e.escalatedAt, minutes: Math.max(0, Math.round((Date.parse(e.escalatedAt) - from) / 60_000)) };
}

function ownerOf(e: LeadEntity): OwnerStanding | undefined {
  switch (e.ownerSync) {
    case 'pending':
      return { state: 'pending', code: orUndefined(e.ownerSyncCode) };
    case 'done':
      return { state: 'done', name: e.ownerName ?? '' };
    case 'no-user':
      return { state: 'no-user' };
    case 'refused':
      return { state: 'refused', code: e.ownerSyncCode ?? '' };
    default:
      return undefined;
  }
}

/** When a round-robin lead passes on unless claimed: a column of its own, so the due ones are found by a query. */
function offerUntilOf(routing: Routing): string {
  return (routing.kind === 'route' ? routing.turn?.until : undefined) ?? '';
}

/** The routing column as written by route(); anything unreadable counts as not routed yet, so the lead is routed again. */
function readRouting(column: string | undefined): Routing | undefined {
  if (column === undefined || column === '') return undefined;
  try {
    const routing = JSON.parse(column) as Routing;
    return ['route', 'contacts', 'no-route', 'own-domain'].includes(routing.kind) ? routing : undefined;
  } catch {
    return undefined;
  }
}
