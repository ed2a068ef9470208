/**
 * Jest glue: the local stack the global setup started once for the whole run (Azurite, the
 * certificate, the identity provider), as each test file sees it, and the emulators tests start
 * for themselves on top of it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDataverseEmulator, type DataverseEmulator } from '../../emulators/dataverse';
import { TENANT_ID } from '../../emulators/directory';
import { startGraphEmulator, type GraphEmulator } from '../../emulators/graph';
import { dynamicsSettings } from '../../emulators/local-stack';
import type { TlsFiles } from '../../emulators/tls';

/** The certificate and identity provider the jest global setup started for this run. */
export function sharedServices(): { tls: TlsFiles; idpOrigin: string } {
  const dir = process.env.TEST_TLS_DIR;
  const idpOrigin = process.env.TEST_IDP_ORIGIN;
  if (dir === undefined || idpOrigin === undefined) throw new Error('The jest global setup starts the local services');
  const certPath = join(dir, 'local-services.crt');
  const keyPath = join(dir, 'local-services.key');
  return { tls: { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') }, idpOrigin };
}

/** A Dataverse emulator of this test's own, trusting the shared identity provider (or the one given). */
export async function startDataverse(idpOrigin = sharedServices().idpOrigin): Promise<DataverseEmulator> {
  return startDataverseEmulator({ tls: sharedServices().tls, identityProviderOrigin: idpOrigin, tenantId: TENANT_ID });
}

/** A Graph emulator of this test's own, in the local tenant. */
export function startGraph(idpOrigin = sharedServices().idpOrigin): Promise<GraphEmulator> {
  return startGraphEmulator({ tls: sharedServices().tls, identityProviderOrigin: idpOrigin, tenantId: TENANT_ID });
}

/** Settings for signing in to `dynamicsUrl` at the shared identity provider (or the one given). */
export function dynamicsEnv(dynamicsUrl: string, auth: 'aad' | 'o365' = 'aad', idpOrigin = sharedServices().idpOrigin): Record<string, string> {
  return dynamicsSettings(dynamicsUrl, auth, idpOrigin);
}
