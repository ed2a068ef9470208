import { parseStorageConnectionString } from './parse-connection-string';

/** The intake key of local runs (`npm run local`): published in this repository, so never valid where leads are real. */
export const LOCAL_INTAKE_KEY = 'local-intake-key-not-a-secret';

/**
 * What a local run may do and a deployment must not: on App Service (which sets
 * WEBSITE_SITE_NAME), a bot without its registration would answer nobody but the machine, a
 * storage emulator's connection string would keep leads nowhere durable, and the local key is
 * public. Each problem names the setting and the fix; no value is quoted.
 */
export function hostedProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  if (!present(env.WEBSITE_SITE_NAME)) return [];
  const problems: string[] = [];
  if (!present(env.BOT_ID)) {
    problems.push('BOT_ID is missing: on App Service the bot needs its Azure Bot registration (BOT_ID, and BOT_TYPE with its sign-in); `atk provision` writes them. Without it the bot answers this machine only');
  }
  for (const name of ['STORAGE_CONNECTION_STRING', 'LEAD_TABLE_CONNECTION_STRING'] as const) {
    const value = env[name];
    if (present(value) && isStorageEmulator(value)) {
      problems.push(`${name} points at the local storage emulator (Azurite, or plain http): on App Service use the storage account's connection string, from its "Access keys" page`);
    }
  }
  if (env.LEAD_INTAKE_KEY?.trim() === LOCAL_INTAKE_KEY) {
    problems.push('LEAD_INTAKE_KEY is the local runs\' key, which anyone can read in this repository: generate one of your own with: node -e "console.log(require(\'crypto\').randomBytes(24).toString(\'base64url\'))"');
  }
  return problems;
}

/** Azurite's development account, or any endpoint spoken to over plain http. */
function isStorageEmulator(connectionString: string): boolean {
  const { account } = parseStorageConnectionString(connectionString);
  if (account === undefined) return false;
  return account.accountName === 'devstoreaccount1' || [account.tableEndpoint, account.queueEndpoint].some((endpoint) => endpoint.startsWith('http:'));
}

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}
