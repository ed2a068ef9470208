import { randomUUID } from 'node:crypto';
import type { Settings } from '../config/settings';
import type { DataverseClient } from '../dynamics/dataverse-client';
import { DynamicsError, explainDynamicsError } from '../dynamics/dynamics-error';
import type { Language } from '../language/language';
import { message, messagesIn, type Messages } from '../language/messages';
import { describeSignIn, type TokenSource } from '../dynamics/sign-in';
import type { Lead } from '../leads/lead';
import { parseHttpsLead } from '../leads/parse-https-lead';
import type { LeadWriter } from '../pipeline/lead-writer';
import type { InstallationStore } from '../conversations/installation-store';
import { resolveRecipients } from '../conversations/resolve-recipients';
import type { StepResult, StepState } from '../cards/validation-card';
import type { Route } from '../routing/route';

export interface ValidationDeps {
  readonly settings: Settings;
  /** The admin who asked reads the report in this language. */
  readonly language: Language;
  readonly signIn: TokenSource;
  readonly dynamics: DataverseClient;
  readonly writer: LeadWriter;
  readonly installations: InstallationStore;
  /** Every route, in the order they are tried (chat's, then the routes file's). */
  readonly routes: readonly Route[];
  /** Sends the lead card for the test lead to whoever asked; resolves when Teams accepted it. */
  deliverCard(lead: Lead, dynamicsUrl: string | undefined): Promise<void>;
  /** The scheduled self-check: nobody asked, so no card, mail or install is checked for them. */
  readonly scheduled?: boolean;
  /** Who asked, written into the test lead's description. */
  readonly requestedBy: string;
  /** Their mail address, when this chat knows it (a personal chat). */
  readonly requestedByAddress: string | undefined;
  /** Sends a short test mail the way lead mail goes; absent when mail is off. Rejects with the reason. */
  readonly sendTestMail: ((to: string) => Promise<void>) | undefined;
  /** The fix for a failed test mail, in plain words (in `language`). */
  readonly mailFix: (error: unknown) => string;
  /** Whether Graph sees the app installed for this address; absent when installing is off. Rejects with Graph's error. */
  readonly checkInstall: ((address: string) => Promise<'installed' | 'not-installed' | 'no-such-user'>) | undefined;
  /** The fix for a failed install check, in plain words (in `language`). */
  readonly installFix: (error: unknown) => string;
}

export interface ValidationOutcome {
  readonly steps: readonly StepResult[];
  /** The test lead's record, when it was written. */
  readonly testLeadUrl: string | undefined;
  readonly testLeadId: string | undefined;
}

/** What a step found; a thrown error is its failure. */
interface Finding {
  readonly state?: 'passed' | 'warning' | 'skipped';
  readonly detail: string;
  readonly fix?: string;
}

/** The steps, in order; each one's title is the catalogue's validation.step.<name>. */
export const STEPS = ['settings', 'signIn', 'reachable', 'testLead', 'card', 'mail', 'install', 'contacts', 'routes', 'owners'] as const;
type StepName = (typeof STEPS)[number];
/** What only someone who asked can be sent: the scheduled self-check skips them. */
const FOR_WHOEVER_ASKED: readonly StepName[] = ['card', 'mail', 'install'];

interface Step {
  readonly name: StepName;
  /** The earlier step this one cannot run without. */
  readonly needs?: StepName;
  run(): Promise<Finding>;
}

/** The titles in order, in the reader's words, for the card shown before anything ran. */
export function validationSteps(language: Language): string[] {
  return STEPS.map((name) => message(language, `validation.step.${name}`));
}

/**
 * Checks the whole path a lead takes, step by step, as an admin asked: settings, sign-in,
 * Dynamics, a test lead written, its card delivered, the contact list. Each step reports what it
 * found, how long it took and, when it fails, the fix. A step whose prerequisite failed is
 * skipped rather than failing with a confusing second error. Never alerts the sales team: the
 * test lead is marked as Partner Center marks its own (MSFT_TEST) and its card goes only to
 * the person who asked.
 */
