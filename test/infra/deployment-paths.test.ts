import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseEnv } from 'dotenv';
import { parse } from 'yaml';
import { BOT_TYPES, DYNAMICS_AUTHS, VALUE_HELP, checkDeployment, expandLikeToolkit, placeholdersLeft } from '../../scripts/check-deployment';
import { LOCAL_INTAKE_KEY } from '../../src/config/hosted-checks';

// Each documented path, provisioned as the Agents Toolkit would from the deployment guide's own
// instructions (docs/deploy.md): env/.env.dev as committed, plus exactly the values the guide's
// table says the path needs. No Azure or toolkit reaches this machine; the toolkit's part is its documented
// behaviour (fill only non-empty values, refuse leftovers), tested on its own below.
const ROOT = join(__dirname, '..', '..');
const read = (...path: string[]): string => readFileSync(join(ROOT, ...path), 'utf8');

type Env = Record<string, string | undefined>;
type Auth = (typeof DYNAMICS_AUTHS)[number];
type BotType = (typeof BOT_TYPES)[number];

interface Step {
  uses: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}
const provisionSteps = (parse(read('m365agents.yml')) as { provision: Step[] }).provision;

/** The deployment guide's table of values: name, file, and when it is needed. */
const guide = read('docs', 'deploy.md');
const deploySection = guide.slice(guide.indexOf('## Deploy to Azure'), guide.indexOf('## Build and run for production'));
const table = [...deploySection.matchAll(/^ *\| `([A-Z0-9_]+)` \| `([^`]+)` \| ([^|]+?) \|/gm)].map((m) => ({
  name: m[1] ?? '',
  file: m[2] ?? '',
  needed: (m[3] ?? '').replace(/`/g, ''),
}));

const GUIDS = {
  tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  app: '0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0',
  bot: '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b',
  subscription: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
};
/** Values as a publisher would type them; secrets are canaries that no message may contain. */
const EXAMPLE: Readonly<Record<string, string>> = {
  AZURE_SUBSCRIPTION_ID: GUIDS.subscription,
  AZURE_RESOURCE_GROUP_NAME: 'rg-leadbot',
  RESOURCE_SUFFIX: 'contoso',
  DYNAMICS_URL: 'https://contoso.crm4.dynamics.com',
  DYNAMICS_TENANT_ID: GUIDS.tenant,
  DYNAMICS_CLIENT_ID: GUIDS.app,
  SECRET_DYNAMICS_CLIENT_SECRET: 'CANARY~client.secret_0123456789',
  DYNAMICS_USERNAME: 'leads@contoso.com',
  SECRET_DYNAMICS_PASSWORD: 'CANARY-password!2026',
  SECRET_LEAD_INTAKE_KEY: 'CANARYintakekey_0123456789abcdef',
  LEAD_CONTACTS: 'jimin@contoso.com; minho@contoso.com',
  ADMINS: 'it-admin@contoso.com',
  BOT_ID: GUIDS.bot,
  BOT_TENANT_ID: GUIDS.tenant,
  SECRET_BOT_PASSWORD: 'CANARY~bot.secret_0123456789',
  PUBLISHER_NAME: 'Contoso',
  PUBLISHER_WEBSITE_URL: 'https://contoso.example',
  PUBLISHER_PRIVACY_URL: 'https://contoso.example/privacy',
  PUBLISHER_TERMS_URL: 'https://contoso.example/terms',
};
const CANARIES = Object.entries(EXAMPLE).filter(([name]) => name.startsWith('SECRET_')).map(([, value]) => value);

const PATHS = DYNAMICS_AUTHS.flatMap((auth) => BOT_TYPES.map((bot) => [auth, bot] as const));

function isNeeded(needed: string, auth: Auth, bot: BotType): boolean {
  return needed === 'always' || needed === `DYNAMICS_AUTH=${auth}` || needed === `BOT_TYPE=${bot}`;
}

/** env/.env.dev as committed, and the guide's values for this path, as the toolkit gives them to its steps. */
function envFor(auth: Auth, bot: BotType): Env {
  const env: Env = parseEnv(read('env', '.env.dev'));
  for (const row of table.filter((r) => isNeeded(r.needed, auth, bot) || r.needed === 'optional')) {
    env[row.name] = row.name === 'DYNAMICS_AUTH' ? auth : row.name === 'BOT_TYPE' ? bot : EXAMPLE[row.name];
  }
  return env;
}

/**
 * `atk provision` as far as it concerns values: each step's placeholders filled as the toolkit
 * fills them, what the steps write added to the environment, and the placeholders each step
 * would refuse. Returns the leftovers and the parameters the template would get.
 */
