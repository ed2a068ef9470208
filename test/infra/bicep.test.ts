import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTING_NAMES } from '../../src/config/settings';
import { MESSAGES_PATH } from '../../src/teams/messages-route';

// No Bicep compiler reaches this machine (it ships from GitHub and NuGet only), so these tests read
// the template as text: what the bot needs from it, and what must never be in it.
const ROOT = join(__dirname, '..', '..');
const bicep = readFileSync(join(ROOT, 'infra', 'azure.bicep'), 'utf8');
/** Each path's parameters file (infra/azure.parameters.<DYNAMICS_AUTH>.<BOT_TYPE>.json) → its parameters. */
const parameterFiles = readdirSync(join(ROOT, 'infra'))
  .filter((name) => /^azure\.parameters\..*\.json$/.test(name))
  .map((name) => [name, (JSON.parse(readFileSync(join(ROOT, 'infra', name), 'utf8')) as { parameters: Record<string, { value: unknown }> }).parameters] as const);
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** The app settings the template gives the bot: name → the Bicep expression of its value. */
const appSettings = new Map(
  [...(/^resource appSettings 'Microsoft\.Web\/sites\/config@[^']+' = \{[\s\S]*?\n {2}properties: \{\n([\s\S]*?)\n {2}\}\n\}/m.exec(bicep)?.[1] ?? '').matchAll(/^ {4}([A-Z0-9_]+): (.*)$/gm)].map((m) => [
    m[1] ?? '',
    m[2] ?? '',
  ]),
);
/** The settings the template leaves to the bot's defaults, on purpose (the comment above appSettings). */
const defaulted = [...bicep.matchAll(/^\/\/ {3}([A-Z][A-Z0-9_]+) {2,}\S/gm)].map((m) => m[1] ?? '');
const params = [...bicep.matchAll(/^((?:@[^\n]*\n)*)param (\w+) (\w+)( = .*)?$/gm)].map((m) => ({
  name: m[2] ?? '',
  secure: (m[1] ?? '').includes('@secure()'),
  hasDefault: m[4] !== undefined,
}));
const secureParams = params.filter((p) => p.secure).map((p) => p.name);
/** Platform settings that are App Service's, not the bot's. */
const PLATFORM = ['SCM_DO_BUILD_DURING_DEPLOYMENT'];
const SECRET_SETTINGS = ['STORAGE_CONNECTION_STRING', 'LEAD_INTAKE_KEY', 'LEAD_TABLE_CONNECTION_STRING', 'DYNAMICS_CLIENT_SECRET', 'DYNAMICS_PASSWORD', 'BOT_PASSWORD'];

