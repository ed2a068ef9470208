import { randomUUID } from 'node:crypto';
import type { Settings } from '../config/settings';
import type { DataverseClient } from '../dynamics/dataverse-client';
import { DynamicsError } from '../dynamics/dynamics-error';
import type { TokenSource } from '../dynamics/sign-in';
import type { Lead } from '../leads/lead';
import { parseHttpsLead } from '../leads/parse-https-lead';
import type { LeadWriter } from '../pipeline/lead-writer';
import type { InstallationStore } from '../conversations/installation-store';
import { resolveRecipients } from '../conversations/resolve-recipients';
import type { StepResult, StepState } from '../cards/validation-card';
import type { Route } from '../routing/route';

export interface ValidationDeps {
  readonly settings: Settings;
  readonly signIn: TokenSource;
  readonly dynamics: DataverseClient;
  readonly writer: LeadWriter;
  readonly installations: InstallationStore;
  /** Every route, in the order they are tried (chat's, then the routes file's). */
  readonly routes: readonly Route[];
  /** Sends the lead card for the test lead to whoever asked; resolves when Teams accepted it. */
  deliverCard(lead: Lead, dynamicsUrl: string | undefined): Promise<void>;
  /** Who asked, written into the test lead's description. */
  readonly requestedBy: string;
  /** Their mail address, when this chat knows it (a personal chat). */
  readonly requestedByAddress: string | undefined;
  /** Sends a short test mail the way lead mail goes; absent when mail is off. Rejects with the reason. */
  readonly sendTestMail: ((to: string) => Promise<void>) | undefined;
  /** The fix for a failed test mail, in plain words. */
  readonly mailFix: (error: unknown) => string;
  /** Whether Graph sees the app installed for this address; absent when installing is off. Rejects with Graph's error. */
  readonly checkInstall: ((address: string) => Promise<'installed' | 'not-installed' | 'no-such-user'>) | undefined;
  /** The fix for a failed install check, in plain words. */
  readonly installFix: (error: unknown) => string;
}

export interface ValidationOutcome {
  readonly steps: readonly StepResult[];
  /** The test lead's record, when it was written. */
  readonly testLeadUrl: string | undefined;
}

/** What a step found; a thrown error is its failure. */
interface Finding {
  readonly state?: 'passed' | 'warning' | 'skipped';
  readonly detail: string;
  readonly fix?: string;
}

interface Step {
  readonly title: string;
  /** The earlier step this one cannot run without. */
  readonly needs?: string;
  run(): Promise<Finding>;
}

const SETTINGS = 'Settings';
const SIGN_IN = 'Sign-in to Dynamics';
const REACHABLE = 'Dynamics reachable';
const TEST_LEAD = 'Test lead written to Dynamics';
const CARD = 'Lead card delivered to you';
const MAIL = 'Test mail sent to you';
const INSTALL = 'App installs for contacts';
const CONTACTS = 'Contact list reachable';
const ROUTES = 'Routes reachable';

/** The titles in order, for the card shown before anything ran. */
export const VALIDATION_STEPS: readonly string[] = [SETTINGS, SIGN_IN, REACHABLE, TEST_LEAD, CARD, MAIL, INSTALL, CONTACTS, ROUTES];

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
  const steps: Step[] = [
    { title: SETTINGS, run: () => Promise.resolve(describeSettings(deps.settings)) },
    {
      title: SIGN_IN,
      async run() {
        await deps.signIn.getToken({ forceRefresh: true });
        return { detail: `Signed in as ${deps.signIn.description} and got a token for ${deps.settings.dynamics.url}.` };
      },
    },
    {
      title: REACHABLE,
      needs: SIGN_IN,
      async run() {
        const me = await deps.dynamics.whoAmI();
        return { detail: `Dynamics answered: organisation ${me.organizationId}, signed-in user ${me.userId}.` };
      },
    },
    {
      title: TEST_LEAD,
      needs: REACHABLE,
      async run() {
        testLead = validationLead(deps.requestedBy);
        const { recordId } = await deps.writer.write(testLead);
        testLeadUrl = deps.writer.recordUrl(recordId);
        return { detail: `Wrote test lead ${recordId} (marked MSFT_TEST, like Partner Center's own test leads). It is safe to delete.` };
      },
    },
    {
      title: CARD,
      async run() {
        await deps.deliverCard(testLead ?? validationLead(deps.requestedBy), testLeadUrl);
        return { detail: 'Teams accepted the lead card for the test lead; it is in this chat. The sales team was not alerted.' };
      },
    },
    { title: MAIL, run: () => checkMail(deps) },
    { title: INSTALL, run: () => checkInstalls(deps) },
    { title: CONTACTS, run: () => checkContacts(deps) },
    { title: ROUTES, run: () => checkRoutes(deps) },
  ];

  const results: StepResult[] = steps.map((s) => ({ title: s.title, state: 'waiting', detail: '', fix: '', ms: undefined }));
  for (const [i, step] of steps.entries()) {
    const prerequisite = results.find((r) => r.title === step.needs);
    if (prerequisite !== undefined && (prerequisite.state === 'failed' || prerequisite.state === 'skipped')) {
      results[i] = { title: step.title, state: 'skipped', detail: `Not checked: needs "${prerequisite.title}" to pass first.`, fix: '', ms: undefined };
    } else {
      const started = performance.now();
      const finding = await step.run().then(
        (f): Finding & { state: StepState } => ({ ...f, state: f.state ?? 'passed' }),
        (error: unknown) =>
          step.title === MAIL
            ? { state: 'failed' as const, detail: describeError(error), fix: deps.mailFix(error) }
            : step.title === INSTALL
              ? { state: 'failed' as const, detail: describeError(error), fix: deps.installFix(error) }
              : explainFailure(error),
      );
      results[i] = { title: step.title, state: finding.state, detail: finding.detail, fix: finding.fix ?? '', ms: Math.round(performance.now() - started) };
    }
    // One update per finished step, showing the next as running: half the messages of
    // reporting starts and ends, which matters at Teams' 7 per second to one chat.
    await onProgress(results.map((r, j) => (j === i + 1 ? { ...r, state: 'running' } : r)), testLeadUrl);
  }
  return { steps: results, testLeadUrl };
}

