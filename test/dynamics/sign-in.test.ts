import { decodeJwt } from 'jose';
import { loadSettings, type DynamicsSettings } from '../../src/config/settings';
import type { DynamicsErrorCode } from '../../src/dynamics/dynamics-error';
import { createHttpTransport, type HttpTransport } from '../../src/http/http-transport';
import { createTokenSource, describeSignIn } from '../../src/dynamics/sign-in';
import { createLogger } from '../../src/logging/create-logger';
import { dynamicsEnv, sharedServices } from '../support/shared-services';
import { EXPIRED_PASSWORD_USER, EXPIRED_SECRET_APP, MFA_USER, TENANT_ID } from '../../emulators/directory';
import { testEnv } from '../support/test-app';

const ORG = 'https://contoso.crm4.dynamics.com';

function dynamicsSettings(overrides: Record<string, string>, auth: 'aad' | 'o365' = 'aad'): DynamicsSettings {
  return loadSettings(testEnv({ ...dynamicsEnv(ORG, auth), ...overrides })).dynamics;
}

describe('signing in to Dynamics', () => {
  let transport: HttpTransport;
  beforeAll(() => {
    transport = createHttpTransport({ trustedCertificates: sharedServices().tls.cert });
  });
  afterAll(async () => {
    await transport.close();
  });

  it('gets a token for the organization with the Azure AD app option (client credentials)', async () => {
    const tokens = createTokenSource(dynamicsSettings({}), transport, createLogger('silent'));
    const claims = decodeJwt(await tokens.getToken());
    expect(claims).toMatchObject({ aud: ORG, tid: TENANT_ID, appid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' });
    expect(describeSignIn(dynamicsSettings({}), 'en')).toBe('Azure AD app 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
    expect(describeSignIn(dynamicsSettings({}), 'ko')).toBe('Azure AD 앱 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
  });

  it('gets a token with the Office 365 option (user name and password), and says once that Azure AD is recommended', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => lines.push(line) });
    const tokens = createTokenSource(dynamicsSettings({}, 'o365'), transport, logger);
    expect(decodeJwt(await tokens.getToken())).toMatchObject({ aud: ORG, upn: 'leads@contoso.example' });
    await tokens.getToken();
    expect(lines.filter((l) => l.includes('Microsoft recommends the Azure AD app option'))).toHaveLength(1);
  });

  it('reuses the token until it nears expiry, and gets a new one when forced', async () => {
    const tokens = createTokenSource(dynamicsSettings({}), transport, createLogger('silent'));
    const first = await tokens.getToken();
    expect(await tokens.getToken()).toBe(first);
    await new Promise((r) => setTimeout(r, 1100)); // tokens carry whole-second iat
    expect(await tokens.getToken({ forceRefresh: true })).not.toBe(first);
  });

  it.each<[string, Record<string, string>, 'aad' | 'o365', DynamicsErrorCode, RegExp]>([
    ['a wrong client secret', { DYNAMICS_CLIENT_SECRET: 'CANARY-wrong-secret' }, 'aad', 'DYNAMICS_SECRET_INVALID', /Certificates & secrets.*its Value \(not its Secret ID\)/],
    ['an expired client secret', { DYNAMICS_CLIENT_ID: EXPIRED_SECRET_APP.clientId, DYNAMICS_CLIENT_SECRET: EXPIRED_SECRET_APP.secret }, 'aad', 'DYNAMICS_SECRET_EXPIRED', /create a new client secret/],
    ['an unknown application', { DYNAMICS_CLIENT_ID: '99999999-4b5a-6978-8796-a5b4c3d2e1f0' }, 'aad', 'DYNAMICS_APP_NOT_FOUND', /Application \(client\) ID and Directory \(tenant\) ID/],
    ['an unknown tenant', { DYNAMICS_TENANT_ID: 'fabrikam.onmicrosoft.com' }, 'aad', 'DYNAMICS_TENANT_NOT_FOUND', /Directory \(tenant\) ID .* DYNAMICS_TENANT_ID/],
    ['a wrong password', { DYNAMICS_PASSWORD: 'CANARY-wrong-password' }, 'o365', 'DYNAMICS_USER_WRONG_PASSWORD', /DYNAMICS_USERNAME and DYNAMICS_PASSWORD/],
    ['an expired password', { DYNAMICS_USERNAME: EXPIRED_PASSWORD_USER.username, DYNAMICS_PASSWORD: EXPIRED_PASSWORD_USER.password }, 'o365', 'DYNAMICS_PASSWORD_EXPIRED', /every 90 days/],
    ['a confidential app for the password option', { DYNAMICS_CLIENT_ID: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' }, 'o365', 'DYNAMICS_PUBLIC_CLIENT_DISABLED', /Allow public client flows/],
    ['a user who must use MFA', { DYNAMICS_USERNAME: MFA_USER.username, DYNAMICS_PASSWORD: MFA_USER.password }, 'o365', 'DYNAMICS_MFA_REQUIRED', /DYNAMICS_AUTH=aad/],
  ])('explains %s with its code and fix, without repeating the credential', async (_case, overrides, auth, code, fix) => {
    const tokens = createTokenSource(dynamicsSettings(overrides, auth), transport, createLogger('silent'));
    const failure = await tokens.getToken().then(
      () => undefined,
      (e: unknown) => e as { code: string; kind: string; fix: string; message: string },
    );
    expect(failure).toMatchObject({ code, kind: 'configuration', fix: expect.stringMatching(fix) });
    expect(`${failure?.message ?? ''} ${failure?.fix ?? ''}`).not.toContain('CANARY');
  });

  it('says the sign-in service is unreachable when nothing answers at the authority host', async () => {
    const tokens = createTokenSource(dynamicsSettings({ DYNAMICS_AUTHORITY_HOST: 'https://127.0.0.1:9' }), transport, createLogger('silent'));
    await expect(tokens.getToken()).rejects.toMatchObject({ code: 'DYNAMICS_AUTHORITY_UNREACHABLE', kind: 'transient' });
  });
});
