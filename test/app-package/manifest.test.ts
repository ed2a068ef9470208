import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { buildAppPackage } from '../../scripts/app-package/package-app';
import { COMMANDS } from '../../src/commands/route-table';
import { message } from '../../src/language/messages';
import { commandWord } from '../../src/commands/command';

const ROOT = join(__dirname, '..', '..');
const SCHEMAS = join(ROOT, 'node_modules', '@microsoft', 'app-manifest', 'build', 'json-schemas', 'teams');
const manifestText = readFileSync(join(ROOT, 'appPackage', 'manifest.json'), 'utf8');

/** The manifest as a deployment fills it (Agents Toolkit replaces each ${{NAME}}), placeholders unchecked. */
function filled(values: Record<string, string>): unknown {
  return JSON.parse(manifestText.replace(/\$\{\{([A-Z_]+)\}\}/g, (_, name: string) => values[name] ?? `<${name} not set>`));
}

/** What `npm run package` zips, entry by entry. */
function packaged(values: Record<string, string>): Map<string, Buffer> {
  return new Map(new AdmZip(buildAppPackage(values)).getEntries().map((e) => [e.entryName, e.getData()]));
}

const SAMPLE = {
  TEAMS_APP_ID: '2b1e6c1e-4f3a-4b7e-9d2c-1a2b3c4d5e6f',
  BOT_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  BOT_DOMAIN: 'leadbot-contoso.azurewebsites.net',
  PUBLISHER_NAME: 'Contoso',
  PUBLISHER_WEBSITE_URL: 'https://contoso.example',
  PUBLISHER_PRIVACY_URL: 'https://contoso.example/privacy',
  PUBLISHER_TERMS_URL: 'https://contoso.example/terms',
};

describe('the Teams app manifest', () => {
  it('is valid against the newest manifest schema @microsoft/app-manifest ships, once its placeholders are filled', () => {
    const version = (JSON.parse(manifestText) as { manifestVersion: string }).manifestVersion;
    const schema = JSON.parse(readFileSync(join(SCHEMAS, `v${version}`, 'MicrosoftTeams.schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const manifest = JSON.parse(packaged(SAMPLE).get('manifest.json')?.toString('utf8') ?? '{}') as unknown;
    expect(validate(manifest) ? [] : validate.errors).toEqual([]);
    // An unfilled placeholder is caught (the app id must be a GUID).
    expect(validate(filled({ ...SAMPLE, TEAMS_APP_ID: 'not-a-guid' }))).toBe(false);
  });

  it('names the bot\'s own app as its web application, so the bot may install itself for contacts (TeamsAppInstallation.ReadWriteSelfForUser.All)', () => {
    const manifest = filled(SAMPLE) as { bots: { botId: string }[]; webApplicationInfo?: { id: string } };
    expect(manifest.webApplicationInfo?.id).toBe(SAMPLE.BOT_ID);
    expect(manifest.bots.map((b) => b.botId)).toEqual([SAMPLE.BOT_ID]);
  });

  it('npm run package zips the filled manifest, both icons and the Korean strings, nothing else', () => {
    const entries = packaged(SAMPLE);
    expect([...entries.keys()].sort()).toEqual(['color.png', 'ko-kr.json', 'manifest.json', 'outline.png']);
    expect(entries.get('ko-kr.json')).toEqual(readFileSync(join(ROOT, 'appPackage', 'ko-kr.json')));
    const manifest = entries.get('manifest.json')?.toString('utf8') ?? '';
    expect(manifest).not.toContain('${{');
    expect(manifest).toContain(`"id": "${SAMPLE.TEAMS_APP_ID}"`);
    expect(entries.get('color.png')).toEqual(readFileSync(join(ROOT, 'appPackage', 'color.png')));
  });

  it('npm run package names every value it is missing or cannot use', () => {
    expect(() => buildAppPackage({ ...SAMPLE, BOT_ID: '', BOT_DOMAIN: 'https://contoso.example', PUBLISHER_TERMS_URL: 'http://contoso.example/terms' })).toThrow(
      [
        'The app package cannot be built:',
        '  - PUBLISHER_TERMS_URL "http://contoso.example/terms" is not valid: your terms of use, https://…',
        "  - BOT_ID is missing: the bot's Microsoft App ID, a GUID (the Azure Bot resource's Configuration page)",
        '  - BOT_DOMAIN "https://contoso.example" is not valid: the bot\'s host name with no https:// (e.g. contoso-leads.azurewebsites.net)',
      ].join('\n'),
    );
  });

  it('shows Korean users the app and its command menus in Korean: valid against the localization schema, each command as its Korean word and summary', () => {
    const version = (JSON.parse(manifestText) as { manifestVersion: string }).manifestVersion;
    const schema = JSON.parse(readFileSync(join(SCHEMAS, `v${version}`, 'MicrosoftTeams.Localization.schema.json'), 'utf8')) as object;
    // Microsoft's patterns (`\b]` in activityTypes) are valid JavaScript only without the u flag.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const korean = JSON.parse(readFileSync(join(ROOT, 'appPackage', 'ko-kr.json'), 'utf8')) as Record<string, string>;
    expect(validate(korean) ? [] : validate.errors).toEqual([]);
    const manifest = JSON.parse(manifestText) as { localizationInfo: unknown; bots: { commandLists: { commands: { title: string }[] }[] }[] };
    expect(manifest.localizationInfo).toEqual({ defaultLanguageTag: 'en-us', additionalLanguages: [{ languageTag: 'ko-kr', file: 'ko-kr.json' }] });
    const expected: Record<string, string> = {};
    manifest.bots[0]?.commandLists.forEach((list, l) => {
      list.commands.forEach((c, i) => {
        const command = COMMANDS.find((x) => x.name === c.title);
        if (command === undefined) throw new Error(`no command ${c.title}`);
        expected[`bots[0].commandLists[${String(l)}].commands[${String(i)}].title`] = commandWord(command, 'ko');
        expected[`bots[0].commandLists[${String(l)}].commands[${String(i)}].description`] = message('ko', command.summary);
      });
    });
    expect(Object.fromEntries(Object.entries(korean).filter(([key]) => key.startsWith('bots[')))).toEqual(expected);
    expect(korean['description.short']).toMatch(/[가-힣]/);
  });

  it('uses the newest schema version shipped', () => {
    const minors = readdirSync(SCHEMAS).flatMap((v) => /^v1\.(\d+)$/.exec(v)?.[1] ?? []).map(Number);
    const newest = `1.${Math.max(...minors)}`;
    expect((JSON.parse(manifestText) as { manifestVersion: string }).manifestVersion).toBe(newest);
  });

  it('suggests the commands the route table serves in each scope, within Teams\' ten per scope', () => {
    const manifest = JSON.parse(manifestText) as { bots: { scopes: string[]; commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[] }[] };
    const bot = manifest.bots[0];
    expect(bot?.scopes.sort()).toEqual(['groupChat', 'personal', 'team']);
    expect(bot?.commandLists.flatMap((l) => l.scopes).sort()).toEqual(['groupChat', 'personal', 'team']);
    const menu = COMMANDS.filter((c) => c.notInMenu !== true);
    for (const list of bot?.commandLists ?? []) {
      const offered = list.scopes.includes('personal') ? menu : menu.filter((c) => c.personalOnly !== true);
      expect(list.commands).toEqual(offered.map((c) => ({ title: c.name, description: message('en', c.summary) })));
      expect(list.commands.length).toBeLessThanOrEqual(10);
    }
  });
});
