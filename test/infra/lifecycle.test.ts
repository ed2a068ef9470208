import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { parse as parseEnv } from 'dotenv';

const ROOT = join(__dirname, '..', '..');
const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'schemas', 'm365agents-v1.13.yaml.schema.json'), 'utf8')) as object;
// As the toolkit itself compiles it (its schema has union types).
const validate = new Ajv({ allowUnionTypes: true, allErrors: true }).compile(SCHEMA);

interface Step {
  uses: string;
  with?: Record<string, unknown>;
  writeToEnvironmentFile?: Record<string, string>;
}
type Lifecycle = Record<'provision' | 'deploy' | 'publish', Step[] | undefined> & { version: string };

function lifecycle(file: string): { text: string; yml: Lifecycle } {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return { text, yml: parse(text) as Lifecycle };
}

function parameterFiles(): string[] {
  return readdirSync(join(ROOT, 'infra')).filter((name) => /^azure\.parameters\..*\.json$/.test(name));
}

/** Every ${{NAME}} a file uses. */
function placeholders(text: string): Set<string> {
  return new Set([...text.matchAll(/\$\{\{([A-Z0-9_]+)\}\}/g)].map((m) => m[1] ?? ''));
}

describe.each([
  ['m365agents.yml', 'dev'],
  ['m365agents.local.yml', 'local'],
])('%s', (file, envName) => {
  const { text, yml } = lifecycle(file);

  it('is valid against the Agents Toolkit schema of its version', () => {
    expect(yml.version).toBe('v1.13');
    expect(text).toContain('$schema=https://aka.ms/m365-agents-toolkits/v1.13/yaml.schema.json');
    const valid = validate(yml);
    // The schema's step lists are anyOf: on failure, name the steps rather than hundreds of branches.
    expect(valid ? [] : (validate.errors ?? []).map((e) => e.instancePath).filter((p, i, all) => all.indexOf(p) === i).slice(0, 5)).toEqual([]);
  });

  it(`reads only variables env/.env.${envName} declares, its steps write, or SECRET_ ones from the .user file`, () => {
    const declared = new Set(Object.keys(parseEnv(readFileSync(join(ROOT, 'env', `.env.${envName}`)))));
    const written = new Set([...text.matchAll(/^\s+\w+: ([A-Z][A-Z0-9_]*)$/gm)].map((m) => m[1] ?? ''));
    const used = [
      ...placeholders(text),
      ...placeholders(readFileSync(join(ROOT, 'appPackage', 'manifest.json'), 'utf8')),
      ...(envName === 'dev' ? parameterFiles().flatMap((file) => [...placeholders(readFileSync(join(ROOT, 'infra', file), 'utf8'))]) : []),
    ];
    expect(used.filter((name) => !declared.has(name) && !written.has(name) && !name.startsWith('SECRET_'))).toEqual([]);
  });

  it('builds the app package from the manifest the repository has', () => {
    const zip = yml.provision?.find((s) => s.uses === 'teamsApp/zipAppPackage');
    expect(zip?.with?.manifestPath).toBe('./appPackage/manifest.json');
    expect(existsSync(join(ROOT, 'appPackage', 'manifest.json'))).toBe(true);
  });
});

describe('the Azure lifecycle (m365agents.yml)', () => {
  const { yml } = lifecycle('m365agents.yml');

  it('checks the settings before anything is made, and records the Teams app\'s tenant', () => {
    const steps = yml.provision ?? [];
    expect(steps[0]).toMatchObject({ uses: 'cli/runNpmCommand', with: { args: 'run check:deployment' } });
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['check:deployment']).toBe('tsx scripts/check-deployment.ts');
    expect(steps[1]).toMatchObject({ uses: 'teamsApp/create', writeToEnvironmentFile: { teamsAppId: 'TEAMS_APP_ID', teamsAppTenantId: 'TEAMS_APP_TENANT_ID' } });
  });

  it('deploys infra/ with the parameters file of the chosen paths, one for each', () => {
    const arm = yml.provision?.find((s) => s.uses === 'arm/deploy');
    const templates = arm?.with?.templates as { path: string; parameters: string }[];
    expect(templates.map((t) => t.parameters)).toEqual(['./infra/azure.parameters.${{DYNAMICS_AUTH}}.${{BOT_TYPE}}.json']);
    for (const t of templates) expect(existsSync(join(ROOT, t.path))).toBe(true);
    expect(parameterFiles().sort()).toEqual(
      ['aad', 'o365'].flatMap((auth) => ['SingleTenant', 'UserAssignedMsi'].map((bot) => `azure.parameters.${auth}.${bot}.json`)).sort(),
    );
  });

  it('ends provisioning by asking App Service to read the Key Vault references again', () => {
    const last = yml.provision?.at(-1);
    expect(last?.uses).toBe('script');
    expect(last?.with?.run).toBe(
      'az rest --method post --url "${{BOT_AZURE_APP_SERVICE_RESOURCE_ID}}/config/configreferences/appsettings/refresh?api-version=2022-03-01"',
    );
    // The id comes from the template's outputs, written back before this step runs.
    expect(readFileSync(join(ROOT, 'infra', 'azure.bicep'), 'utf8')).toMatch(/^output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp\.id$/m);
  });

  it('zip-deploys the folder `npm run stage` fills, to the App Service the template outputs', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const steps = yml.deploy ?? [];
    expect(steps.map((s) => s.uses)).toEqual(['cli/runNpmCommand', 'cli/runNpmCommand', 'azureAppService/zipDeploy']);
    expect(steps[1]?.with?.args).toBe('run stage');
    expect(scripts.stage).toBeDefined();
    expect(steps[2]?.with?.artifactFolder).toBe('.deploy');
    const bicep = readFileSync(join(ROOT, 'infra', 'azure.bicep'), 'utf8');
    expect(bicep).toMatch(/^output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp\.id$/m);
    expect(steps[2]?.with?.resourceId).toBe('${{BOT_AZURE_APP_SERVICE_RESOURCE_ID}}');
  });

  it('publishes the package provision built', () => {
    expect(yml.publish?.map((s) => s.uses)).toContain('teamsApp/publishAppPackage');
  });
});

describe('the schema check itself', () => {
  it('refuses a lifecycle file with a mistake in a step', () => {
    const { yml } = lifecycle('m365agents.local.yml');
    const broken = structuredClone(yml);
    const aad = broken.provision?.find((s) => s.uses === 'aadApp/create');
    if (aad?.with !== undefined) aad.with.signInAudience = 'SingleTenant';
    expect(validate(broken)).toBe(false);
  });
});