export async function runValidation(
  deps: ValidationDeps,
  onProgress: (steps: readonly StepResult[], testLeadUrl: string | undefined) => Promise<void>,
): Promise<ValidationOutcome> {
  let testLeadUrl: string | undefined;
  let testLead: Lead | undefined;
  let testLeadId: string | undefined;
  const say = messagesIn(deps.language);
  const steps: Step[] = [
    { name: 'settings', run: () => Promise.resolve(describeSettings(deps.settings, say)) },
    {
      name: 'signIn',
      async run() {
        await deps.signIn.getToken({ forceRefresh: true });
        return { detail: say('validation.signedIn', { who: describeSignIn(deps.settings.dynamics, deps.language), url: deps.settings.dynamics.url }) };
      },
    },
    {
      name: 'reachable',
      needs: 'signIn',
      async run() {
        const me = await deps.dynamics.whoAmI();
        return { detail: say('validation.reached', { organisation: me.organizationId, user: me.userId }) };
      },
    },
    {
      name: 'testLead',
      needs: 'reachable',
      async run() {
        testLead = validationLead(deps.requestedBy);
        const { recordId } = await deps.writer.write(testLead);
        testLeadId = recordId;
        testLeadUrl = deps.writer.recordUrl(recordId);
        return { detail: say('validation.testLead', { id: recordId }) };
      },
    },
    {
      name: 'card',
      async run() {
        await deps.deliverCard(testLead ?? validationLead(deps.requestedBy), testLeadUrl);
        return { detail: say('validation.card') };
      },
    },
    { name: 'mail', run: () => checkMail(deps, say) },
    { name: 'install', run: () => checkInstalls(deps, say) },
    { name: 'contacts', run: () => checkContacts(deps, say) },
    { name: 'routes', run: () => checkRoutes(deps, say) },
    { name: 'owners', needs: 'testLead', run: () => checkOwners(deps, testLeadId ?? '', say) },
  ];

  const titleOf = (step: Step): string => say(`validation.step.${step.name}`);
  const results: StepResult[] = steps.map((step) => ({ title: titleOf(step), state: 'waiting', detail: '', fix: '', ms: undefined }));
  for (const [i, step] of steps.entries()) {
    const title = titleOf(step);
    const prerequisite = step.needs === undefined ? undefined : results[STEPS.indexOf(step.needs)];
    if (deps.scheduled === true && FOR_WHOEVER_ASKED.includes(step.name)) {
      results[i] = { title, state: 'skipped', detail: say('validation.scheduled'), fix: '', ms: undefined };
    } else if (prerequisite !== undefined && (prerequisite.state === 'failed' || prerequisite.state === 'skipped')) {
      results[i] = { title, state: 'skipped', detail: say('validation.notChecked', { step: prerequisite.title }), fix: '', ms: undefined };
    } else {
      const started = performance.now();
      const finding = await step.run().then(
        (f): Finding & { state: StepState } => ({ ...f, state: f.state ?? 'passed' }),
        (error: unknown) =>
          step.name === 'mail'
            ? { state: 'failed' as const, detail: describeError(error, say), fix: deps.mailFix(error) }
            : step.name === 'install'
              ? { state: 'failed' as const, detail: describeError(error, say), fix: deps.installFix(error) }
              : explainFailure(error, deps.language),
      );
      results[i] = { title, state: finding.state, detail: finding.detail, fix: finding.fix ?? '', ms: Math.round(performance.now() - started) };
    }
    // One update per finished step, showing the next as running: half the messages of
    // reporting starts and ends, which matters at Teams' 7 per second to one chat.
    await onProgress(results.map((r, j) => (j === i + 1 ? { ...r, state: 'running' } : r)), testLeadUrl);
  }
  return { steps: results, testLeadUrl, testLeadId };
}