describe('infra/azure.bicep', () => {
  it('sets every setting the bot reads, or leaves it to its default on purpose, and nothing else', () => {
    const set = [...appSettings.keys()].filter((name) => !PLATFORM.includes(name));
    expect(set.filter((name) => defaulted.includes(name))).toEqual([]);
    expect([...set, ...defaulted].sort()).toEqual([...SETTING_NAMES].sort());
  });

  it('gives every secret through a Key Vault reference, and no secret parameter anywhere else', () => {
    for (const name of SECRET_SETTINGS) expect([name, appSettings.get(name)]).toEqual([name, expect.stringContaining('keyVaultReference(vault.name, ')]);
    // By the secret resource's name, so the settings wait for the secret to exist.
    const secretResources = new Set([...bicep.matchAll(/^resource (\w+) 'Microsoft\.KeyVault\/vaults\/secrets@[^']+' = [^{]*\{\n\s*parent: vault\n/gm)].map((m) => m[1]));
    const referenced = [...bicep.matchAll(/keyVaultReference\(vault\.name, ([^)]*)\)/g)].map((m) => m[1] ?? '');
    expect(referenced.length).toBeGreaterThanOrEqual(SECRET_SETTINGS.length);
    expect(referenced.filter((ref) => !secretResources.has(/^(\w+)!?\.name$/.exec(ref)?.[1]))).toEqual([]);
    expect(secureParams.sort()).toEqual(['botPassword', 'dynamicsClientSecret', 'dynamicsPassword', 'leadIntakeKey', 'leadTableConnectionString']);
    for (const secret of secureParams) {
      const uses = [...bicep.matchAll(new RegExp(`\\b${secret}\\b`, 'g'))].map((m) => bicep.slice(bicep.lastIndexOf('\n', m.index) + 1, bicep.indexOf('\n', m.index)).trim());
      // Declared, stored in the vault, and at most tested for emptiness: never a setting's value or an output.
      expect(uses.filter((line) => !/^param \w+ string/.test(line) && line !== `properties: { value: ${secret} }` && !line.includes(`empty(${secret})`))).toEqual([]);
    }
  });

  it('writes back no secret (the Agents Toolkit puts outputs in env/.env.<environment> as plain text)', () => {
    const outputs = [...bicep.matchAll(/^output (\w+) \w+ = (.*)$/gm)];
    expect(outputs.length).toBeGreaterThan(0);
    for (const [, , value] of outputs) expect(secureParams.filter((secret) => value?.includes(secret))).toEqual([]);
    expect(bicep).not.toMatch(/^output .*(listKeys|ConnectionString)/m);
  });

  it('reads the secrets as an identity made and granted the vault role before the site exists', () => {
    expect(bicep).toMatch(/^resource appIdentity 'Microsoft\.ManagedIdentity\/userAssignedIdentities@[^']+' = \{$/m);
    // Granted to the identity itself, not to the site, so the grant does not wait for the site.
    const grant = /^resource secretsReader 'Microsoft\.Authorization\/roleAssignments@[^']+' = \{\n([\s\S]*?)\n\}/m.exec(bicep)?.[1] ?? '';
    expect(grant).toContain('principalId: appIdentity.properties.principalId');
    expect(grant).toContain('scope: vault');
    expect(grant).not.toContain('webApp');
    const site = /^resource webApp 'Microsoft\.Web\/sites@[^']+' = \{\n([\s\S]*?)\n\}/m.exec(bicep)?.[1] ?? '';
    expect(site).toContain('dependsOn: [secretsReader]');
    expect(site).toContain('keyVaultReferenceIdentity: appIdentity.id');
    expect(site).toContain("identity: { type: 'UserAssigned', userAssignedIdentities: { '${appIdentity.id}': {} } }");
    expect(site).not.toContain('SystemAssigned');
    expect(bicep).not.toContain('appSettings: [');
  });

  it('turns off FTP and deployment passwords (uploads use Entra sign-in)', () => {
    for (const policy of ['ftp', 'scm']) {
      expect(bicep).toMatch(new RegExp(`resource \\w+ 'Microsoft\\.Web\\/sites\\/basicPublishingCredentialsPolicies@[^']+' = \\{\\n {2}parent: webApp\\n {2}name: '${policy}'\\n {2}location: location\\n {2}properties: \\{ allow: false \\}`));
    }
  });

  it('signs the bot in as the app identity, or as the app registration and tenant given for SingleTenant', () => {
    expect(bicep).toContain("var botId = usesManagedIdentity ? appIdentity.properties.clientId : botAppId");
    expect(bicep).toContain('var botTenant = usesManagedIdentity ? appIdentity.properties.tenantId : botTenantId');
    expect(appSettings.get('BOT_ID')).toBe('botId');
    expect(appSettings.get('BOT_TENANT_ID')).toBe('botTenant');
    expect(appSettings.get('BOT_TYPE')).toBe('botType');
    const module = /module bot '[^']+' = \{[\s\S]*?params: \{\n([\s\S]*?)\n\s*\}/.exec(bicep)?.[1] ?? '';
    expect(module).toMatch(/appId: botId$/m);
    expect(module).toMatch(/appTenantId: botTenant$/m);
  });

  it('names resources in lower case, and offers only plans with Always On', () => {
    expect(bicep).toContain('var baseName = toLower(resourceBaseName)');
    expect([...bicep.matchAll(/^\s+name: .*resourceBaseName/gm)]).toEqual([]);
    const skus = /@allowed\((\[[^\]]*\])\)\n(?:@[^\n]*\n)*param webAppSku/.exec(bicep)?.[1] ?? '[]';
    const allowed = JSON.parse(skus.replace(/'/g, '"')) as string[];
    expect(allowed).toContain('B1');
    expect(allowed.filter((sku) => /^[FD]/.test(sku))).toEqual([]);
  });

  it('runs the production build as npm start does, probed on /readyz, always on, on Node 22', () => {
    expect(`node ${/appCommandLine: 'node (.*)'/.exec(bicep)?.[1] ?? ''}`).toBe(packageJson.scripts.start);
    expect(bicep).toContain("healthCheckPath: '/readyz'");
    expect(readFileSync(join(ROOT, 'src', 'health', 'health-routes.ts'), 'utf8')).toContain("server.get('/readyz'");
    expect(bicep).toContain('alwaysOn: true');
    expect(bicep).toMatch(/linuxFxVersion: 'NODE\|2[2-9]-lts'/);
    expect(bicep).toMatch(/capacity: instanceCount/);
  });

  it('points the Azure Bot at the bot\'s messages route, with the Teams channel', () => {
    expect(bicep).toContain(`messagingEndpoint: 'https://\${webApp.properties.defaultHostName}${MESSAGES_PATH}'`);
    const module = readFileSync(join(ROOT, 'infra', 'botRegistration', 'azurebot.bicep'), 'utf8');
    expect(module).toContain("channelName: 'MsTeamsChannel'");
    const passed = [...(/module bot '[^']+' = \{[\s\S]*?params: \{\n([\s\S]*?)\n\s*\}/.exec(bicep)?.[1] ?? '').matchAll(/^\s*(\w+):/gm)].map((m) => m[1]);
    const declared = [...module.matchAll(/^param (\w+) /gm)].map((m) => m[1]);
    expect(passed.sort()).toEqual(declared.sort());
  });
});

describe.each(parameterFiles)('infra/%s', (_name, parameters) => {
  it('gives each parameter without a default, names only parameters the template has, and holds no secret', () => {
    const names = params.map((p) => p.name);
    expect(Object.keys(parameters).filter((name) => !names.includes(name))).toEqual([]);
    expect(params.filter((p) => !p.hasDefault && !(p.name in parameters)).map((p) => p.name)).toEqual([]);
    for (const secret of secureParams.filter((name) => name in parameters)) {
      expect([secret, parameters[secret]?.value]).toEqual([secret, expect.stringMatching(/^\$\{\{SECRET_[A-Z0-9_]+\}\}$/)]);
    }
    for (const [name, { value }] of Object.entries(parameters)) {
      // Placeholders the toolkit fills from env/, plain words or numbers: never a value that could be a key.
      expect([name, typeof value === 'number' || (typeof value === 'string' && /^[\w .-]*(\$\{\{[A-Z0-9_]+\}\}[\w .-]*)*$/.test(value))]).toEqual([name, true]);
    }
  });
});
