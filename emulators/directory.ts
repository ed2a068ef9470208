/**
 * Who exists in the local tenant: its apps and users, in the states publishers meet. Test
 * values, valid nowhere else; the emulators and the bot's local settings both read them here.
 */
import type { Directory } from './identity-provider';

export const TENANT_ID = 'b6c5e0a4-1f2e-4d3c-9a8b-7c6d5e4f3a2b';
export const TENANT_DOMAIN = 'contoso.example';
export const APP = { clientId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', secret: 'local-client-secret-value' } as const;
export const USER = { username: `leads@${TENANT_DOMAIN}`, password: 'local-user-password' } as const;
/**
 * The bot's user-assigned managed identity. It has no secret in Azure; here the identity endpoint
 * emulator signs in for it with this one, which nothing else knows.
 */
export const MANAGED_IDENTITY = { clientId: '7c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f', secret: 'managed-identity-endpoint-only' } as const;
export const EXPIRED_SECRET_APP = { clientId: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1', secret: 'expired-client-secret' } as const;
export const EXPIRED_PASSWORD_USER = { username: `expired@${TENANT_DOMAIN}`, password: 'old-password' } as const;
export const MFA_USER = { username: `mfa@${TENANT_DOMAIN}`, password: 'mfa-password' } as const;
/** The app Microsoft registers for Dataverse's samples, which the Office 365 user option signs in through. */
export const DATAVERSE_SAMPLE_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d';
/** The mailbox local lead mail is sent from. */
export const LOCAL_SENDER = `leads@${TENANT_DOMAIN}`;

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