function provision(start: Env): { refused: string[]; parameters: Record<string, unknown>; env: Env } {
  // Before the steps, the toolkit gives an empty RESOURCE_SUFFIX 6 random characters.
  const env: Env = { ...start, RESOURCE_SUFFIX: start.RESOURCE_SUFFIX || 'f3a9c1' };
  const refused: string[] = [];
  let parameters: Record<string, unknown> = {};
  for (const step of provisionSteps) {
    const args = expandLikeToolkit(JSON.stringify(step.with ?? {}), env);
    refused.push(...placeholdersLeft(args));
    if (step.uses === 'arm/deploy') {
      const [template] = (JSON.parse(args) as { templates: { parameters: string }[] }).templates;
      const text = expandLikeToolkit(read(template?.parameters ?? ''), env);
      refused.push(...placeholdersLeft(text));
      if (placeholdersLeft(text).length === 0) {
        parameters = Object.fromEntries(Object.entries((JSON.parse(text) as { parameters: Record<string, { value: unknown }> }).parameters).map(([k, v]) => [k, v.value]));
      }
      for (const [, output] of read('infra', 'azure.bicep').matchAll(/^output (\w+) /gm)) env[output ?? ''] ||= `${output}-from-azure`;
      env.BOT_ID = env.BOT_TYPE === 'SingleTenant' ? env.BOT_ID : GUIDS.bot;
      env.BOT_DOMAIN = 'leadbotcontoso.azurewebsites.net';
    }
    if (step.uses === 'teamsApp/validateManifest') refused.push(...placeholdersLeft(expandLikeToolkit(read('appPackage', 'manifest.json'), env)));
    for (const name of Object.values(step.writeToEnvironmentFile ?? {})) env[name] ||= name.endsWith('_ID') ? GUIDS.tenant : `${name}-written`;
  }
  return { refused: [...new Set(refused)], parameters, env };
}

/** Parameters of infra/azure.bicep that have no default. */
const requiredParameters = [...read('infra', 'azure.bicep').matchAll(/^param (\w+) \w+$/gm)].map((m) => m[1] ?? '');

describe('the deployment guide\'s table of values', () => {
  it('lists every value a path may need, with its file, once', () => {
    expect(table.length).toBeGreaterThan(15);
    expect(new Set(table.map((r) => r.name)).size).toBe(table.length);
    for (const row of table) {
      expect([row.name, row.file]).toEqual([row.name, row.name.startsWith('SECRET_') ? 'env/.env.dev.user' : 'env/.env.dev']);
      expect([row.name, ['always', 'optional', 'DYNAMICS_AUTH=aad', 'DYNAMICS_AUTH=o365', 'BOT_TYPE=SingleTenant'].includes(row.needed)]).toEqual([row.name, true]);
      if (!['DYNAMICS_AUTH', 'BOT_TYPE'].includes(row.name)) expect([row.name, EXAMPLE[row.name]]).toEqual([row.name, expect.any(String)]);
    }
  });
});

describe.each(PATHS)('provisioning with DYNAMICS_AUTH=%s and BOT_TYPE=%s, from the deployment guide', (auth, bot) => {
  it('fills every placeholder of every step from the values the deployment guide names, and gives the template each required parameter', () => {
    const { refused, parameters } = provision(envFor(auth, bot));
    expect(refused).toEqual([]);
    expect(requiredParameters.filter((name) => !(name in parameters))).toEqual([]);
    expect(parameters).toMatchObject({ dynamicsAuth: auth, botType: bot, teamsTenantId: GUIDS.tenant, resourceBaseName: 'leadbotcontoso' });
  });

  it('needs each value the deployment guide marks as needed on this path, and no other', () => {
    const needed = table.filter((r) => isNeeded(r.needed, auth, bot)).map((r) => r.name);
    for (const name of needed.filter((n) => !['DYNAMICS_AUTH', 'BOT_TYPE'].includes(n))) {
      expect([name, provision({ ...envFor(auth, bot), [name]: '' }).refused]).toEqual([name, [name]]);
    }
    // A value the guide says this path does not need stays empty without harm.
    const unneeded = table.filter((r) => !isNeeded(r.needed, auth, bot)).map((r) => r.name);
    expect(unneeded.length).toBeGreaterThan(0);
    for (const name of unneeded) expect([name, provision({ ...envFor(auth, bot), [name]: '' }).refused]).toEqual([name, []]);
  });

  it('passes npm run check:deployment, which names each missing value, its file and what to put there', () => {
    expect(checkDeployment(envFor(auth, bot))).toEqual([]);
    for (const row of table.filter((r) => isNeeded(r.needed, auth, bot) && r.name in VALUE_HELP)) {
      const problems = checkDeployment({ ...envFor(auth, bot), [row.name]: '' });
      expect(problems).toEqual([expect.stringContaining(`${row.name} is empty`)]);
      expect(problems[0]).toContain(`set it in ${row.file} to ${VALUE_HELP[row.name] ?? ''}`);
    }
  });

  it('takes no expiry date: an old env file that still has them provisions the same', () => {
    const withDates = { ...envFor(auth, bot), DYNAMICS_CLIENT_SECRET_EXPIRES: '2027-03-31', DYNAMICS_PASSWORD_CHANGED: '2026-11-01', BOT_PASSWORD_EXPIRES: '2027-01-31' };
    expect(provision(withDates).parameters).toEqual(provision(envFor(auth, bot)).parameters);
  });
});

