import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATAVERSE_SAMPLE_CLIENT_ID } from '../../src/dynamics/sign-in';
import { startDataverseEmulator, type DataverseEmulator } from './dataverse-emulator';
import type { Directory } from './identity-provider';
import type { GraphEmulator } from './graph-emulator';
import type { TlsFiles } from './tls';

/** The local directory's tenant, app and user; test values, valid nowhere else. */
export const TENANT_ID = 'b6c5e0a4-1f2e-4d3c-9a8b-7c6d5e4f3a2b';
export const TENANT_DOMAIN = 'contoso.example';
export const APP = { clientId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', secret: 'local-client-secret-value' } as const;
export const USER = { username: `leads@${TENANT_DOMAIN}`, password: 'local-user-password' } as const;
/** Credentials in the states publishers meet: an expired secret, an expired password, MFA. */
/**
 * The bot's user-assigned managed identity. It has no secret in Azure; here the identity endpoint
 * emulator signs in for it with this one, which nothing else knows.
 */
export const MANAGED_IDENTITY = { clientId: '7c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f', secret: 'managed-identity-endpoint-only' } as const;
export const EXPIRED_SECRET_APP = { clientId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1', secret: 'expired-client-secret' } as const;
export const EXPIRED_PASSWORD_USER = { username: `expired@${TENANT_DOMAIN}`, password: 'old-password' } as const;
export const MFA_USER = { username: `mfa@${TENANT_DOMAIN}`, password: 'mfa-password' } as const;

export function defaultDirectory(overrides: Partial<Directory> = {}): Directory {
  return {
    tenantId: TENANT_ID,
    domains: [TENANT_DOMAIN],
    apps: [
      { clientId: APP.clientId, secret: APP.secret, objectId: '3a9c1e7f-0000-4000-8000-00000000a001' },
      { clientId: EXPIRED_SECRET_APP.clientId, secret: EXPIRED_SECRET_APP.secret, secretExpired: true },
      { clientId: DATAVERSE_SAMPLE_CLIENT_ID },
      { clientId: MANAGED_IDENTITY.clientId, secret: MANAGED_IDENTITY.secret, objectId: '3a9c1e7f-0000-4000-8000-00000000a002' },
    ],
    users: [
      { username: USER.username, password: USER.password, objectId: '3a9c1e7f-0000-4000-8000-00000000b001' },
      { username: EXPIRED_PASSWORD_USER.username, password: EXPIRED_PASSWORD_USER.password, passwordExpired: true },
      { username: MFA_USER.username, password: MFA_USER.password, mfaRequired: true },
    ],
    ...overrides,
  };
}

/** The certificate and identity provider the jest global setup started for this run. */
export function sharedServices(): { tls: TlsFiles; idpOrigin: string } {
  const dir = process.env.TEST_TLS_DIR;
  const idpOrigin = process.env.TEST_IDP_ORIGIN;
  if (dir === undefined || idpOrigin === undefined) throw new Error('The jest global setup starts the local services');
  const certPath = join(dir, 'local-services.crt');
  const keyPath = join(dir, 'local-services.key');
  return { tls: { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') }, idpOrigin };
}

export async function startDataverse(idpOrigin = sharedServices().idpOrigin): Promise<DataverseEmulator> {
  return startDataverseEmulator({ tls: sharedServices().tls, identityProviderOrigin: idpOrigin, tenantId: TENANT_ID });
}

/** Settings for signing in to `dynamicsUrl` with either option against the local identity provider. */
export function dynamicsEnv(dynamicsUrl: string, auth: 'aad' | 'o365' = 'aad', idpOrigin = sharedServices().idpOrigin): Record<string, string> {
  const common = { DYNAMICS_URL: dynamicsUrl, DYNAMICS_AUTHORITY_HOST: idpOrigin };
  return auth === 'aad'
    ? { ...common, DYNAMICS_AUTH: 'aad', DYNAMICS_TENANT_ID: TENANT_ID, DYNAMICS_CLIENT_ID: APP.clientId, DYNAMICS_CLIENT_SECRET: APP.secret }
    : // Blanks clear the Azure AD option's values an environment may already hold.
      { ...common, DYNAMICS_AUTH: 'o365', DYNAMICS_USERNAME: USER.username, DYNAMICS_PASSWORD: USER.password, DYNAMICS_CLIENT_ID: '', DYNAMICS_TENANT_ID: '', DYNAMICS_CLIENT_SECRET: '' };
}

/** The mailbox local lead mail is sent from. */
export const LOCAL_SENDER = 'leads@contoso.example';

/**
 * Lead mail through a Graph emulator, sent as the local app from LOCAL_SENDER: the mailbox made,
 * the app granted what mail (and installing, if asked) needs; returns the settings for it.
 */
export function localMail(graph: GraphEmulator, permissions: readonly string[] = []): Record<string, string> {
  graph.setUser({ id: '3a9c1e7f-0000-4000-8000-00000000c001', userPrincipalName: LOCAL_SENDER, lastPasswordChangeDateTime: '2026-11-01T00:00:00Z' });
  graph.grant(APP.clientId, ['Mail.Send', ...permissions]);
  return { GRAPH_URL: graph.url, GRAPH_TENANT_ID: TENANT_ID, GRAPH_CLIENT_ID: APP.clientId, GRAPH_CLIENT_SECRET: APP.secret, OUTLOOK_SENDER: LOCAL_SENDER };
}