function describeSettings(settings: Settings, say: Messages): Finding {
  const d = settings.dynamics;
  const teams = settings.bot === undefined ? say('validation.settings.noBot') : say('validation.settings.bot', { id: settings.bot.id, type: settings.bot.type });
  const mail = settings.outlook === undefined ? say('validation.settings.off') : say('validation.settings.mail', { sender: settings.outlook.sender, always: settings.outlook.delivery === 'always' ? 'yes' : 'no' });
  const installing = settings.teamsInstall === undefined ? say('validation.settings.off') : say('validation.settings.installing', { id: settings.teamsInstall.catalogAppId });
  return {
    detail: say('validation.settings', { url: d.url, option: d.auth, contacts: settings.leadContacts.length, admins: settings.admins.length, teams, mail, installing }),
  };
}

/**
 * What Claim needs of the bot's security role: reading users (to find the seller's) and assigning
 * leads. The test lead is assigned to the bot's own user, its owner already: it proves both and
 * changes nothing. Leads flow without it, so a refusal is a warning.
 */
async function checkOwners(deps: ValidationDeps, testLeadId: string, say: Messages): Promise<Finding> {
  try {
    const me = await deps.dynamics.whoAmI();
    // Any query of users needs Read on User; the answer does not matter.
    await deps.dynamics.findUser({ aadObjectId: me.userId });
    await deps.dynamics.assignLead(testLeadId, me.userId);
    return { detail: say('validation.owners') };
  } catch (error) {
    if (!(error instanceof DynamicsError) || error.kind !== 'configuration') throw error;
    const said = explainDynamicsError(error, deps.language);
    return { state: 'warning', detail: said.message, fix: said.fix };
  }
}

/** A real mail, sent as lead mail is (sender, app, Graph), to the admin who asked. */
async function checkMail(deps: ValidationDeps, say: Messages): Promise<Finding> {
  const outlook = deps.settings.outlook;
  if (outlook === undefined || deps.sendTestMail === undefined) return { state: 'skipped', detail: say('validation.mailOff') };
  if (deps.requestedByAddress === undefined) return { state: 'warning', detail: say('validation.mailNoAddress'), fix: say('validation.mailNoAddressFix') };
  await deps.sendTestMail(deps.requestedByAddress);
  return { detail: say('validation.mailSent', { sender: outlook.sender, to: deps.requestedByAddress }) };
}

/** Installing for contacts needs what seeing the app installed for the admin needs: sign-in, User.Read.All, the install permission, the right catalog id. */
async function checkInstalls(deps: ValidationDeps, say: Messages): Promise<Finding> {
  const install = deps.settings.teamsInstall;
  if (install === undefined || deps.checkInstall === undefined) return { state: 'skipped', detail: say('validation.installOff') };
  if (deps.requestedByAddress === undefined) return { state: 'warning', detail: say('validation.installNoAddress'), fix: say('validation.installNoAddressFix') };
  const found = await deps.checkInstall(deps.requestedByAddress);
  if (found === 'installed') return { detail: say('validation.installed', { id: install.catalogAppId }) };
  if (found === 'no-such-user') return { state: 'warning', detail: say('validation.noSuchUser', { address: deps.requestedByAddress }), fix: say('validation.noSuchUserFix') };
  return { state: 'warning', detail: say('validation.notInstalled', { id: install.catalogAppId }), fix: say('validation.notInstalledFix') };
}

