import type { Azurite } from '../emulators/azurite';
import { TENANT_ID } from '../emulators/directory';
import { seedSellers } from '../test/support/seed-installations';
import { postLead, startRig as startBenchRig, type Rig } from './bench-rig';

/** The admin of the bench rig, by Azure AD object id (the connector emulator has no member API). */
const ADMIN_OBJECT_ID = '6f1c1b7a-0000-4000-8000-00000000ad01';

/** The bot with `sellers` on its contact list, each with the app installed. */
function startRig(azurite: Azurite, sellers: number, messagesPerSecond: number): Promise<Rig> {
  const contacts = Array.from({ length: sellers }, (_, i) => `seller${i}@contoso.example`);
  return startBenchRig(azurite, {
    env: { LEAD_CONTACTS: contacts.join(';'), TEAMS_MESSAGES_PER_SECOND: String(messagesPerSecond), ADMINS: ADMIN_OBJECT_ID },
    prepare: (app, connector) => seedSellers(app.installations, connector.serviceUrl, sellers),
  });
}

async function until(done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Lead to card, one lead at a time (0.6 s apart, within Teams' limits for one chat): from the POST to /api/leads until the Bot Connector
 * emulator accepted the card (stored, queued, written to Dynamics, sent to one contact).
 */
export async function measureLeadToCard(azurite: Azurite, leads: number, options: { dynamicsDown?: boolean } = {}): Promise<{ first: number; p50: number; p99: number; max: number }> {
  const rig = await startRig(azurite, 1, 30);
  // Dynamics answering 503 to every write: the card must not wait for it.
  if (options.dynamicsDown === true) rig.dataverse.faults.failNext(1_000_000, 503);
  try {
    const latencies: number[] = [];
    // The first lead after start also signs in to Dynamics: reported on its own.
    for (let i = 0; i <= leads; i++) {
      const before = rig.connector.delivered.length;
      const started = performance.now();
      await postLead(rig, i);
      await until(() => rig.connector.delivered.length > before);
      latencies.push(performance.now() - started);
      // Leads come minutes apart; back to back they would meet Teams' limits for one chat (8 in 2 s, 60 in 30 s).
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    const first = latencies.shift() ?? NaN;
    latencies.sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN;
    return { first, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? NaN };
  } finally {
    await rig.stop();
  }
}

/** One lead to `recipients` personal chats with Teams' limits enforced: seconds until the last card. */
export async function measureFanOut(azurite: Azurite, recipients: number, messagesPerSecond: number): Promise<{ seconds: number; throttled: number; peak: number }> {
  const rig = await startRig(azurite, recipients, messagesPerSecond);
  try {
    const started = performance.now();
    await postLead(rig, 0);
    await until(() => new Set(rig.connector.delivered.map((d) => d.conversationId)).size >= recipients);
    return { seconds: (performance.now() - started) / 1000, throttled: rig.connector.throttled, peak: rig.connector.peakPerSecond() };
  } finally {
    await rig.stop();
  }
}

/**
 * `validate` end to end, as an admin types it: from the message reaching /api/messages until the
 * report card's last update says every check passed (sign-in, WhoAmI, a test lead written, its
 * card sent, the contact list).
 */
export async function measureValidate(azurite: Azurite, runs: number): Promise<{ p50: number; max: number }> {
  const rig = await startRig(azurite, 1, 30);
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const seen = rig.connector.delivered.length;
      const started = performance.now();
      const response = await fetch(`${rig.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: `validate-${i}`,
          text: 'validate',
          channelId: 'msteams',
          serviceUrl: rig.connector.serviceUrl,
          from: { id: '29:user-0', name: 'Seller 0', aadObjectId: ADMIN_OBJECT_ID },
          recipient: { id: '28:bot', name: 'Lead Bot' },
          conversation: { id: 'a:conversation-0', conversationType: 'personal', tenantId: TENANT_ID },
          channelData: { tenant: { id: TENANT_ID } },
        }),
      });
      if (response.status !== 200) throw new Error(`validate answered ${response.status}`);
      await until(() => rig.connector.delivered.slice(seen).some((d) => d.method === 'PUT' && JSON.stringify(d.activity).includes('All checks passed')));
      times.push(performance.now() - started);
      // Three messages each: two seconds apart stays inside Teams' limits for one chat.
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    times.sort((a, b) => a - b);
    return { p50: times[Math.floor(times.length / 2)] ?? NaN, max: times.at(-1) ?? NaN };
  } finally {
    await rig.stop();
  }
}
