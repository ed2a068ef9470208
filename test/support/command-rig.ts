import { startPlayground, type Playground, type StreamedMessage } from '../../emulators/agents-playground';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { FAST_RETRY, FAST_WORKER } from './pipeline';
import { dynamicsEnv, startDataverse } from './shared-services';
import { startTestApp, type TestApp } from './test-app';

export const CARD = 'application/vnd.microsoft.card.adaptive';
export const cardOf = (message: StreamedMessage): string => JSON.stringify(message.attachments.find((a) => a.contentType === CARD)?.content ?? null);

export interface Rig {
  readonly t: TestApp;
  readonly playground: Playground;
  readonly chats: { personal: string; group: string; channel: string };
}

/**
 * One app and one Playground for the describe block that calls it, the app installed in a
 * personal chat, a group chat and a channel. The Playground user is Alex Wilber (alexw@example.com).
 */
export function useRig(env: Record<string, string>): Rig {
  const rig = {} as { -readonly [K in keyof Rig]: Rig[K] };
  let dv: DataverseEmulator;
  beforeAll(async () => {
    dv = await startDataverse();
    rig.t = await startTestApp({ ...dynamicsEnv(dv.url), LEAD_CONTACTS: 'meganb@example.com', ...env }, { backgroundWork: true, workerOptions: FAST_WORKER, dynamicsRetry: FAST_RETRY });
    rig.playground = await startPlayground(`${rig.t.url}/api/messages`);
    rig.chats = {
      personal: rig.playground.config.personalChat.id,
      group: rig.playground.config.groupChats[0]?.id ?? '',
      channel: rig.playground.config.teams[0]?.channels[0]?.id ?? '',
    };
    for (const chat of Object.values(rig.chats)) await rig.playground.install(chat);
  });
  afterAll(async () => {
    await rig.playground.stop();
    await rig.t.stop();
    await dv.stop();
  });
  return rig;
}

