import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort } from './free-port';
import { TENANT_ID } from './directory';
import { stopChild } from './stop-child';

/** A message the bot sent (or updated) as the Playground shows it. */
export interface StreamedMessage {
  readonly action: 'createMessage' | 'updateMessage';
  readonly conversationId: string;
  readonly messageId: string;
  readonly text: string | undefined;
  readonly attachments: { contentType: string; content: unknown }[];
}

export interface PlaygroundConfig {
  readonly tenantId: string;
  readonly bot: { id: string; name: string };
  readonly currentUser: { id: string; name: string; email: string; aadObjectId: string };
  readonly personalChat: { id: string };
  readonly groupChats: { id: string }[];
  readonly teams: { id: string; channels: { id: string; name: string }[] }[];
}

export interface Playground {
  readonly origin: string;
  readonly config: PlaygroundConfig;
  /** Every bot message seen on the stream so far. */
  readonly messages: StreamedMessage[];
  /** Installs the app in a conversation, as the page does when a chat is first opened; resolves once the bot said hello. */
  install(conversationId: string): Promise<void>;
  /** Sends an activity of a given kind (uninstall, userAdded…) from the Playground's templates. */
  sendCustom(conversationId: string, type: string): Promise<void>;
  /** Types a message as the current user; in a group chat or channel it @mentions the bot, as Teams requires. */
  say(conversationId: string, text: string): Promise<void>;
  /** Says something and resolves with the bot's next new message in that conversation. */
  ask(conversationId: string, text: string): Promise<StreamedMessage>;
  /** Presses an Action.Execute button on a card the bot sent; resolves with the bot's answer. */
  execute(conversationId: string, cardMessageId: string, verb: string, data: unknown): Promise<{ type: string; value: unknown }>;
  stop(): Promise<void>;
}

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');

/** The Playground process alone, on loopback: what `npm run local` opens in a browser. */
export async function startPlaygroundProcess(
  botMessagesUrl: string,
  port?: number,
  personalChatId = 'personal-chat',
): Promise<{ origin: string; port: number; stop(): Promise<void> }> {
  const workDir = mkdtempSync(join(tmpdir(), 'playground-'));
  writeFileSync(join(workDir, '.m365agentsplayground.yml'), playgroundUsers(personalChatId));
  const chosen = port ?? (await freePort());
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', join(__dirname, 'loopback-only.cjs'), CLI, 'start', '-e', botMessagesUrl, '-c', 'msteams', '-p', String(chosen),
      // 127.0.0.1 rather than its default "localhost", which may resolve to ::1 where nothing listens.
      '--service-url', `http://127.0.0.1:${chosen}/_connector`, '--conversation-id', personalChatId, '--disable-telemetry'],
    {
      cwd: workDir,
      env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_LOGFILE: join(workDir, 'playground.log') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const actualPort = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      reject(new Error(`Playground did not start: ${output}`));
    }, 30_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Listening on (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      reject(new Error(`Playground exited with ${String(code)}: ${output}`));
    });
  });
  return {
    origin: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    async stop() {
      await stopChild(child);
    },
  };
}

/**
 * The Microsoft 365 Agents Playground (the local Teams client) on loopback, pointed at a bot,
 * driven through its HTTP and WebSocket API (see agents-playground.md beside this file).
 */
