import { z } from 'zod';
import { GUID } from '../leads/lead-id';
import { isTimeZone } from '../language/language';
import { parseCalendarDate } from '../timing/calendar-date';
import { connectionStringFields } from './connection-string-fields';
import { parseStorageConnectionString } from './parse-connection-string';

/**
 * What a reader says of a setting's text it cannot use: the problem, in words that name the
 * setting, quote the text unless it is a secret, and say how to fix it (zod's own messages do
 * none of that).
 */
export class Refusal {
  constructor(readonly problem: string) {}
}

/** Reads one setting's text into its value; the combinators below decide what absence means. */
export type SettingReader<T> = (text: string) => T | Refusal;

/** One setting of the environment, read into a `T`. */
export type Setting<T> = z.ZodType<T, z.ZodTypeDef, string | undefined>;

/** Environment variables are strings or absent; an empty string counts as absent. */
export const settingText: Setting<string | undefined> = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * A refusal is reported, and the setting then reads as absent (or its default) rather than
 * stopping the parse: the settings are refused as a whole anyway, and this way the rules across
 * settings still run, so one bad value does not hide the problems of the others.
 */
function reported<T>(value: T | Refusal, ctx: z.RefinementCtx): T | undefined {
  if (!(value instanceof Refusal)) return value;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: value.problem });
  return undefined;
}

/** A setting that may be absent. */
export function optional<T>(read: SettingReader<T>): Setting<T | undefined> {
  return settingText.transform((text, ctx) => (text === undefined ? undefined : reported(read(text), ctx)));
}

/** A setting with a default, which it also reads as when refused. */
export function withDefault<T>(fallback: NoInfer<T>, read: SettingReader<T>): Setting<T> {
  return settingText.transform((text, ctx) => (text === undefined ? undefined : reported(read(text), ctx)) ?? fallback);
}

/** A setting that must be given; `missing` says so, and where to find its value. Missing or refused, it reads as empty text. */
export function required(missing: string, read: SettingReader<string> = asGiven): Setting<string> {
  return settingText.transform((text, ctx) => reported(text === undefined ? new Refusal(missing) : read(text), ctx) ?? '');
}

export const asGiven: SettingReader<string> = (text) => text;

/** Text of one shape (an id, an address); `problem` gets the text to quote, unless it is a secret. */
export function shaped(pattern: RegExp, problem: (text: string) => string): SettingReader<string> {
  return (text) => (pattern.test(text) ? text : new Refusal(problem(text)));
}

/** Ids and addresses are compared with what Teams and Graph send, which may differ in case. */
export function lowerCased(read: SettingReader<string>): SettingReader<string> {
  return (text) => {
    const value = read(text);
    return value instanceof Refusal ? value : value.toLowerCase();
  };
}

/**
 * A whole number from `min` to `max`, coerced by zod as Number() reads text. The rule is applied
 * here rather than as the field's schema so that the problem quotes the text as written ("eighty",
 * not NaN), and so that a refused number reads as its default instead of stopping the parse.
 */
export function wholeNumber(name: string, min: number, max: number): SettingReader<number> {
  const inRange = z.coerce.number().int().min(min).max(max);
  return (text) => inRange.safeParse(text).data ?? new Refusal(`${name} "${text}" must be a whole number from ${min} to ${max}`);
}

/** One of a few words, written exactly so. */
export function oneOf<T extends string>(words: readonly [T, ...T[]], problem: string): SettingReader<T> {
  const word = z.enum(words);
  return (text) => word.safeParse(text).data ?? new Refusal(problem);
}

/**
 * An IANA time zone name ("Asia/Seoul", "UTC"), read as the runtime spells it (so "asia/seoul"
 * is "Asia/Seoul"). An offset or a Windows name is refused with examples.
 */
export function timeZone(name: string): SettingReader<string> {
  return (text) =>
    isTimeZone(text)
      ? new Intl.DateTimeFormat('en', { timeZone: text }).resolvedOptions().timeZone
      : new Refusal(`${name} "${text}" is not a time zone; use an IANA name such as Asia/Seoul, Europe/Berlin, America/New_York or UTC`);
}