async function checkContacts(deps: ValidationDeps, say: Messages): Promise<Finding> {
  const contacts = deps.settings.leadContacts;
  if (contacts.length === 0 && deps.routes.length > 0) return { detail: say('validation.contactsEmptyRouted') };
  if (contacts.length === 0) return { state: 'warning', detail: say('validation.contactsEmpty'), fix: say('validation.contactsEmptyFix') };
  const { unreachable } = resolveRecipients(await deps.installations.list(), { contacts, chats: [] }, deps.settings.teamsTenantId);
  const mail = deps.settings.outlook;
  const notInstalled = unreachable.filter((u) => u.reason === 'not-installed').map((u) => u.contact);
  const optedOut = unreachable.filter((u) => u.reason === 'unsubscribed').map((u) => u.contact);
  const inTeams = say('validation.contactsInTeams', { reached: contacts.length - unreachable.length, total: contacts.length });
  const byMail =
    mail === undefined
      ? ''
      : mail.delivery === 'always'
        ? say('validation.contactsMailAlways', { sender: mail.sender })
        : notInstalled.length > 0
          ? say('validation.contactsByMail', { contacts: notInstalled.join(', ') })
          : '';
  if (unreachable.length === 0 || (mail !== undefined && optedOut.length === 0)) {
    return { detail: [unreachable.length === 0 ? say('validation.contactsAll', { total: contacts.length }) : inTeams, byMail].filter((p) => p !== '').join(' ') };
  }
  return {
    state: 'warning',
    detail: [
      inTeams,
      mail === undefined && notInstalled.length > 0 ? say('validation.contactsNotInstalled', { contacts: notInstalled.join(', ') }) : byMail,
      optedOut.length > 0 ? say('validation.contactsOptedOut', { contacts: optedOut.join(', ') }) : '',
    ]
      .filter((p) => p !== '')
      .join(' '),
    fix: mail === undefined && notInstalled.length > 0 ? say('validation.contactsFix') : '',
  };
}

/** Why a person a route names is not reached, in the reader's words. */
const REASONS = { 'not-installed': 'validation.reason.notInstalled', unsubscribed: 'validation.reason.unsubscribed', 'not-a-member': 'validation.reason.notAMember' } as const;

/** Every route's contacts and chats, each reachable in Teams or by mail; names the route of each one that is not. */
async function checkRoutes(deps: ValidationDeps, say: Messages): Promise<Finding> {
  if (deps.routes.length === 0) return { detail: say('validation.noRoutes') };
  const installations = await deps.installations.list();
  const mail = deps.settings.outlook;
  const gaps = deps.routes.flatMap((route) => {
    const { unreachable, missingChats } = resolveRecipients(installations, route, deps.settings.teamsTenantId);
    // With mail on, a person with no chat (or a guest) is reached by mail; one who turned cards off is not.
    const people = unreachable.filter((u) => mail === undefined || u.reason === 'unsubscribed').map((u) => `${u.contact} (${say(REASONS[u.reason])})`);
    const chats = missingChats.map((chat) => say('validation.routeChat', { chat }));
    return people.length + chats.length === 0 ? [] : [say('validation.routeGap', { route: route.name, who: [...people, ...chats].join(', ') })];
  });
  if (gaps.length === 0) return { detail: say('validation.routesReached', { count: deps.routes.length, mail: mail === undefined ? 'no' : 'yes' }) };
  return { state: 'warning', detail: say('validation.routesGaps', { gaps: gaps.join('; ') }), fix: say('validation.routesFix') };
}

function explainFailure(error: unknown, language: Language): { state: 'failed'; detail: string; fix: string } {
  if (error instanceof DynamicsError) {
    const { message: said, fix } = explainDynamicsError(error, language);
    return { state: 'failed', detail: `${said} (${error.code})`, fix };
  }
  return { state: 'failed', detail: describeError(error, messagesIn(language)), fix: message(language, 'validation.tryAgain') };
}

function describeError(error: unknown, say: Messages): string {
  const e = error as { statusCode?: unknown; status?: unknown; code?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : undefined;
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  return say('validation.errorFailed', { status: status === undefined ? 'none' : String(status), message: error instanceof Error ? error.message.slice(0, 200) : 'unknown error', code });
}

/** A test lead marked the way Partner Center marks its own, so nobody mistakes it for a customer. */
function validationLead(requestedBy: string): Lead {
  const marker = `MSFT_TEST_${Date.now()}`;
  const details = parseHttpsLead({
    UserDetails: { FirstName: marker, LastName: 'Lead bot validation', Email: `${marker}@test.com`, Company: marker, Title: marker },
    LeadSource: 'AzureMarketplace',
    ActionCode: 'INS',
    OfferTitle: 'Lead bot validation',
    Description: `Written by the lead bot's validate command, run by ${requestedBy}. Safe to delete.`,
  });
  return { ...details, id: randomUUID(), origin: 'https', receivedAt: new Date().toISOString() };
}