export async function startPlayground(botMessagesUrl: string, personalChatId = 'personal-chat'): Promise<Playground> {
  const playground = await startPlaygroundProcess(botMessagesUrl, undefined, personalChatId);
  const actualPort = playground.port;
  const origin = `http://127.0.0.1:${actualPort}`;
  const config = ((await (await fetch(`${origin}/_internal/v1/testConfig`)).json()) as { config: PlaygroundConfig }).config;

  // Connected before anything is sent: the Playground gives earlier messages to the first client only.
  const messages: StreamedMessage[] = [];
  const socket = new WebSocket(`ws://127.0.0.1:${actualPort}/_ws_conversation/v1/conversations/stream`);
  socket.on('message', (data: Buffer) => {
    const event = JSON.parse(data.toString()) as { action: string; actionConversationId: string; message: { messageId: string; text?: string; attachments?: StreamedMessage['attachments'] } };
    if (event.action !== 'createMessage' && event.action !== 'updateMessage') return;
    messages.push({ action: event.action, conversationId: event.actionConversationId, messageId: event.message.messageId, text: event.message.text, attachments: event.message.attachments ?? [] });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => {
      resolve();
    });
    socket.once('error', reject);
  });

  const post = async (path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`Playground ${path} answered ${response.status}: ${await response.text()}`);
  };

  /** The bot's first new message in a conversation after the `seen`th message of the stream. */
  const nextMessage = async (conversationId: string, seen: number, what: string): Promise<StreamedMessage> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      // In a channel the answer goes to the message's thread: "<channel id>;messageid=…".
      const reply = messages.slice(seen).find((m) => m.conversationId.split(';')[0] === conversationId && m.action === 'createMessage');
      if (reply !== undefined) return reply;
      if (Date.now() > deadline) throw new Error(`The bot sent no ${what} in ${conversationId}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const say = (conversationId: string, text: string): Promise<void> => {
    const mention = `<at>${config.bot.name}</at>`;
    const personal = conversationId === config.personalChat.id;
    return post(`/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
      from: { id: config.currentUser.id },
      text: personal ? text : `${mention} ${text}`,
      textFormat: 'plain',
      ...(personal ? {} : { mentions: [{ mentioned: { id: config.bot.id }, text: mention }] }),
    });
  };

  return {
    origin,
    config,
    messages,
    async install(conversationId) {
      const seen = messages.length;
      await post(`/_debug/conversation/${encodeURIComponent(conversationId)}/installation`, {});
      await nextMessage(conversationId, seen, 'the welcome after installing');
    },
    async sendCustom(conversationId, type) {
      const template = await (await fetch(`${origin}/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(conversationId)}&type=${type}`)).json();
      await post('/_internal/v1/customActivities', template);
    },
    async execute(conversationId, cardMessageId, verb, data) {
      const response = await fetch(`${origin}/_conversation/v1/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
          from: { id: config.currentUser.id },
          conversation: { id: conversationId },
          replyToId: cardMessageId,
        }),
      });
      if (!response.ok) throw new Error(`Playground invoke answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as { type: string; value: unknown };
    },
    say,
    async ask(conversationId, text) {
      const seen = messages.length;
      await say(conversationId, text);
      return nextMessage(conversationId, seen, `an answer to "${text}"`);
    },
    async stop() {
      socket.close();
      await playground.stop();
    },
  };
}

/** The Playground's people (it wants at least five besides the current user). */
const PEOPLE = [
  ['Alex', 'Wilber', 'alexw'],
  ['Megan', 'Bowen', 'meganb'],
  ['Adele', 'Vance', 'adelev'],
  ['Isaiah', 'Langer', 'isaiahl'],
  ['Patti', 'Fernandez', 'pattif'],
  ['Lynne', 'Robbins', 'lynner'],
] as const;

/**
 * The Playground's people and chats, in the local tenant (the one the identity provider and the
 * Dataverse emulator use): a local run is one organisation, so admin commands work there. The
 * Playground's own defaults use a tenant id that is not a GUID.
 */
function playgroundUsers(personalChatId: string): string {
  const people = PEOPLE.map(([first, last, alias], n) =>
    [`id: user-id-${n}`, `name: ${first} ${last}`, `userPrincipleName: ${alias}@example.com`, `aadObjectId: 00000000-0000-4000-8000-0000000000${20 + n}`,
      `givenName: ${first}`, `surname: ${last}`, `email: ${alias}@example.com`],
  );
  const [current, ...others] = people;
  return [
    'version: "0.1.1"',
    `tenantId: ${TENANT_ID}`,
    'bot:\n  id: 00000000-0000-4000-8000-000000000011\n  name: Marketplace Lead Bot',
    `currentUser:\n${(current ?? []).map((line) => `  ${line}`).join('\n')}`,
    `users:\n${others.map((lines) => lines.map((line, i) => `${i === 0 ? '  - ' : '    '}${line}`).join('\n')).join('\n')}`,
    `personalChat:\n  id: ${personalChatId}`,
    'groupChat:\n  id: group-chat\n  name: Sales leads chat',
    'team:\n  id: team-sales\n  name: Sales\n  aadGroupId: 00000000-0000-4000-8000-000000000031\n  channels:\n    - id: channel-leads\n      name: Leads',
    '',
  ].join('\n');
}