function describeSettings(settings: Settings): Finding {
  const d = settings.dynamics;
  const option = d.auth === 'aad' ? 'the Azure AD app option' : 'the Office 365 user option';
  const teams = settings.bot === undefined ? 'no BOT_ID, so only local clients (the Agents Playground) reach the bot' : `bot ${settings.bot.id} (${settings.bot.type})`;
  const mail = settings.outlook === undefined ? 'off' : `from ${settings.outlook.sender} (${settings.outlook.delivery === 'always' ? 'every contact' : 'contacts Teams cannot reach'})`;
  const installing = settings.teamsInstall === undefined ? 'off' : `on (catalog app ${settings.teamsInstall.catalogAppId})`;
  return {
    detail: `All settings read and well-formed. Dynamics ${d.url} with ${option}; ${settings.leadContacts.length} contact(s); ${settings.admins.length} admin(s); Teams: ${teams}; mail: ${mail}; installing the app for contacts: ${installing}.`,
  };
}

/** A real mail, sent as lead mail is (sender, app, Graph), to the admin who asked. */
async function checkMail(deps: ValidationDeps): Promise<Finding> {
  const outlook = deps.settings.outlook;
  if (outlook === undefined || deps.sendTestMail === undefined) {
    return { state: 'skipped', detail: 'Mail is off (OUTLOOK_SENDER is empty, or OUTLOOK_DELIVERY=off): contacts Teams cannot reach get no alert.' };
  }
  if (deps.requestedByAddress === undefined) {
    return { state: 'warning', detail: 'This chat does not say what your mail address is.', fix: 'Run validate in your personal chat with the bot to get a test mail.' };
  }
  await deps.sendTestMail(deps.requestedByAddress);
  return { detail: `Microsoft Graph accepted a test mail from ${outlook.sender} to ${deps.requestedByAddress}; it arrives within a minute or two.` };
}

/** Installing for contacts needs what seeing the app installed for the admin needs: sign-in, User.Read.All, the install permission, the right catalog id. */
async function checkInstalls(deps: ValidationDeps): Promise<Finding> {
  const install = deps.settings.teamsInstall;
  if (install === undefined || deps.checkInstall === undefined) {
    return { state: 'skipped', detail: 'Installing is off (TEAMS_APP_CATALOG_ID is empty): contacts with no chat with the bot get mail, or nothing.' };
  }
  if (deps.requestedByAddress === undefined) {
    return { state: 'warning', detail: 'This chat does not say who you are in your organisation.', fix: 'Run validate in your personal chat with the bot.' };
  }
  const found = await deps.checkInstall(deps.requestedByAddress);
  if (found === 'installed') return { detail: `Microsoft Graph sees app ${install.catalogAppId} installed for you: the bot can install it for contacts who have no chat with it.` };
  if (found === 'no-such-user') return { state: 'warning', detail: `Microsoft Graph found no user ${deps.requestedByAddress} in your organisation.`, fix: 'Run validate as a member of your organisation.' };
  return {
    state: 'warning',
    detail: `Microsoft Graph does not see app ${install.catalogAppId} installed for you, though you are chatting with the bot.`,
    fix: "TEAMS_APP_CATALOG_ID must be the app's id in your organisation's catalog: Teams admin center → Teams apps → Manage apps → the app → App ID (not the manifest id).",
  };
}

