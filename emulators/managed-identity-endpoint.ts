import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';

export interface ManagedIdentityEndpoint {
  /** What App Service puts in IDENTITY_ENDPOINT and IDENTITY_HEADER for the app. */
  readonly env: { readonly IDENTITY_ENDPOINT: string; readonly IDENTITY_HEADER: string };
  /** Each token request: the identity and the resource asked for, and the answer's status. */
  readonly requests: { readonly clientId: string | undefined; readonly resource: string | undefined; readonly status: number }[];
  stop(): Promise<void>;
}

/**
 * App Service's local identity endpoint (api-version 2019-08-01) for user-assigned identities:
 * GET with the X-IDENTITY-HEADER secret, `resource` and `client_id`; the token comes from the
 * local identity provider, signed as Entra signs a managed identity's, so Graph and Dataverse
 * emulators check it like any other.
 */
export async function startManagedIdentityEndpoint(options: {
  readonly idpOrigin: string;
  readonly tenantId: string;
  /** Client id → the secret the identity provider knows it by (a real identity has none). */
  readonly identities: ReadonlyMap<string, string>;
  readonly ca: string;
}): Promise<ManagedIdentityEndpoint> {
  const header = randomBytes(16).toString('hex');
  const requests: ManagedIdentityEndpoint['requests'] = [];
  const dispatcher = new Agent({ connect: { ca: [options.ca] } });

  /** The answer to one token request: App Service's status and body. */
  const tokenFor = async (url: URL, identityHeader: string | string[] | undefined): Promise<{ status: number; body: unknown }> => {
    const clientId = url.searchParams.get('client_id');
    const resource = url.searchParams.get('resource');
    if (url.pathname !== '/msi/token') return { status: 404, body: { statusCode: 404, message: 'Not found' } };
    if (identityHeader !== header) return { status: 401, body: { statusCode: 401, message: 'Unauthorized: the X-IDENTITY-HEADER is missing or wrong.' } };
    if (url.searchParams.get('api-version') !== '2019-08-01' || resource === null) {
      return { status: 400, body: { statusCode: 400, message: 'Required query parameters api-version and resource are missing or invalid.' } };
    }
    const secret = clientId === null ? undefined : options.identities.get(clientId);
    if (clientId === null || secret === undefined) {
      return { status: 400, body: { statusCode: 400, message: 'No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.', correlationId: randomUUID() } };
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: `${resource.replace(/\/$/, '')}/.default` });
    const response = await fetch(`${options.idpOrigin}/${options.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form, dispatcher });
    const token = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!response.ok || token.access_token === undefined) return { status: 500, body: { statusCode: 500, message: 'The identity provider refused the managed identity.' } };
    const expiresOn = String(Math.floor(Date.now() / 1000) + (token.expires_in ?? 3600));
    return { status: 200, body: { access_token: token.access_token, expires_on: expiresOn, resource, token_type: 'Bearer', client_id: clientId } };
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://identity');
    const answer = ({ status, body }: { status: number; body: unknown }): void => {
      requests.push({ clientId: url.searchParams.get('client_id') ?? undefined, resource: url.searchParams.get('resource') ?? undefined, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    tokenFor(url, req.headers['x-identity-header']).then(answer, () => {
      answer({ status: 500, body: { statusCode: 500, message: 'The identity provider did not answer.' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    env: { IDENTITY_ENDPOINT: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/msi/token`, IDENTITY_HEADER: header },
    requests,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await dispatcher.close();
    },
  };
}
