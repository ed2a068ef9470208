import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, fetch, type RequestInit, type Response } from 'undici';

/** Outbound HTTPS to Entra ID and Dataverse: one connection pool, one trust store. */
export interface HttpTransport {
  fetch(url: string, init?: RequestInit): Promise<Response>;
  /** The same pool, in the shape MSAL takes for its network calls. */
  readonly msalNetwork: INetworkModule;
  close(): Promise<void>;
}

/** Entra can stall like any service; a sign-in that never answers must not hold every write. */
const SIGN_IN_TIMEOUT_MS = 30_000;

export interface HttpTransportOptions {
  /**
   * Extra PEM certificates to trust, for the local identity provider and Dataverse emulator
   * (their throwaway certificate). Production trusts the system store only.
   */
  readonly trustedCertificates?: string;
}

export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const ca = options.trustedCertificates;
  const dispatcher = new Agent({
    connect: ca === undefined ? {} : { ca: [ca] },
    // Dataverse holds a connection for the whole request; leave timeouts to the callers.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const send = (url: string, init?: RequestInit): Promise<Response> => fetch(url, { ...init, dispatcher });

  const msalCall = async <T>(method: 'GET' | 'POST', url: string, request?: NetworkRequestOptions, timeoutMs?: number): Promise<NetworkResponse<T>> => {
    const response = await send(url, {
      method,
      ...(request?.headers === undefined ? {} : { headers: request.headers }),
      ...(request?.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(timeoutMs ?? SIGN_IN_TIMEOUT_MS),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      // MSAL parses error bodies itself; a non-JSON body (a proxy's HTML page) becomes {}.
      body: (parseJsonOrUndefined(text) ?? {}) as T,
    };
  };

  return {
    fetch: send,
    msalNetwork: {
      sendGetRequestAsync: <T>(url: string, request?: NetworkRequestOptions, timeout?: number) => msalCall<T>('GET', url, request, timeout),
      sendPostRequestAsync: <T>(url: string, request?: NetworkRequestOptions) => msalCall<T>('POST', url, request),
    },
    close: () => dispatcher.close(),
  };
}

export function parseJsonOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
