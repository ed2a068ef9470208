import { Agent, fetch, type RequestInit, type Response } from 'undici';
import { APP, TENANT_ID } from '../directory';
import { sharedServices } from '../../test/support/shared-services';

let agent: Agent | undefined;

/** fetch that trusts the local services' throwaway certificate. */
export function httpsFetch(url: string, init: RequestInit = {}): Promise<Response> {
  agent ??= new Agent({ connect: { ca: sharedServices().tls.cert } });
  return fetch(url, { ...init, dispatcher: agent });
}

/** A token from the local identity provider, asked for directly (no MSAL, none of our code). */
export async function tokenFor(
  audience: string,
  clientId: string = APP.clientId,
  secret: string = APP.secret,
  idpOrigin: string = sharedServices().idpOrigin,
): Promise<string> {
  const response = await httpsFetch(`${idpOrigin}/${TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: `${audience}/.default` }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}