async function checkContacts(deps: ValidationDeps): Promise<Finding> {
  const contacts = deps.settings.leadContacts;
  if (contacts.length === 0 && deps.routes.length > 0) return { detail: 'LEAD_CONTACTS is empty: a lead no route takes goes to the admins, marked "no route for this lead".' };
  if (contacts.length === 0) {
    return { state: 'warning', detail: 'LEAD_CONTACTS is empty: no lead card goes to anyone\'s personal chat.', fix: 'Set LEAD_CONTACTS to the sales team\'s e-mail addresses, as in Partner Center\'s contact list.' };
  }
  const { unreachable } = resolveRecipients(await deps.installations.list(), { contacts, chats: [] }, deps.settings.teamsTenantId);
  const mail = deps.settings.outlook;
  const notInstalled = unreachable.filter((u) => u.reason === 'not-installed').map((u) => u.contact);
  const optedOut = unreachable.filter((u) => u.reason === 'unsubscribed').map((u) => u.contact);
  const inTeams = `${contacts.length - unreachable.length} of ${contacts.length} contact(s) get lead cards in Teams.`;
  const byMail = mail === undefined ? '' : mail.delivery === 'always' ? `Every contact also gets each lead by mail from ${mail.sender}.` : notInstalled.length > 0 ? `By mail instead (no chat with the bot): ${notInstalled.join(', ')}.` : '';
  if (unreachable.length === 0 || (mail !== undefined && optedOut.length === 0)) {
    return { detail: [unreachable.length === 0 ? `All ${contacts.length} contact(s) have the app in Teams and get lead cards.` : inTeams, byMail].filter((p) => p !== '').join(' ') };
  }
  return {
    state: 'warning',
    detail: [
      inTeams,
      mail === undefined && notInstalled.length > 0 ? `Not installed: ${notInstalled.join(', ')}.` : byMail,
      optedOut.length > 0 ? `Turned cards off (unsubscribe): ${optedOut.join(', ')}.` : '',
    ].filter((p) => p !== '').join(' '),
    fix:
      mail === undefined && notInstalled.length > 0
        ? 'Install the app for them (Teams admin center → Teams apps → Setup policies → Installed apps), or let mail reach them: set OUTLOOK_SENDER (docs/reaching-contacts.md).'
        : '',
  };
}

/** Every route's contacts and chats, each reachable in Teams or by mail; names the route of each one that is not. */
async function checkRoutes(deps: ValidationDeps): Promise<Finding> {
  if (deps.routes.length === 0) return { detail: 'No routes (LEAD_ROUTES_FILE, route add): every lead goes to LEAD_CONTACTS.' };
  const installations = await deps.installations.list();
  const mail = deps.settings.outlook;
  const gaps = deps.routes.flatMap((route) => {
    const { unreachable, missingChats } = resolveRecipients(installations, route, deps.settings.teamsTenantId);
    // With mail on, a person with no chat (or a guest) is reached by mail; one who turned cards off is not.
    const people = unreachable.filter((u) => mail === undefined || u.reason === 'unsubscribed').map((u) => `${u.contact} (${REASONS[u.reason]})`);
    const chats = missingChats.map((c) => `chat ${c} (the app is not there, or it turned cards off)`);
    return people.length + chats.length === 0 ? [] : [`route ${route.name}: ${[...people, ...chats].join(', ')}`];
  });
  const all = `${String(deps.routes.length)} route(s)`;
  if (gaps.length === 0) return { detail: `${all}: every contact and chat they name is reached, in Teams${mail === undefined ? '' : ' or by mail'}.` };
  return {
    state: 'warning',
    detail: `Not reached: ${gaps.join('; ')}.`,
    fix: 'Install the app for those people and in those chats (Teams admin center → Teams apps → Setup policies, or add it to the channel), or let mail reach people with no chat: set OUTLOOK_SENDER (docs/reaching-contacts.md). Someone who turned cards off types subscribe.',
  };
}

const REASONS = { 'not-installed': 'no chat with the bot, and mail is off', unsubscribed: 'turned cards off', 'not-a-member': 'a guest, and mail is off' } as const;

function explainFailure(error: unknown): { state: 'failed'; detail: string; fix: string } {
  if (error instanceof DynamicsError) return { state: 'failed', detail: `${error.message} (${error.code})`, fix: error.fix };
  return { state: 'failed', detail: describeError(error), fix: 'Try again; if it keeps failing, the bot\'s log has the details.' };
}

function describeError(error: unknown): string {
  const e = error as { statusCode?: unknown; status?: unknown; code?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : undefined;
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  return `Failed${status === undefined ? '' : ` with HTTP ${String(status)}`}: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}${code}`;
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
