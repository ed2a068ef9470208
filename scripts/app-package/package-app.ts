/**
 * `npm run package -- <env>` (default dev): the Teams app package for an environment, as the
 * Agents Toolkit's teamsApp/zipAppPackage step builds it — appPackage/manifest.json with its
 * ${{…}} placeholders filled from env/.env.<env> (then its .user file, then the process
 * environment), and the two icons, zipped into appPackage/build/appPackage.<env>.zip.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { readEnvFiles } from '../../src/config/read-env-files';

const ROOT = join(__dirname, '..', '..');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Each placeholder, what it must look like, and where its value comes from. */
const PLACEHOLDERS: Readonly<Record<string, { readonly valid: (v: string) => boolean; readonly what: string }>> = {
  TEAMS_APP_ID: { valid: (v) => GUID.test(v), what: 'the Teams app id, a GUID (the Agents Toolkit fills it at provision, or make one)' },
  BOT_ID: { valid: (v) => GUID.test(v), what: "the bot's Microsoft App ID, a GUID (the Azure Bot resource's Configuration page)" },
  BOT_DOMAIN: { valid: (v) => /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(v), what: "the bot's host name with no https:// (e.g. contoso-leads.azurewebsites.net)" },
  PUBLISHER_NAME: { valid: (v) => v.length > 0 && v.length <= 32, what: 'your company name as Teams shows it (32 characters at most)' },
  PUBLISHER_WEBSITE_URL: { valid: isHttps, what: 'your website, https://…' },
  PUBLISHER_PRIVACY_URL: { valid: isHttps, what: 'your privacy statement, https://…' },
  PUBLISHER_TERMS_URL: { valid: isHttps, what: 'your terms of use, https://…' },
};

/** The manifest with its placeholders filled from `env`, and every missing or malformed value named. */
export function fillManifest(env: Readonly<Record<string, string | undefined>>, appPackageDir = join(ROOT, 'appPackage')): { manifest: string; problems: string[] } {
  const template = readFileSync(join(appPackageDir, 'manifest.json'), 'utf8');
  const problems: string[] = [];
  const manifest = template.replace(/\$\{\{([A-Z0-9_]+)\}\}/g, (_match, name: string) => {
    const rule = PLACEHOLDERS[name];
    const value = env[name]?.trim() ?? '';
    if (rule === undefined) problems.push(`${name} is a placeholder this script does not know; add it to PLACEHOLDERS`);
    else if (!rule.valid(value)) problems.push(`${name} ${value === '' ? 'is missing' : `"${value}" is not valid`}: ${rule.what}`);
    return value;
  });
  return { manifest, problems: [...new Set(problems)] };
}

/** Builds the package from `env`; throws with every missing or malformed value named. */
export function buildAppPackage(env: Readonly<Record<string, string | undefined>>, appPackageDir = join(ROOT, 'appPackage')): Buffer {
  const { manifest, problems } = fillManifest(env, appPackageDir);
  if (problems.length > 0) throw new Error(`The app package cannot be built:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const { icons, localizationInfo } = JSON.parse(manifest) as { icons: { color: string; outline: string }; localizationInfo?: { additionalLanguages?: { file: string }[] } };
  const zip = new AdmZip();
  zip.addFile('manifest.json', Buffer.from(manifest, 'utf8'));
  // The icons, and each language's strings (Teams shows the app, its description and command menus in the user's language).
  const files = [icons.color, icons.outline, ...(localizationInfo?.additionalLanguages ?? []).map((l) => l.file)];
  for (const file of files) zip.addFile(file, readFileSync(join(appPackageDir, file)));
  return zip.toBuffer();
}

function isHttps(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

if (require.main === module) {
  const envName = process.argv[2] ?? 'dev';
  try {
    const zip = buildAppPackage(readEnvFiles(envName, process.env, join(ROOT, 'env')));
    const out = join(ROOT, 'appPackage', 'build', `appPackage.${envName}.zip`);
    mkdirSync(join(ROOT, 'appPackage', 'build'), { recursive: true });
    writeFileSync(out, zip);
    process.stdout.write(`Wrote ${out}: upload it in Teams (Apps → Manage your apps → Upload an app) or to the Teams admin center.\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
