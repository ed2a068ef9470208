import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseRoutes, type Parsed } from './parse-routes';

/**
 * The routes of LEAD_ROUTES_FILE: JSON (.json) or the same shape in YAML (.yaml, .yml). Read
 * once at start-up; each problem is a line, so the bot refuses to start with all of them said.
 */
export function readRoutesFile(path: string): Parsed {
  const kind = extname(path).toLowerCase();
  if (!['.json', '.yaml', '.yml'].includes(kind)) return { problems: [`${path}: a routes file ends in .json, .yaml or .yml`] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problems: [`${path}: cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'error')})`] };
  }
  let content: unknown;
  try {
    content = kind === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (error) {
    return { problems: [`${path}: is not valid ${kind === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0] ?? ''}`] };
  }
  const parsed = parseRoutes(content);
  return parsed.problems === undefined ? parsed : { problems: parsed.problems.map((p) => `${path}: ${p}`) };
}
