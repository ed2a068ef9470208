/**
 * `npm run check:deployment [-- <env>]` (default dev), and the first step of `atk provision`: before
 * anything is made in Azure or Teams, checks the values the chosen paths need (DYNAMICS_AUTH,
 * BOT_TYPE), the way the Agents Toolkit will use them, and the settings the bot will start with.
 *
 * The toolkit fills a parameters file's `${{NAME}}` only from a non-empty value, then refuses the
 * whole file if any placeholder is left ("The following environment variables are not defined"),
 * and pastes each value into the JSON text as it is. So each path has a parameters file naming
 * only what it needs, and this check names, in plain words, each value that path still lacks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { readEnvFiles } from '../src/config/read-env-files';
import { loadSettings, SettingsError } from '../src/config/settings';
import { fillManifest } from './app-package/package-app';

type Env = Readonly<Record<string, string | undefined>>;

const ROOT = join(__dirname, '..');

/** The Agents Toolkit's placeholder (fx-core `expandEnvironmentVariable`): spaces inside are allowed. */
const PLACEHOLDER = /\$\{\{ *([a-zA-Z_][a-zA-Z0-9_]*) *\}\}/g;

/**
 * Fills placeholders exactly as the Agents Toolkit does: each one whose variable is non-empty is
 * replaced in the raw text, through String.replace (so a `$&` in a value is expanded, as there);
 * the others stay. APP_NAME_SUFFIX is the toolkit's one exception: set but empty, it fills as ''.
 */
export function expandLikeToolkit(content: string, env: Env): string {
  let expanded = content;
  for (const [placeholder, name = ''] of content.matchAll(PLACEHOLDER)) {
    const value = env[name];
    if (value || (name === 'APP_NAME_SUFFIX' && value !== undefined)) expanded = expanded.replace(placeholder, value);
  }
  return expanded;
}

