import { z } from 'zod';
import { EMAIL } from '../leads/email';
import { countryCode } from './lead-traits';
import { covers } from './match-route';
import { DEFAULT_CLAIM_WITHIN_MINUTES, LEAD_ACTIONS, MARKETPLACE_CHANNELS, MATCH_FIELDS, ROUTE_MODES, type Route, type RouteOrigin } from './route';

/** Route names are typed in chat (`route remove insights-korea`): one word. */
const NAME = /^[a-z0-9](?:[a-z0-9_-]{0,38}[a-z0-9])?$/i;
/** Offer ids are `publisher.offer` in letters, digits, '.', '-' and '_'; a pattern adds `*`. */
const OFFER = /^[a-z0-9._*-]+$/i;
/** A Teams channel's or group chat's conversation id, as in "Get link to channel" once decoded. */
const CHAT = /^19:[^\s;]+@thread\.[a-z0-9]+$/i;

const FIELDS = ['name', ...MATCH_FIELDS, 'contacts', 'chats', 'mode', 'claimWithinMinutes'] as const;

const list = <T extends z.ZodTypeAny>(item: T) =>
  z
    .array(item, { invalid_type_error: 'must be a list, such as ["a", "b"]' })
    .min(1, 'is empty, so the route would match no lead: leave the field out to match any')
    .optional();

const text = (check: (value: string) => boolean, problem: (value: string) => string, missing = 'missing') =>
  z.string({ invalid_type_error: 'must be text', required_error: missing }).superRefine((value, ctx) => {
    if (!check(value)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem(value) });
  });

const oneOf = (values: readonly string[], what: string) => text((v) => values.includes(v), (v) => `"${v}" is not ${what}: use ${values.join(', ')}`);

/** `here`: the id of the chat a command was typed in, a chat id whatever its form (the Playground's are not Teams'). */
const routeSchema = (here: string | undefined) =>
  z
    .object(
      {
        name: text((v) => NAME.test(v), (v) => `"${v}" is not a route name: one word of letters, digits, '-' or '_', up to 40 characters`, 'missing: every route has a name, such as "insights-korea"'),
        offers: list(text((v) => OFFER.test(v), (v) => `"${v}" is not an offer id or pattern: letters, digits, '.', '-', '_', and * for any text (contoso.sales-insights*)`)),
        countries: list(
          text(
            (v) => v.length === 2 && countryCode(v) !== undefined,
            (v) => `"${v}" is not an ISO 3166 two-letter country code${countryCode(v) === undefined ? ' (such as KR, US or DE)' : `: use ${String(countryCode(v))}`}`,
          ),
        ),
        actions: list(oneOf(LEAD_ACTIONS, 'a lead action')),
        channels: list(oneOf(MARKETPLACE_CHANNELS, 'a marketplace channel')),
        contacts: z.array(text((v) => EMAIL.test(v), (v) => `"${v}" is not an e-mail address`), { invalid_type_error: 'must be a list of e-mail addresses' }).optional(),
        chats: z
          .array(text((v) => v === here || CHAT.test(decoded(v)), (v) => `"${v}" is not a Teams channel or group chat id (19:…@thread.tacv2, from the channel's "Get link to channel")`), {
            invalid_type_error: 'must be a list of Teams channel or group chat ids',
          })
          .optional(),
        mode: oneOf(ROUTE_MODES, 'a mode').optional(),
        claimWithinMinutes: z.number({ invalid_type_error: 'must be a number of minutes' }).int('must be a whole number of minutes').min(1, 'must be at least 1').max(1440, 'must be at most 1440 (a day)').optional(),
      },
      { invalid_type_error: 'must be an object such as { "name": "…", "contacts": ["…"] }' },
    )
    .strict()
    .superRefine((route, ctx) => {
      const problem = (path: string, message: string): void => {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
      };
      if ((route.contacts ?? []).length === 0 && (route.chats ?? []).length === 0) problem('contacts', 'the route sends its leads to nobody: give contacts (e-mail addresses) or chats (Teams channel ids)');
      if (route.mode === 'round-robin' && (route.contacts ?? []).length === 0) problem('contacts', 'a round-robin route hands leads to its contacts in turn: give at least one');
      if (route.claimWithinMinutes !== undefined && route.mode !== 'round-robin') problem('claimWithinMinutes', 'applies to round-robin routes only (add "mode": "round-robin")');
    });

