import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './free-port';
import { stopChild } from './stop-child';

export interface Azurite {
  readonly connectionString: string;
  readonly tablePort: number;
  readonly queuePort: number;
  /** Stops the server (data on disk stays), as an outage would. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data. */
  start(): Promise<void>;
}

const MAIN = join(__dirname, '..', 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');

/** Azurite's one account, with the well-known key its documentation gives for local use only. */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function connectionString(tablePort: number, queuePort: number): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};` +
    `TableEndpoint=http://127.0.0.1:${tablePort}/${ACCOUNT};QueueEndpoint=http://127.0.0.1:${queuePort}/${ACCOUNT};`
  );
}

/**
 * Azurite (tables and queues) on loopback, on free ports unless given, persisting to a folder
 * so a stop/start keeps what was stored — the way a real account survives an outage.
 */
export async function startAzurite(options: { location?: string; tablePort?: number; queuePort?: number } = {}): Promise<Azurite> {
  const location = options.location ?? mkdtempSync(join(tmpdir(), 'azurite-'));
  const tablePort = options.tablePort ?? (await freePort());
  const queuePort = options.queuePort ?? (await freePort());
  const blobPort = await freePort();
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    child = spawn(
      process.execPath,
      [
        MAIN,
        '--location', location,
        '--blobHost', '127.0.0.1', '--blobPort', String(blobPort),
        '--queueHost', '127.0.0.1', '--queuePort', String(queuePort),
        '--tableHost', '127.0.0.1', '--tablePort', String(tablePort),
        '--disableTelemetry', '--skipApiVersionCheck', '--silent', '--loose',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await Promise.all([waitForPort(tablePort), waitForPort(queuePort)]);
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    await stopChild(running);
  };

  await start();
  return { connectionString: connectionString(tablePort, queuePort), tablePort, queuePort, stop, start };
}
