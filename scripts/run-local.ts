/**
 * `npm run local`: the bot on this machine with no cloud account. Starts the local stack
 * (Azurite for tables and queues; unless a real Dynamics is configured, the local identity
 * provider, the Dataverse and Graph emulators over https with a throwaway certificate, and a
 * mailbox page), then runs src/main.ts — exactly what `npm start` runs — with embedded defaults
 * for every setting the environment and env/.env.local leave unset.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import PinoPretty from 'pino-pretty';
import { readEnvFiles } from '../src/config/read-env-files';
import { startPlaygroundProcess as startPlayground } from '../emulators/agents-playground';
import { APP, LOCAL_SENDER, TENANT_ID } from '../emulators/directory';
import type { GraphEmulator } from '../emulators/graph';
import { startLocalStack, preferredPort } from '../emulators/local-stack';
import { startMailboxPage } from '../emulators/mailbox-page';
import { LOCAL_CONTACT_WITHOUT_TEAMS, LOCAL_INTAKE_KEY, PLAYGROUND_DYNAMICS_USER, PLAYGROUND_USER } from './local-defaults';

const ROOT = join(__dirname, '..');

async function main(): Promise<void> {
  const location = join(ROOT, '.local', 'azurite');
  mkdirSync(location, { recursive: true });
  // `atk provision --env local` (m365agents.local.yml) leaves the bot's sign-in for real Teams in .localConfigs.
  const toolkit = join(ROOT, '.localConfigs');
  const fileEnv = withoutBlanks({
    ...(existsSync(toolkit) ? parse(readFileSync(toolkit)) : {}),
    ...(existsSync(join(ROOT, 'env', '.env.local')) ? readEnvFiles('local', process.env, join(ROOT, 'env')) : process.env),
  });

  // A real Dynamics given in the settings is used as it is; otherwise the local stand-ins.
  const standIns = fileEnv.DYNAMICS_URL === undefined;
  const stack = await startLocalStack({
    storage: { location },
    tlsDir: join(ROOT, '.local', 'tls'),
    dynamics: standIns,
    // The app may read its own secrets' dates, so a rotation reminder shows.
    ...(standIns ? { graph: { permissions: ['Application.Read.All'] } } : {}),
    // The usual ports when free, so an open browser tab keeps working across runs.
    ports: { table: 10002, queue: 10001, identity: 7443, dataverse: 7444, graph: 7445 },
  });
  const services: { stop(): Promise<void> }[] = [stack];
  let dynamicsNote = `  Dynamics: ${fileEnv.DYNAMICS_URL ?? ''} (from your settings)`;
  let localServices: Record<string, string> = { STORAGE_CONNECTION_STRING: stack.connectionString };
  if (standIns) {
    const graph = stack.graph as GraphEmulator;
    // The local app's client secret, as Graph lists it: it ends in two weeks, so a reminder shows.
    const secretEnds = new Date(new Date().setUTCHours(0, 0, 0, 0) + 14 * 86_400_000).toISOString();
    graph.setApplication(APP.clientId, [{ keyId: '6c1b9e0a-0000-4000-8000-000000000001', displayName: 'local', hint: APP.secret.slice(0, 3), startDateTime: new Date().toISOString(), endDateTime: secretEnds }]);
    stack.dataverse?.addUser(PLAYGROUND_DYNAMICS_USER);
    const mailbox = await startMailboxPage(graph.mails, await preferredPort(7446));
    services.unshift(mailbox);
    localServices = {
      ...stack.settings,
      // The Playground's user, and a contact with no Teams at all: mail reaches both until the chat opens.
      LEAD_CONTACTS: `${PLAYGROUND_USER};${LOCAL_CONTACT_WITHOUT_TEAMS}`,
    };
    dynamicsNote = [
      `  Dynamics: the Dataverse emulator at ${stack.dataverse?.url ?? ''} (records kept in memory), signing in at the local identity provider ${stack.identityProvider?.origin ?? ''}`,
      `  Microsoft Graph: the emulator at ${graph.url} (the client secret ends ${secretEnds.slice(0, 10)}: a rotation reminder comes to the admin's chat)`,
      `  Mail: contacts Teams cannot reach (${LOCAL_CONTACT_WITHOUT_TEAMS}, and ${PLAYGROUND_USER} until the Playground's chat opens) get each lead from ${LOCAL_SENDER}: read it at ${mailbox.origin}`,
    ].join('\n');
  }
  const env: Record<string, string | undefined> = {
    PORT: '3978',
    LOG_LEVEL: 'info',
    LEAD_INTAKE_KEY: LOCAL_INTAKE_KEY,
    // The Agents Playground's signed-in user, so lead cards show up in its personal chat.
    LEAD_CONTACTS: PLAYGROUND_USER,
    // ...and its admin, in the Playground's tenant (the local one), so validate, retry… work there.
    ADMINS: PLAYGROUND_USER,
    TEAMS_TENANT_ID: TENANT_ID,
    // Reminders are looked for every minute, so one reaches the Playground soon after its chat opens.
    REMINDER_CHECK_MINUTES: '1',
    // Claim links in mail come back here.
    PUBLIC_URL: `http://127.0.0.1:${fileEnv.PORT ?? '3978'}`,
    ...localServices,
    ...fileEnv,
    // The local services' throwaway certificate, trusted by the bot process only.
    NODE_EXTRA_CA_CERTS: stack.tls.certPath,
  };
  const port = env.PORT ?? '3978';
  const playground = await startPlayground(`http://127.0.0.1:${port}/api/messages`, await preferredPort(56150));
  services.unshift(playground);
  process.stdout.write(
    [
      '',
      'Marketplace Lead Bot, local run',
      `  Azurite (tables ${stack.azurite?.tablePort ?? ''}, queues ${stack.azurite?.queuePort ?? ''}), data in .local/azurite`,
      dynamicsNote,
      `  Lead endpoint: http://127.0.0.1:${port}/api/leads?code=${env.LEAD_INTAKE_KEY === LOCAL_INTAKE_KEY ? LOCAL_INTAKE_KEY : '<LEAD_INTAKE_KEY>'}`,
      `  Teams: open ${playground.origin} in a browser (the Agents Playground; opening the chat installs the app for ${PLAYGROUND_USER})`,
      '  Send a sample lead from another terminal: npm run send-lead; type help in the Playground chat',
      '',
    ].join('\n') + '\n',
  );

  const bot = spawn(process.execPath, ['--disable-warning=DEP0111', '--import', 'tsx', join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  bot.stdout.pipe(PinoPretty({ colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' }));

  const stop = (): void => {
    bot.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await new Promise<number | null>((resolve) => bot.once('exit', resolve));
  for (const service of services) await service.stop();
  process.exit(code ?? 0);
}

function withoutBlanks(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

main().catch((error: unknown) => {
  process.stderr.write(`The local run could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
