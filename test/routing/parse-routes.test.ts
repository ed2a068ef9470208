import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRoutes } from '../../src/routing/parse-routes';
import { readRoutesFile } from '../../src/routing/read-routes-file';
import { parse as parseYaml } from 'yaml';

/** The issue's own example: a regional round-robin before the offer's catch-all. */
const EXAMPLE = {
  routes: [
    {
      name: 'insights-korea',
      offers: ['contoso.sales-insights*'],
      countries: ['KR'],
      actions: ['contact-me', 'trial'],
      contacts: ['jimin@contoso.example', 'minho@contoso.example'],
      mode: 'round-robin',
      claimWithinMinutes: 10,
    },
    { name: 'insights', offers: ['contoso.sales-insights*'], contacts: ['sales@contoso.example'] },
  ],
};

const problemsOf = (routes: unknown[]): string[] => parseRoutes({ routes }).problems ?? [];

describe('the routes file', () => {
  it('reads routes in order, with their defaults', () => {
    const { routes } = parseRoutes(EXAMPLE);
    expect(routes).toEqual([
      { name: 'insights-korea', offers: ['contoso.sales-insights*'], countries: ['KR'], actions: ['contact-me', 'trial'], contacts: ['jimin@contoso.example', 'minho@contoso.example'], chats: [], mode: 'round-robin', claimWithinMinutes: 10, origin: { kind: 'file' } },
      { name: 'insights', offers: ['contoso.sales-insights*'], contacts: ['sales@contoso.example'], chats: [], mode: 'broadcast', claimWithinMinutes: 10, origin: { kind: 'file' } },
    ]);
  });

  it('normalises what people type: upper-case countries, lower-case addresses and offers, decoded channel links, no repeats', () => {
    const [route] = parseRoutes({
      routes: [{ name: 'eu', offers: ['Contoso.VM'], countries: ['de', 'FR'], contacts: ['Ana@Contoso.example', 'ana@contoso.example'], chats: ['19%3aabc123%40thread.tacv2'] }],
    }).routes ?? [];
    expect(route).toMatchObject({ offers: ['contoso.vm'], countries: ['DE', 'FR'], contacts: ['ana@contoso.example'], chats: ['19:abc123@thread.tacv2'] });
  });

  it('names the route and the field of every problem, all at once', () => {
    expect(
      problemsOf([
        { name: 'korea', countries: ['KOR'], contacts: ['a@contoso.example'], region: 'APAC' },
        { name: 'vm', offers: ['contoso vm'], contacts: ['not-an-address'] },
        { name: 'bad name!', contacts: ['a@contoso.example'] },
        { name: 'eu', countries: ['XX'], actions: ['buy'], channels: ['web'], contacts: ['a@contoso.example'] },
      ]),
    ).toEqual([
      'route "korea": countries (item 1): "KOR" is not an ISO 3166 two-letter country code: use KR',
      'route "korea": unknown field "region" (a route has name, offers, countries, actions, channels, contacts, chats, mode, claimWithinMinutes)',
      'route "vm": offers (item 1): "contoso vm" is not an offer id or pattern: letters, digits, \'.\', \'-\', \'_\', and * for any text (contoso.sales-insights*)',
      'route "vm": contacts (item 1): "not-an-address" is not an e-mail address',
      'route 3: name: "bad name!" is not a route name: one word of letters, digits, \'-\' or \'_\', up to 40 characters',
      'route "eu": countries (item 1): "XX" is not an ISO 3166 two-letter country code (such as KR, US or DE)',
      'route "eu": actions (item 1): "buy" is not a lead action: use contact-me, purchase, trial',
      'route "eu": channels (item 1): "web" is not a marketplace channel: use appsource, azure-marketplace, azure-portal',
    ]);
  });

  it('refuses a route that sends to nobody, an empty match list, and modes that do not fit', () => {
    expect(problemsOf([{ name: 'nobody', offers: ['contoso.vm'] }])).toEqual(['route "nobody": contacts: the route sends its leads to nobody: give contacts (e-mail addresses) or chats (Teams channel ids)']);
    expect(problemsOf([{ name: 'none', countries: [], contacts: ['a@contoso.example'] }])).toEqual(['route "none": countries: is empty, so the route would match no lead: leave the field out to match any']);
    expect(problemsOf([{ name: 'turns', mode: 'round-robin', chats: ['19:sales@thread.tacv2'] }])).toEqual(['route "turns": contacts: a round-robin route hands leads to its contacts in turn: give at least one']);
    expect(problemsOf([{ name: 'all', contacts: ['a@contoso.example'], claimWithinMinutes: 5 }])).toEqual(['route "all": claimWithinMinutes: applies to round-robin routes only (add "mode": "round-robin")']);
    expect(problemsOf([{ name: 'rr', mode: 'turns', contacts: ['a@contoso.example'] }])).toEqual(['route "rr": mode: "turns" is not a mode: use broadcast, round-robin']);
    expect(problemsOf([{ name: 'rr', mode: 'round-robin', contacts: ['a@contoso.example'], claimWithinMinutes: 2.5 }])).toEqual(['route "rr": claimWithinMinutes: must be a whole number of minutes']);
    expect(problemsOf([{ name: 'chat', chats: ['general'] }])).toEqual(['route "chat": chats (item 1): "general" is not a Teams channel or group chat id (19:…@thread.tacv2, from the channel\'s "Get link to channel")']);
    expect(problemsOf([{ contacts: ['a@contoso.example'] }])).toEqual(['route 1: name: missing: every route has a name, such as "insights-korea"']);
    expect(problemsOf(['sales@contoso.example'])).toEqual(['route 1: must be an object such as { "name": "…", "contacts": ["…"] }']);
  });

  it('refuses a route that can never match, because one before it takes all its leads, and two routes of one name', () => {
    expect(problemsOf([{ name: 'insights', offers: ['contoso.sales-insights*'], contacts: ['sales@contoso.example'] }, { name: 'insights-korea', offers: ['contoso.sales-insights'], countries: ['KR'], contacts: ['jimin@contoso.example'] }])).toEqual([
      'route "insights-korea": never matches: route "insights" before it takes every lead it would (narrow "insights", or put "insights-korea" first)',
    ]);
    expect(problemsOf([{ name: 'a', contacts: ['a@contoso.example'] }, { name: 'A', countries: ['KR'], contacts: ['b@contoso.example'] }])).toEqual(['route "A": name: another route is called "A" too']);
    // The other way round, each matches leads of its own.
    expect(parseRoutes(EXAMPLE).problems).toBeUndefined();
  });

  it('refuses a file that is not { "routes": [ … ] }', () => {
    expect(parseRoutes([]).problems).toEqual(['the file must be an object: { "routes": [ … ] }']);
    expect(parseRoutes({}).problems).toEqual(['routes: missing']);
    expect(parseRoutes({ routes: [], rules: [] }).problems).toEqual(['unknown field "rules": the file holds { "routes": [ … ] } only']);
    expect(parseRoutes({ routes: {} }).problems).toEqual(['routes: must be a list of routes']);
  });
});

