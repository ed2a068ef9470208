import { ConfidentialClientApplication, ManagedIdentityApplication, PublicClientApplication, type AuthenticationResult } from '@azure/msal-node';
import type { HttpTransport } from './http-transport';

/** Who signs in to Entra ID, and how: the three ways the bot's settings allow. */
export type EntraCredential =
  | { readonly kind: 'client-secret'; readonly authority: string; readonly clientId: string; readonly clientSecret: string }
  /** The Office 365 user option: Microsoft's deprecated resource-owner password flow, kept for Partner Center's own option. */
  | { readonly kind: 'password'; readonly authority: string; readonly clientId: string; readonly username: string; readonly password: string }
  /** App Service's user-assigned identity: no secret at all. */
  | { readonly kind: 'managed-identity'; readonly clientId: string };

/** A token for `resource` (its origin, as the `/.default` scope names it); MSAL's cache answers while the token lasts. */
export type AcquireToken = (resource: string, options?: { readonly forceRefresh?: boolean }) => Promise<AuthenticationResult | null>;

/**
 * One MSAL client for a credential, on the bot's own HTTP pool. The authority is named a known
 * one: otherwise MSAL asks the public cloud whether a sovereign or local host is an authority.
 */
export function entraSignIn(credential: EntraCredential, transport: HttpTransport): AcquireToken {
  const system = { networkClient: transport.msalNetwork };
  switch (credential.kind) {
    case 'client-secret': {
      const client = new ConfidentialClientApplication({ auth: { ...authorityOf(credential.authority), clientId: credential.clientId, clientSecret: credential.clientSecret }, system });
      return (resource, options) => client.acquireTokenByClientCredential({ scopes: [`${resource}/.default`], skipCache: options?.forceRefresh === true });
    }
    case 'password': {
      const client = new PublicClientApplication({ auth: { ...authorityOf(credential.authority), clientId: credential.clientId }, system });
      const { username, password } = credential;
      // Deprecated by Microsoft, and the only flow Partner Center's Office 365 option maps to.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      return (resource) => client.acquireTokenByUsernamePassword({ scopes: [`${resource}/.default`], username, password });
    }
    case 'managed-identity': {
      const identity = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: credential.clientId }, system });
      return (resource, options) => identity.acquireToken({ resource, forceRefresh: options?.forceRefresh === true });
    }
  }
}

function authorityOf(authority: string): { authority: string; knownAuthorities: string[] } {
  return { authority, knownAuthorities: [new URL(authority).host] };
}

/**
 * The AADSTS number Entra gave for refusing a sign-in, from what MSAL threw: in its message, or
 * in the "Error(s): 50126" list some flows give instead. Undefined when Entra gave none (no
 * answer at all, a network failure).
 */
export function aadstsOf(error: unknown): string | undefined {
  const e = error as { errorMessage?: string; message?: string } | undefined;
  const text = `${e?.errorMessage ?? ''} ${e?.message ?? ''}`;
  return /AADSTS(\d+)/.exec(text)?.[1] ?? /Error\(s\): (\d+)/.exec(text)?.[1];
}
