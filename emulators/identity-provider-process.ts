import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import type { Directory } from './identity-provider';
import { stopChild } from './stop-child';
import type { TlsFiles } from './tls';

export type { Directory } from './identity-provider';

export interface IdentityProviderProcess {
  /** The authority host to give DYNAMICS_AUTHORITY_HOST. */
  readonly origin: string;
  /** Replaces who exists and their credentials' state (rotate or expire a secret, etc.). */
  setDirectory(directory: Directory): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the local identity provider in its own process and waits until it answers. */
export async function launchIdentityProvider(tls: TlsFiles, directory: Directory, port = 0): Promise<IdentityProviderProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'identity-provider-main.ts')], {
    env: { ...process.env, IDP_CERT: tls.certPath, IDP_KEY: tls.keyPath, IDP_DIRECTORY: JSON.stringify(directory), IDP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      resolve((JSON.parse(line) as { origin: string }).origin);
    });
    child.once('exit', (code) => {
      reject(new Error(`identity provider exited with ${String(code)}`));
    });
  });
  const dispatcher = new Agent({ connect: { ca: tls.cert } });
  return {
    origin,
    async setDirectory(next) {
      const response = await fetch(`${origin}/_admin/directory`, { method: 'PUT', body: JSON.stringify(next), dispatcher });
      if (response.status !== 204) throw new Error(`identity provider refused the directory: ${response.status}`);
    },
    async stop() {
      await stopChild(child);
      await dispatcher.close();
    },
  };
}
