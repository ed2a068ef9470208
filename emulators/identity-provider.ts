import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
// ESM-only package: this module runs in its own process (see identity-provider-process.ts),
// where Node 20.19+ can require it; jest's module sandbox cannot.
import { OAuth2Issuer, OAuth2Service } from 'oauth2-mock-server';
import type { TlsFiles } from './tls';

/** Who exists in the local directory, and what state their credentials are in. */
export interface Directory {
  readonly tenantId: string;
  /** Verified domains: `/{domain}/…` reaches the tenant too, as on Entra. */
  readonly domains?: readonly string[];
  readonly apps: readonly DirectoryApp[];
  readonly users: readonly DirectoryUser[];
  /** The `exp` written into tokens (MSAL is still told the usual expires_in). */
  readonly tokenLifetimeSeconds?: number;
}

export interface DirectoryApp {
  readonly clientId: string;
  /** Absent for a public client (the Office 365 option signs in through one). */
  readonly secret?: string;
  readonly secretExpired?: boolean;
  readonly objectId?: string;
}

export interface DirectoryUser {
  readonly username: string;
  readonly password: string;
  readonly passwordExpired?: boolean;
  readonly mfaRequired?: boolean;
  readonly objectId?: string;
}

export interface IdentityProvider {
  readonly origin: string;
  setDirectory(directory: Directory): void;
  stop(): Promise<void>;
}

/** Entra's paths under the tenant, so MSAL talks to it as to login.microsoftonline.com. */
const ENDPOINTS = {
  wellKnownDocument: '/v2.0/.well-known/openid-configuration',
  token: '/oauth2/v2.0/token',
  jwks: '/discovery/v2.0/keys',
  authorize: '/oauth2/v2.0/authorize',
  userinfo: '/oidc/userinfo',
  revoke: '/oauth2/v2.0/revoke',
  endSession: '/oauth2/v2.0/logout',
  introspect: '/oauth2/v2.0/introspect',
};

type TokenRequest = IncomingMessage & { body: Record<string, string | undefined> };
interface MutableToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}
interface MutableResponse {
  body: Record<string, unknown> | string;
  statusCode: number;
}

/**
 * A local stand-in for Microsoft Entra ID: oauth2-mock-server over https, on Entra-shaped
 * paths, issuing real signed tokens for the client-credentials and password grants, and
 * answering wrong credentials with Entra's own error codes (AADSTS…).
 */
export async function startIdentityProvider(tls: TlsFiles, initial: Directory, port = 0): Promise<IdentityProvider> {
  let directory = initial;
  const issuer = new OAuth2Issuer();
  await issuer.keys.generate('RS256');
  const service = new OAuth2Service(issuer, ENDPOINTS);

  service.on('beforeTokenSigning', (token: MutableToken, req: TokenRequest) => {
    const body = req.body;
    const app = directory.apps.find((a) => a.clientId === body.client_id);
    const user = directory.users.find((u) => u.username.toLowerCase() === body.username?.toLowerCase());
    const issuedAt = Number(token.payload.iat);
    Object.assign(token.payload, {
      aud: (body.scope ?? '').split(' ')[0]?.replace(/\/\.default$/, ''),
      tid: directory.tenantId,
      appid: body.client_id,
      oid: user?.objectId ?? app?.objectId ?? randomUUID(),
      ...(user ? { upn: user.username, sub: user.objectId ?? user.username } : { sub: app?.objectId ?? body.client_id }),
      exp: issuedAt + (directory.tokenLifetimeSeconds ?? 3600),
    });
  });

  service.on('beforeResponse', (response: MutableResponse, req: TokenRequest) => {
    const failure = checkCredentials(directory, req.body);
    if (failure !== undefined) {
      response.statusCode = failure.status;
      response.body = entraError(failure);
    }
  });

  const handle = service.requestHandler;
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://idp');
    if (url.pathname === '/_admin/directory' && req.method === 'PUT') {
      readBody(req).then((text) => {
        directory = JSON.parse(text) as Directory;
        res.writeHead(204).end();
      }, () => res.writeHead(400).end());
      return;
    }
    const [, tenant = '', ...rest] = url.pathname.split('/');
    const names = [directory.tenantId, ...(directory.domains ?? [])].map((n) => n.toLowerCase());
    if (!names.includes(tenant.toLowerCase())) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(entraError({ status: 400, error: 'invalid_tenant', code: 90002, text: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.` })));
      return;
    }
    req.url = `/${rest.join('/')}${url.search}`;
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer.url = `${origin}/${directory.tenantId}`;

  return {
    origin,
    setDirectory(next) {
      directory = next;
      issuer.url = `${origin}/${next.tenantId}`;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

interface Failure {
  readonly status: number;
  readonly error: string;
  readonly code: number;
  readonly text: string;
}

function checkCredentials(directory: Directory, body: Record<string, string | undefined>): Failure | undefined {
  const app = directory.apps.find((a) => a.clientId === body.client_id);
  if (app === undefined) {
    return { status: 400, error: 'unauthorized_client', code: 700016, text: `Application with identifier '${body.client_id ?? ''}' was not found in the directory '${directory.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.` };
  }
  if (body.grant_type === 'client_credentials') {
    if (app.secret === undefined || body.client_secret !== app.secret) {
      return { status: 401, error: 'invalid_client', code: 7000215, text: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.` };
    }
    if (app.secretExpired === true) {
      return { status: 401, error: 'invalid_client', code: 7000222, text: `The provided client secret keys for app '${app.clientId}' are expired. Visit the Azure portal to create new keys for your app.` };
    }
    return undefined;
  }
  if (body.grant_type === 'password') {
    if (app.secret !== undefined && body.client_secret !== app.secret) {
      return { status: 401, error: 'invalid_client', code: 7000218, text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'." };
    }
    const user = directory.users.find((u) => u.username.toLowerCase() === body.username?.toLowerCase());
    if (user === undefined || user.password !== body.password) {
      return { status: 400, error: 'invalid_grant', code: 50126, text: 'Error validating credentials due to invalid username or password.' };
    }
    if (user.passwordExpired === true) {
      return { status: 400, error: 'user_password_expired', code: 50055, text: 'The password is expired.' };
    }
    if (user.mfaRequired === true) {
      return { status: 400, error: 'invalid_grant', code: 50076, text: `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${body.scope ?? ''}'.` };
    }
    return undefined;
  }
  return { status: 400, error: 'unsupported_grant_type', code: 70003, text: `The app requested an unsupported grant type '${body.grant_type ?? ''}'.` };
}

/** The body Entra answers a failed token request with. */
function entraError(failure: Failure): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace('Z', 'Z');
  return {
    error: failure.error,
    error_description: `AADSTS${failure.code}: ${failure.text} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [failure.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