const fileSchema = z.object({ routes: z.array(z.unknown(), { required_error: 'missing', invalid_type_error: 'must be a list of routes' }) }, { invalid_type_error: 'must be an object: { "routes": [ … ] }' }).strict();

export type Parsed = { readonly routes: Route[]; readonly problems?: undefined } | { readonly routes?: undefined; readonly problems: string[] };

/**
 * The routes of a routes file's content (JSON or YAML, already parsed), in order, or a line per
 * problem naming the route and the field: an unknown field, a malformed value, a route that
 * sends to nobody or can never match because a route before it takes all its leads.
 */
export function parseRoutes(content: unknown): Parsed {
  const file = fileSchema.safeParse(content);
  if (!file.success) return { problems: file.error.issues.map((issue) => fileProblem(issue)) };
  const problems: string[] = [];
  const routes: Route[] = [];
  file.data.routes.forEach((raw, i) => {
    const parsed = parseRoute(raw, { kind: 'file' }, `route ${String(i + 1)}`);
    if (parsed.problems !== undefined) problems.push(...parsed.problems);
    else routes.push(parsed.route);
  });
  if (problems.length > 0) return { problems };
  const order = orderProblems(routes);
  return order.length > 0 ? { problems: order } : { routes };
}

/**
 * One route (from the file, or `route add`), or its problems; `fallbackLabel` names it when its
 * name is unusable. `here` is the chat a command was typed in, when it names itself.
 */
export function parseRoute(raw: unknown, origin: RouteOrigin, fallbackLabel: string, here?: string): { route: Route; problems?: undefined } | { problems: string[] } {
  const name = (raw as { name?: unknown } | null)?.name;
  const label = typeof name === 'string' && NAME.test(name) ? `route "${name}"` : fallbackLabel;
  const parsed = routeSchema(here).safeParse(raw);
  if (!parsed.success) return { problems: parsed.error.issues.map((issue) => `${label}: ${routeProblem(issue)}`) };
  const r = parsed.data;
  const upper = (values: string[] | undefined): string[] | undefined => values?.map((v) => v.toUpperCase());
  const lower = (values: string[] | undefined): string[] | undefined => values?.map((v) => v.toLowerCase());
  const route: Route = {
    name: r.name,
    ...withoutUndefined({ offers: lower(r.offers), countries: upper(r.countries), actions: r.actions as Route['actions'], channels: r.channels as Route['channels'] }),
    contacts: [...new Set(lower(r.contacts) ?? [])],
    chats: [...new Set((r.chats ?? []).map((c) => (c === here ? c : decoded(c))))],
    mode: (r.mode as Route['mode'] | undefined) ?? 'broadcast',
    claimWithinMinutes: r.claimWithinMinutes ?? DEFAULT_CLAIM_WITHIN_MINUTES,
    origin,
  };
  return { route };
}

/** Problems that come from the order of routes: two with one name, one that can never match. */
export function orderProblems(routes: readonly Route[]): string[] {
  return routes.flatMap((route, i) => {
    const before = routes.slice(0, i);
    if (before.some((r) => r.name.toLowerCase() === route.name.toLowerCase())) return [`route "${route.name}": name: another route is called "${route.name}" too`];
    const shadow = before.find((r) => covers(r, route));
    return shadow === undefined ? [] : [`route "${route.name}": never matches: route "${shadow.name}" before it takes every lead it would (narrow "${shadow.name}", or put "${route.name}" first)`];
  });
}

function routeProblem(issue: z.ZodIssue): string {
  const [field, index] = issue.path;
  if (issue.code === z.ZodIssueCode.unrecognized_keys) return `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')} (a route has ${FIELDS.join(', ')})`;
  if (field === undefined) return issue.message;
  return `${String(field)}${typeof index === 'number' ? ` (item ${String(index + 1)})` : ''}: ${issue.message}`;
}

function fileProblem(issue: z.ZodIssue): string {
  if (issue.code === z.ZodIssueCode.unrecognized_keys) return `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}: the file holds { "routes": [ … ] } only`;
  return issue.path.length === 0 ? `the file ${issue.message}` : `${issue.path.join('.')}: ${issue.message}`;
}

/** The id as Teams' "Get link to channel" gives it is URL-encoded (19%3a…%40thread.tacv2). */
function decoded(id: string): string {
  try {
    return id.includes('%') ? decodeURIComponent(id) : id;
  } catch {
    return id;
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
