import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
  /** PEM, to trust in clients (it is its own issuer). */
  readonly cert: string;
  readonly key: string;
}

/**
 * A throwaway certificate for the local https services (identity provider, Dataverse
 * emulator) on 127.0.0.1 and localhost. Made on first use and kept in `dir`; never committed.
 */
export async function ensureTlsCertificate(dir: string): Promise<TlsFiles> {
  const certPath = join(dir, 'local-services.crt');
  const keyPath = join(dir, 'local-services.key');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true });
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      notAfterDate: new Date(Date.now() + 365 * 86_400_000),
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
      ],
    });
    writeFileSync(keyPath, pems.private, { mode: 0o600 });
    writeFileSync(certPath, pems.cert);
  }
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}