/** The variables whose placeholders are still in `content`, once each. */
export function placeholdersLeft(content: string): string[] {
  return [...new Set([...content.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
}

export const DYNAMICS_AUTHS = ['aad', 'o365'] as const;
export const BOT_TYPES = ['UserAssignedMsi', 'SingleTenant'] as const;

/** The parameters file of a path, as m365agents.yml names it from DYNAMICS_AUTH and BOT_TYPE. */
export const PARAMETERS_FILE = './infra/azure.parameters.${{DYNAMICS_AUTH}}.${{BOT_TYPE}}.json';

/** What each value a parameters file may need is, and where to find it. */
export const VALUE_HELP: Readonly<Record<string, string>> = {
  RESOURCE_SUFFIX: 'up to 9 letters or digits that make the resource names yours (the site becomes leadbot<suffix>.azurewebsites.net; left empty, the toolkit picks 6 random ones)',
  APP_NAME_SUFFIX: 'a word added to the bot\'s name in Teams, such as "dev"',
  SECRET_LEAD_INTAKE_KEY: `the ?code= Partner Center posts leads with: node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))"`,
  DYNAMICS_URL: 'your Dynamics 365 address, like https://contoso.crm4.dynamics.com',
  DYNAMICS_TENANT_ID: 'the Directory (tenant) ID Dynamics signs in through (Microsoft Entra admin center › Overview)',
  DYNAMICS_CLIENT_ID: "the Azure AD app's Application (client) ID (its Overview page)",
  SECRET_DYNAMICS_CLIENT_SECRET: 'the Value of a client secret of that app (Certificates & secrets)',
  DYNAMICS_USERNAME: "the Office 365 user's sign-in name, like leads@contoso.com",
  SECRET_DYNAMICS_PASSWORD: "that user's current password",
  LEAD_CONTACTS: 'the sales contact list, e-mail addresses separated by semicolons (as in Partner Center)',
  ADMINS: 'who may run admin commands: e-mail addresses or Azure AD object ids, separated by semicolons',
  BOT_ID: "the bot app registration's Application (client) ID",
  BOT_TENANT_ID: 'the Directory (tenant) ID that app registration lives in',
  SECRET_BOT_PASSWORD: 'the Value of a client secret of that app registration',
  TEAMS_APP_TENANT_ID: 'written by provision (teamsApp/create): the Microsoft 365 tenant you signed in to with `atk auth login m365`',
};

/** Which choice makes a value needed, to say why it is asked for. */
const NEEDED_FOR: Readonly<Record<string, string>> = {
  DYNAMICS_CLIENT_ID: 'DYNAMICS_AUTH=aad',
  SECRET_DYNAMICS_CLIENT_SECRET: 'DYNAMICS_AUTH=aad',
  DYNAMICS_USERNAME: 'DYNAMICS_AUTH=o365',
  SECRET_DYNAMICS_PASSWORD: 'DYNAMICS_AUTH=o365',
  BOT_ID: 'BOT_TYPE=SingleTenant',
  BOT_TENANT_ID: 'BOT_TYPE=SingleTenant',
  SECRET_BOT_PASSWORD: 'BOT_TYPE=SingleTenant',
};

/**
 * The bot setting each template parameter becomes (infra/azure.bicep's app settings); the rest
 * the template makes itself, given here as stand-ins of the right shape.
 */
export const SETTING_OF_PARAMETER: Readonly<Record<string, string>> = {
  leadIntakeKey: 'LEAD_INTAKE_KEY',
  dynamicsUrl: 'DYNAMICS_URL',
  dynamicsAuth: 'DYNAMICS_AUTH',
  dynamicsTenantId: 'DYNAMICS_TENANT_ID',
  dynamicsClientId: 'DYNAMICS_CLIENT_ID',
  dynamicsClientSecret: 'DYNAMICS_CLIENT_SECRET',
  dynamicsUsername: 'DYNAMICS_USERNAME',
  dynamicsPassword: 'DYNAMICS_PASSWORD',
  leadContacts: 'LEAD_CONTACTS',
  admins: 'ADMINS',
  teamsTenantId: 'TEAMS_TENANT_ID',
  botType: 'BOT_TYPE',
  botAppId: 'BOT_ID',
  botTenantId: 'BOT_TENANT_ID',
  botPassword: 'BOT_PASSWORD',
  outlookSender: 'OUTLOOK_SENDER',
  outlookDelivery: 'OUTLOOK_DELIVERY',
  outlookOriginatorId: 'OUTLOOK_ORIGINATOR_ID',
  teamsAppCatalogId: 'TEAMS_APP_CATALOG_ID',
};
/** Values of the right shape for what the bot needs but this check cannot know yet. */
const STAND_IN = {
  /** The template makes the storage account, the site's address, and a managed-identity bot's id and tenant. */
  STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=leadbotstore;AccountKey=c3RhbmQtaW4=;EndpointSuffix=core.windows.net',
  PUBLIC_URL: 'https://leadbot.azurewebsites.net',
  GUID: '00000000-0000-4000-8000-000000000000',
  /** A secret the toolkit keeps encrypted, when this runs by hand: present, not readable. */
  SECRET: 'a'.repeat(24),
};

/** Instances each App Service tier runs at most (B1–B3, S1–S3, P0v3–P3v3). */
const MAX_INSTANCES: Readonly<Record<string, number>> = { B: 3, S: 10, P: 30 };

/** The toolkit keeps SECRET_ values encrypted in the .user file; it decrypts them for its steps only. */
const ENCRYPTED = /^crypto_/;

/**
 * Every problem that would stop provisioning or the bot's first start, each naming the value and
 * the fix; empty when the deployment can go ahead. `env` is what the toolkit gives its steps
 * (env/.env.<name>, its .user file, the process environment).
 */
export function checkDeployment(env: Env, envName = 'dev', root = ROOT): string[] {
  const auth = env.DYNAMICS_AUTH ?? '';
  const botType = env.BOT_TYPE ?? '';
  const problems: string[] = [];
  if (!(DYNAMICS_AUTHS as readonly string[]).includes(auth)) {
    problems.push(`DYNAMICS_AUTH "${auth}" must be "aad" (Azure AD app, recommended) or "o365" (Office 365 user), in env/.env.${envName}`);
  }
  if (!(BOT_TYPES as readonly string[]).includes(botType)) {
    problems.push(`BOT_TYPE "${botType}" must be "UserAssignedMsi" (a managed identity provision makes) or "SingleTenant" (your own app registration), in env/.env.${envName}`);
  }
  if (problems.length > 0) return problems;

  const file = join(root, expandLikeToolkit(PARAMETERS_FILE, env));
  const template = readFileSync(file, 'utf8');
  // Values that provisioning writes before it deploys the template are there by then; the
  // toolkit itself picks a RESOURCE_SUFFIX (6 random letters and digits) when it is empty.
  const provisioned = Object.fromEntries(
    [...writtenBeforeDeploy(root).map((name) => [name, STAND_IN.GUID] as const), ['RESOURCE_SUFFIX', 'a1b2c3'] as const].filter(([name]) => !env[name]),
  );
  const encrypted = Object.fromEntries(
    Object.entries(env)
      .filter(([name, value]) => name.startsWith('SECRET_') && ENCRYPTED.test(value ?? ''))
      .map(([name]) => [name, STAND_IN.SECRET]),
  );
  const filled = { ...env, ...encrypted, ...provisioned };

  const left = new Set(placeholdersLeft(expandLikeToolkit(template, filled)));
  for (const name of placeholdersLeft(template)) {
    const value = filled[name] ?? '';
    if (left.has(name) && value === '') {
      // The toolkit would leave the placeholder and refuse the whole file.
      const where = `env/.env.${envName}${name.startsWith('SECRET_') ? '.user' : ''}`;
      const why = NEEDED_FOR[name] === undefined ? '' : ` (needed with ${NEEDED_FOR[name]})`;
      problems.push(`${name} is empty${why}: set it in ${where} to ${VALUE_HELP[name] ?? 'a value'}`);
    } else if (/["\\\p{Cc}]|\$[$&`']/u.test(value)) {
      // Pasted into JSON text as it is, by String.replace with a string: a quote or backslash
      // breaks the file, and $$, $&, $` and $' are rewritten. Never echo the value: it may be a secret.
      problems.push(`${name} has a quote, backslash, control character or "$" sequence, which the toolkit cannot pass into the parameters file; choose a value without them`);
    }
  }
  // The app package is built after the Azure deployment: its values are checked now, not then.
  const deployed = { TEAMS_APP_ID: STAND_IN.GUID, BOT_ID: filled.BOT_ID || STAND_IN.GUID, BOT_DOMAIN: 'leadbot.azurewebsites.net' };
  problems.push(...fillManifest({ ...filled, ...deployed }).problems.map((p) => `the Teams app package: ${p} (env/.env.${envName})`));
  const suffix = env.RESOURCE_SUFFIX;
  if (suffix && !/^[a-z0-9]{1,9}$/i.test(suffix)) {
    problems.push(`RESOURCE_SUFFIX "${suffix}" must be 1 to 9 letters or digits (storage account names allow nothing else)`);
  }
  if (problems.length > 0) return problems;

  const parameters = Object.fromEntries(
    Object.entries((JSON.parse(expandLikeToolkit(template, filled)) as { parameters: Record<string, { value: unknown }> }).parameters).map(([name, p]) => [name, p.value]),
  );
  const sku = typeof parameters.webAppSku === 'string' ? parameters.webAppSku : 'B1';
  const instances = Number(parameters.instanceCount ?? 2);
  const max = MAX_INSTANCES[sku.charAt(0)];
  if (max !== undefined && instances > max) {
    problems.push(`instanceCount ${instances} in ${relative(file, root)} is more than a ${sku} plan runs (${max}); lower it, or choose a larger webAppSku (S1 runs 10, P0v3 30)`);
  }
  problems.push(...settingsProblems(parameters, botType));
  return problems;
}

/** What the bot would refuse at its first start, given the settings the template will set. */
function settingsProblems(parameters: Readonly<Record<string, unknown>>, botType: string): string[] {
  // On App Service (WEBSITE_SITE_NAME), where the bot refuses what only a local run may use.
  const settings: Record<string, string> = { STORAGE_CONNECTION_STRING: STAND_IN.STORAGE_CONNECTION_STRING, PUBLIC_URL: STAND_IN.PUBLIC_URL, WEBSITE_SITE_NAME: 'leadbot' };
  if (botType === 'UserAssignedMsi') Object.assign(settings, { BOT_ID: STAND_IN.GUID, BOT_TENANT_ID: STAND_IN.GUID });
  for (const [parameter, value] of Object.entries(parameters)) {
    const setting = SETTING_OF_PARAMETER[parameter];
    if (setting !== undefined) settings[setting] = String(value);
  }
  try {
    loadSettings(settings);
    return [];
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return error.problems.map((p) => `the bot would not start: ${p}`);
  }
}

/** The variables m365agents.yml's provision steps write before arm/deploy runs. */
function writtenBeforeDeploy(root: string): string[] {
  const steps = (parse(readFileSync(join(root, 'm365agents.yml'), 'utf8')) as { provision: { uses: string; writeToEnvironmentFile?: Record<string, string> }[] }).provision;
  const deploy = steps.findIndex((s) => s.uses === 'arm/deploy');
  return steps.slice(0, deploy).flatMap((s) => Object.values(s.writeToEnvironmentFile ?? {}));
}

function relative(file: string, root: string): string {
  return file.startsWith(root) ? file.slice(root.length + 1) : file;
}

if (require.main === module) {
  // Run by the toolkit, the environment is in process.env already (secrets decrypted); by hand,
  // read env/.env.<name> and its .user file as the toolkit would.
  const envName = process.argv[2] ?? process.env.TEAMSFX_ENV ?? 'dev';
  const envDir = join(ROOT, 'env');
  const env = existsSync(join(envDir, `.env.${envName}`)) ? readEnvFiles(envName, process.env, envDir) : process.env;
  const problems = checkDeployment(env, envName);
  if (problems.length > 0) {
    process.stderr.write(`The deployment cannot go ahead yet (env/.env.${envName}):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`The deployment settings in env/.env.${envName} are complete (DYNAMICS_AUTH=${env.DYNAMICS_AUTH ?? ''}, BOT_TYPE=${env.BOT_TYPE ?? ''}).\n`);
}