describe('npm run check:deployment', () => {
  const good = envFor('aad', 'UserAssignedMsi');
  const all = (problems: string[]): string => problems.join('\n');

  it('refuses a path that does not exist, naming the setting and its choices', () => {
    expect(checkDeployment({ ...good, BOT_TYPE: 'Msi' })).toEqual([expect.stringMatching(/^BOT_TYPE "Msi" must be "UserAssignedMsi" .* or "SingleTenant"/)]);
    expect(checkDeployment({ ...good, DYNAMICS_AUTH: 'AAD' })).toEqual([expect.stringMatching(/^DYNAMICS_AUTH "AAD" must be "aad"/)]);
  });

  it('checks the Teams app package\'s values before the Azure deployment, not after it', () => {
    expect(checkDeployment({ ...good, PUBLISHER_PRIVACY_URL: '', PUBLISHER_TERMS_URL: 'contoso.example/terms' })).toEqual([
      'the Teams app package: PUBLISHER_PRIVACY_URL is missing: your privacy statement, https://… (env/.env.dev)',
      'the Teams app package: PUBLISHER_TERMS_URL "contoso.example/terms" is not valid: your terms of use, https://… (env/.env.dev)',
    ]);
  });

  it('says why a single-tenant bot asks for its app registration', () => {
    const problems = checkDeployment({ ...good, BOT_TYPE: 'SingleTenant' });
    expect(problems).toEqual([
      expect.stringMatching(/^BOT_ID is empty \(needed with BOT_TYPE=SingleTenant\): set it in env\/\.env\.dev to /),
      expect.stringMatching(/^BOT_TENANT_ID is empty \(needed with BOT_TYPE=SingleTenant\)/),
      expect.stringMatching(/^SECRET_BOT_PASSWORD is empty \(needed with BOT_TYPE=SingleTenant\): set it in env\/\.env\.dev\.user/),
    ]);
  });

  it('refuses values the toolkit would break in the JSON, without repeating them', () => {
    for (const bad of ['CANARY"quote', 'CANARY\\backslash', 'CANARY$&dollar', 'CANARY\ttab']) {
      const problems = checkDeployment({ ...good, SECRET_DYNAMICS_CLIENT_SECRET: bad });
      expect(problems).toEqual([expect.stringMatching(/^SECRET_DYNAMICS_CLIENT_SECRET has a quote, backslash, control character or "\$" sequence/)]);
      expect(all(problems)).not.toContain('CANARY');
    }
  });

  it('checks the values as the bot will at its first start, in the bot\'s words', () => {
    const problems = checkDeployment({ ...good, LEAD_CONTACTS: 'sales team', DYNAMICS_URL: 'contoso.crm4.dynamics.com', SECRET_LEAD_INTAKE_KEY: 'CANARY' });
    expect(all(problems)).toContain('the bot would not start: LEAD_CONTACTS has "sales team", which is not an e-mail address');
    expect(all(problems)).toContain('the bot would not start: DYNAMICS_URL "contoso.crm4.dynamics.com" is not a URL');
    expect(all(problems)).toContain('the bot would not start: LEAD_INTAKE_KEY is not usable');
    expect(all(problems)).not.toContain('CANARY');
  });

  it("refuses the local runs' intake key, which is public, as the bot would on App Service", () => {
    const problems = checkDeployment({ ...good, SECRET_LEAD_INTAKE_KEY: LOCAL_INTAKE_KEY });
    expect(problems).toEqual([expect.stringMatching(/^the bot would not start: LEAD_INTAKE_KEY is the local runs' key/)]);
    expect(all(problems)).not.toContain(LOCAL_INTAKE_KEY);
  });

  it('takes an upper-case RESOURCE_SUFFIX (the template lower-cases names) or none (the toolkit picks one), and refuses other characters', () => {
    expect(checkDeployment({ ...good, RESOURCE_SUFFIX: 'Contoso' })).toEqual([]);
    expect(checkDeployment({ ...good, RESOURCE_SUFFIX: '' })).toEqual([]);
    expect(checkDeployment({ ...good, RESOURCE_SUFFIX: 'con-toso' })).toEqual([expect.stringMatching(/^RESOURCE_SUFFIX "con-toso" must be 1 to 9 letters or digits/)]);
    expect(checkDeployment({ ...good, RESOURCE_SUFFIX: 'contosoleads' })).toHaveLength(1);
  });

  it('refuses more instances than the plan runs', () => {
    const root = mkdtempSync(join(tmpdir(), 'deployment-'));
    cpSync(join(ROOT, 'infra'), join(root, 'infra'), { recursive: true });
    cpSync(join(ROOT, 'm365agents.yml'), join(root, 'm365agents.yml'));
    const file = join(root, 'infra', 'azure.parameters.aad.UserAssignedMsi.json');
    const withPlan = (sku: string, count: number): void => {
      writeFileSync(file, read('infra', 'azure.parameters.aad.UserAssignedMsi.json').replace('"B1"', `"${sku}"`).replace('"value": 2 }', `"value": ${count} }`));
    };
    withPlan('B1', 4);
    expect(checkDeployment(good, 'dev', root)).toEqual([expect.stringMatching(/^instanceCount 4 in infra\/azure\.parameters\.aad\.UserAssignedMsi\.json is more than a B1 plan runs \(3\)/)]);
    withPlan('S1', 4);
    expect(checkDeployment(good, 'dev', root)).toEqual([]);
  });

  it('run by hand, takes secrets the toolkit keeps encrypted as given', () => {
    const encrypted = Object.fromEntries(Object.keys(good).filter((n) => n.startsWith('SECRET_')).map((n) => [n, 'crypto_0a1b2c3d4e5f']));
    expect(checkDeployment({ ...good, ...encrypted })).toEqual([]);
  });

  it('never repeats a secret, whatever it refuses', () => {
    const problems = [...PATHS].flatMap(([auth, bot]) => checkDeployment({ ...envFor(auth, bot), LEAD_CONTACTS: 'x', ADMINS: 'y', DYNAMICS_URL: 'z' }));
    expect(problems.length).toBeGreaterThan(0);
    for (const canary of CANARIES) expect(all(problems)).not.toContain(canary);
  });
});

describe('the toolkit\'s placeholder filling, as this check reproduces it', () => {
  it('fills only non-empty values and leaves the rest for the toolkit to refuse', () => {
    expect(expandLikeToolkit('a ${{SET}} b ${{EMPTY}} c ${{ UNSET }}', { SET: 'x', EMPTY: '' })).toBe('a x b ${{EMPTY}} c ${{ UNSET }}');
    expect(placeholdersLeft('${{EMPTY}} ${{ UNSET }} ${{EMPTY}}')).toEqual(['EMPTY', 'UNSET']);
  });

  it('fills APP_NAME_SUFFIX even when it is set but empty, as the toolkit does for that one name', () => {
    expect(expandLikeToolkit('Bot ${{APP_NAME_SUFFIX}}', { APP_NAME_SUFFIX: '' })).toBe('Bot ');
    expect(expandLikeToolkit('Bot ${{APP_NAME_SUFFIX}}', {})).toBe('Bot ${{APP_NAME_SUFFIX}}');
    expect(checkDeployment({ ...envFor('aad', 'UserAssignedMsi'), APP_NAME_SUFFIX: '' })).toEqual([]);
  });

  it('pastes values into the text as String.replace does, "$&" included', () => {
    // "$&" stands for the text replaced: the placeholder comes back, and the value is lost.
    expect(expandLikeToolkit('"${{V}}"', { V: 'a$&b' })).toBe('"a${{V}}b"');
    // With a string pattern, "$1" and "$<" mean nothing: such a value goes through as it is.
    expect(expandLikeToolkit('"${{V}}"', { V: 'p$1q$<r' })).toBe('"p$1q$<r"');
    expect(checkDeployment({ ...envFor('aad', 'UserAssignedMsi'), SECRET_DYNAMICS_CLIENT_SECRET: 'CANARY$1pass' })).toEqual([]);
    expect(expandLikeToolkit('${{A}}-${{A}}', { A: '1' })).toBe('1-1');
  });
});