describe('reading LEAD_ROUTES_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'routes-'));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads JSON and the same shape in YAML alike', () => {
    const json = readRoutesFile(write('routes.json', JSON.stringify(EXAMPLE)));
    const yaml = readRoutesFile(
      write(
        'routes.yaml',
        [
          'routes:',
          '  - name: insights-korea',
          '    offers: ["contoso.sales-insights*"]',
          '    countries: [KR]',
          '    actions: [contact-me, trial]',
          '    contacts: [jimin@contoso.example, minho@contoso.example]',
          '    mode: round-robin',
          '    claimWithinMinutes: 10',
          '  - name: insights',
          '    offers: ["contoso.sales-insights*"]',
          '    contacts: [sales@contoso.example]',
        ].join('\n'),
      ),
    );
    expect(json.routes).toHaveLength(2);
    expect(yaml).toEqual(json);
  });

  it('says which file, and what is wrong with it', () => {
    const missing = join(dir, 'nowhere.json');
    expect(readRoutesFile(missing).problems).toEqual([`${missing}: cannot be read (no such file)`]);
    const text = write('routes.txt', '{}');
    expect(readRoutesFile(text).problems).toEqual([`${text}: a routes file ends in .json, .yaml or .yml`]);
    const broken = write('broken.json', '{ "routes": [ }');
    expect(readRoutesFile(broken).problems?.[0]).toMatch(new RegExp(`^${broken.replace(/[.\\/]/g, '\\$&')}: is not valid JSON: `));
    const badYaml = write('broken.yml', 'routes:\n  - name: [unclosed\n');
    expect(readRoutesFile(badYaml).problems?.[0]).toMatch(/broken\.yml: is not valid YAML: /);
    const faulty = write('faulty.yml', 'routes:\n  - name: kr\n    countries: [KOR]\n    contacts: [a@contoso.example]\n');
    expect(readRoutesFile(faulty).problems).toEqual([`${faulty}: route "kr": countries (item 1): "KOR" is not an ISO 3166 two-letter country code: use KR`]);
  });
});

describe('the routes files the documentation shows', () => {
  const root = join(__dirname, '..', '..');
  const block = (file: string, lang: string): string => {
    const text = readFileSync(join(root, file), 'utf8');
    const found = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text)?.[1];
    if (found === undefined) throw new Error(`no ${lang} block in ${file}`);
    return found;
  };

  it('are valid, so a publisher can start from them', () => {
    const readme = parseRoutes(parseYaml(block('README.md', 'yaml')));
    expect(readme.problems).toBeUndefined();
    expect(readme.routes?.map((r) => r.name)).toEqual(['insights-korea', 'insights', 'vm']);
    const docs = parseRoutes(JSON.parse(block('docs/routing.md', 'json')));
    expect(docs.problems).toBeUndefined();
    expect(docs.routes?.map((r) => r.mode)).toEqual(['round-robin', 'broadcast', 'broadcast']);
  });
});
