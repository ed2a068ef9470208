import { connectionStringFields } from './connection-string-fields';

/** The parts of an Azure Storage connection string this bot needs. */
export interface StorageAccount {
  readonly accountName: string;
  readonly tableEndpoint: string;
  readonly queueEndpoint: string;
}

/** Azurite's documented, public development account (not a secret). */
const DEVELOPMENT_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;';

/**
 * Checks a connection string well enough to say what is wrong with it at start-up, instead of
 * at the first request. Returns the account and endpoints, or a problem in words.
 * (The SDK clients parse the string again; this never logs or returns the key.)
 */
export function parseStorageConnectionString(
  connectionString: string,
): { account: StorageAccount; problem?: undefined } | { account?: undefined; problem: string } {
  const parts = connectionStringFields(expandConnectionString(connectionString));
  if (parts === undefined) {
    return { problem: 'is not a connection string; copy it whole from the storage account\'s "Access keys" page' };
  }
  const accountName = parts.get('accountname');
  const hasCredential = parts.has('accountkey') || parts.has('sharedaccesssignature');
  if (accountName === undefined || !hasCredential) {
    return {
      problem:
        'needs AccountName and AccountKey (or SharedAccessSignature); copy it whole from the storage account\'s "Access keys" page',
    };
  }
  const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
  const suffix = parts.get('endpointsuffix') ?? 'core.windows.net';
  const tableEndpoint = parts.get('tableendpoint') ?? `${protocol}://${accountName}.table.${suffix}`;
  const queueEndpoint = parts.get('queueendpoint') ?? `${protocol}://${accountName}.queue.${suffix}`;
  for (const endpoint of [tableEndpoint, queueEndpoint]) {
    if (!URL.canParse(endpoint)) return { problem: `has an endpoint that is not a URL ("${endpoint}")` };
  }
  return { account: { accountName, tableEndpoint, queueEndpoint } };
}

/** The connection string with UseDevelopmentStorage expanded, as the SDK clients need it. */
export function expandConnectionString(connectionString: string): string {
  return /^\s*UseDevelopmentStorage=true;?\s*$/i.test(connectionString) ? DEVELOPMENT_STORAGE : connectionString;
}