/** A service's https address, with no path or query; read as its origin (no trailing slash). */
export function httpsOrigin(name: string, example: string): SettingReader<string> {
  return (text) => {
    const url = parseUrl(text);
    if (url === undefined) return new Refusal(`${name} "${text}" is not a URL; use the form ${example}`);
    if (url.protocol !== 'https:' || hasPathOrQuery(url)) {
      return new Refusal(`${name} "${text}" must be an https address with no path or query, like ${example}`);
    }
    return url.origin;
  };
}

/** PUBLIC_URL, the bot's own address: links in mail go over the internet, so https, except to this machine's loopback. */
export const publicUrl: SettingReader<string> = (text) => {
  const url = parseUrl(text);
  if (url === undefined) return new Refusal(`PUBLIC_URL "${text}" is not a URL; use the bot's https address, like https://leadbotcontoso.azurewebsites.net`);
  const loopback = url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if ((url.protocol !== 'https:' && !loopback) || hasPathOrQuery(url)) {
    return new Refusal(`PUBLIC_URL "${text}" must be the bot's https address with no path, like https://leadbotcontoso.azurewebsites.net (plain http only for a loopback address)`);
  }
  return url.origin;
};

function parseUrl(text: string): URL | undefined {
  return URL.canParse(text) ? new URL(text) : undefined;
}

function hasPathOrQuery(url: URL): boolean {
  return url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== '');
}

/** A calendar date, YYYY-MM-DD, that exists (not 2026-02-30); read as midnight UTC, in ISO form. */
export function calendarDate(name: string): SettingReader<string> {
  return (text) => parseCalendarDate(text)?.toISOString() ?? new Refusal(`${name} "${text}" is not a date; write it as YYYY-MM-DD, like 2027-03-31`);
}

/** Entries separated by semicolons (or commas), as Partner Center writes them; lower-cased, each once. */
export function listOf(name: string, pattern: RegExp, what: string): SettingReader<readonly string[]> {
  return (text) => {
    const entries = text
      .split(/[;,]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const bad = entries.filter((s) => !pattern.test(s));
    if (bad.length > 0) {
      return new Refusal(`${name} has ${bad.map((b) => `"${b}"`).join(', ')}, which ${bad.length === 1 ? 'is' : 'are'} not ${what}; separate entries with semicolons`,
      );
    }
    return [...new Set(entries.map((s) => s.toLowerCase()))];
  };
}

/** An Azure Storage connection string; never quoted, as it holds the account key. */
export function storageConnectionString(name: string): SettingReader<string> {
  return (text) => {
    const problem = parseStorageConnectionString(text).problem;
    return problem === undefined ? text : new Refusal(`${name} ${problem}`);
  };
}

/** Never quoted either: it carries the resource's instrumentation key. */
export const applicationInsightsConnectionString: SettingReader<string> = (text) => {
  const problem = applicationInsightsProblem(text);
  return problem === undefined
    ? text
    : new Refusal(`APPLICATIONINSIGHTS_CONNECTION_STRING ${problem}; copy it from the Application Insights resource's Overview page`);
};

function applicationInsightsProblem(value: string): string | undefined {
  const fields = connectionStringFields(value);
  if (fields === undefined) return 'is not a connection string';
  if (!GUID.test(fields.get('instrumentationkey') ?? '')) return 'has no InstrumentationKey=<GUID>';
  const endpoint = fields.get('ingestionendpoint');
  if (endpoint === undefined) return 'has no IngestionEndpoint=https://…';
  const url = parseUrl(endpoint);
  if (url === undefined) return 'has an IngestionEndpoint that is not a URL';
  // The exporter would turn http into https anyway.
  if (url.protocol !== 'https:') return 'has an IngestionEndpoint that is not https';
  return undefined;
}
