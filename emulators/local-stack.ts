/**
 * The bot's world on this machine: Azurite and, as asked, stand-ins for Entra ID, Dataverse,
 * Microsoft Graph and the Bot Connector, with the settings that point the bot at them. One
 * wiring for the tests, `npm run local`, the screenshots, the production check and the bench.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type Azurite } from './azurite';
import { startBotConnectorEmulator, type BotConnectorEmulator } from './bot-connector';
import { startDataverseEmulator, type DataverseEmulator } from './dataverse';
import { APP, defaultDirectory, LOCAL_SENDER, TENANT_ID, USER } from './directory';
import { freePort } from './free-port';
import { startGraphEmulator, type GraphEmulator } from './graph';
import { launchIdentityProvider, type Directory, type IdentityProviderProcess } from './identity-provider-process';
import { ensureTlsCertificate, type TlsFiles } from './tls';

/** Ports to take when they are free (so a browser tab or a bookmark keeps working); any free port otherwise. */
export interface PreferredPorts {
  readonly table?: number;
  readonly queue?: number;
  readonly identity?: number;
  readonly dataverse?: number;
  readonly graph?: number;
}

export interface LocalStackOptions {
  /** Azurite to use: one already running (its connection string), or where to keep a new one's data. */
  readonly storage?: { readonly connectionString: string } | { readonly location?: string };
  /** Where the throwaway certificate is kept; a new temporary folder when not given. */
  readonly tlsDir?: string;
  /** Who exists in the local tenant; the default directory when not given. */
  readonly directory?: Directory;
  /** The local identity provider, even with neither Dynamics nor Graph (the tests share one). */
  readonly identity?: boolean;
  /** The Dataverse emulator as the bot's Dynamics (and the identity provider it trusts). */
  readonly dynamics?: boolean;
  /** The Graph emulator, with lead mail sent through it as the local app (these extra permissions granted). */
  readonly graph?: boolean | { readonly permissions: readonly string[] };
  /** The Bot Connector emulator, as Teams with this per-app rate limit. */
  readonly teams?: { readonly appPerSecond: number };
  readonly ports?: PreferredPorts;
}

export interface LocalStack {
  /** The bot's settings for these services: storage, Dynamics (one nothing answers, when not started) and mail. */
  readonly settings: Readonly<Record<string, string>>;
  readonly tls: TlsFiles;
  readonly connectionString: string;
  /** Set when the stack started Azurite itself. */
  readonly azurite: Azurite | undefined;
  readonly identityProvider: IdentityProviderProcess | undefined;
  readonly dataverse: DataverseEmulator | undefined;
  readonly graph: GraphEmulator | undefined;
  readonly connector: BotConnectorEmulator | undefined;
  /** Stops everything the stack started, newest first. */
  stop(): Promise<void>;
}

/** An address nothing answers on: the bot needs a Dynamics to start, and some runs need none. */
export const NOWHERE = 'https://127.0.0.1:9';

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const started: { stop(): Promise<void> }[] = [];
  const track = <T extends { stop(): Promise<void> }>(service: T): T => {
    started.push(service);
    return service;
  };
  const stop = async (): Promise<void> => {
    for (const service of started.reverse()) await service.stop();
  };
  try {
    const ports = options.ports ?? {};
    const tls = await ensureTlsCertificate(options.tlsDir ?? mkdtempSync(join(tmpdir(), 'lead-bot-tls-')));
    const storage = options.storage ?? {};
    const azurite =
      'connectionString' in storage
        ? undefined
        : track(await startAzurite({ ...storage, tablePort: await preferredPort(ports.table), queuePort: await preferredPort(ports.queue) }));
    const connectionString = 'connectionString' in storage ? storage.connectionString : (azurite as Azurite).connectionString;

    const wantsGraph = options.graph !== undefined && options.graph !== false;
    const identityProvider =
      options.identity === true || options.dynamics === true || wantsGraph
        ? track(await launchIdentityProvider(tls, options.directory ?? defaultDirectory(), await preferredPort(ports.identity)))
        : undefined;
    const authorityHost = identityProvider?.origin ?? NOWHERE;
    const onTenant = { tls, identityProviderOrigin: authorityHost, tenantId: TENANT_ID };
    const dataverse = options.dynamics === true ? track(await startDataverseEmulator({ ...onTenant, port: await preferredPort(ports.dataverse) })) : undefined;
    const graph = wantsGraph ? track(await startGraphEmulator({ ...onTenant, port: await preferredPort(ports.graph) })) : undefined;
    const connector = options.teams === undefined ? undefined : track(await startBotConnectorEmulator(options.teams));

    const permissions = typeof options.graph === 'object' ? options.graph.permissions : [];
    const settings = {
      STORAGE_CONNECTION_STRING: connectionString,
      ...dynamicsSettings(dataverse?.url ?? NOWHERE, 'aad', authorityHost),
      ...(graph === undefined ? {} : mailSettings(graph, permissions)),
    };
    return { settings, tls, connectionString, azurite, identityProvider, dataverse, graph, connector, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Settings for signing in to `dynamicsUrl` with either option at the local identity provider. */
export function dynamicsSettings(dynamicsUrl: string, auth: 'aad' | 'o365', authorityHost: string): Record<string, string> {
  const common = { DYNAMICS_URL: dynamicsUrl, DYNAMICS_AUTHORITY_HOST: authorityHost };
  return auth === 'aad'
    ? { ...common, DYNAMICS_AUTH: 'aad', DYNAMICS_TENANT_ID: TENANT_ID, DYNAMICS_CLIENT_ID: APP.clientId, DYNAMICS_CLIENT_SECRET: APP.secret }
    : // Blanks clear the Azure AD option's values an environment may already hold.
      { ...common, DYNAMICS_AUTH: 'o365', DYNAMICS_USERNAME: USER.username, DYNAMICS_PASSWORD: USER.password, DYNAMICS_CLIENT_ID: '', DYNAMICS_TENANT_ID: '', DYNAMICS_CLIENT_SECRET: '' };
}

/**
 * Lead mail through a Graph emulator, sent as the local app from LOCAL_SENDER: the mailbox made,
 * the app granted what mail (and anything else asked) needs; returns the settings for it.
 */
export function mailSettings(graph: GraphEmulator, permissions: readonly string[] = []): Record<string, string> {
  graph.setUser({ id: '3a9c1e7f-0000-4000-8000-00000000c001', userPrincipalName: LOCAL_SENDER, lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' });
  graph.grant(APP.clientId, ['Mail.Send', ...permissions]);
  return { GRAPH_URL: graph.url, GRAPH_TENANT_ID: TENANT_ID, GRAPH_CLIENT_ID: APP.clientId, GRAPH_CLIENT_SECRET: APP.secret, OUTLOOK_SENDER: LOCAL_SENDER };
}

/** The port asked for when it is free on loopback, else any free one. */
export async function preferredPort(port: number | undefined): Promise<number> {
  if (port === undefined) return freePort();
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => {
      resolve(false);
    });
    probe.listen(port, '127.0.0.1', () =>
      probe.close(() => {
        resolve(true);
      }),
    );
  });
  return free ? port : freePort();
}
