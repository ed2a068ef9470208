import { Writable } from 'node:stream';
import { TableClient } from '@azure/data-tables';
import type { TableImportSettings } from '../../src/config/settings';
import { TableImporter } from '../../src/intake/table-importer';
import { leadIdFor } from '../../src/leads/lead-id';
import { createLogger } from '../../src/logging/create-logger';
import { openTable } from '../../src/storage/open-table';
import { fixture } from '../support/fixtures';
import { ManualClock } from '../support/manual-clock';
import { waitFor } from '../support/pipeline';
import { queuedLeadIds, startTestApp, uniquePrefix, type TestApp } from '../support/test-app';

/** A row as Partner Center's Azure Table destination writes it. */
function partnerCenterRow(rowKey: string, overrides: Record<string, unknown> = {}): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const { PartitionKey, RowKey: _rk, Timestamp: _ts, ...columns } = fixture('azure-table-row');
  return { partitionKey: PartitionKey as string, rowKey, ...columns, ...overrides };
}

describe('the Azure Table destination importer', () => {
  let source: TableClient;
  let env: Record<string, string>;
  let t: TestApp;

  beforeEach(async () => {
    const connectionString = process.env.TEST_STORAGE_CONNECTION_STRING ?? '';
    const tableName = `${uniquePrefix()}marketplaceleads`;
    source = openTable(connectionString, tableName);
    env = { LEAD_TABLE_CONNECTION_STRING: connectionString, LEAD_TABLE_NAME: tableName, STORAGE_NAME_PREFIX: uniquePrefix() };
    t = await startTestApp(env); // the tests drive passes themselves
  });
  afterEach(async () => {
    await t.stop();
  });

  it('waits quietly until Partner Center has created the table', async () => {
    await expect(t.app.importer?.runOnce()).resolves.toEqual({ rowsRead: 0, imported: 0, duplicates: 0, skipped: 0 });
  });

  it('imports each new row once into the same pipeline as the HTTPS endpoint', async () => {
    await source.createTable();
    await source.createEntity(partnerCenterRow('row-1'));
    await source.createEntity(partnerCenterRow('row-2', { CustomerInfo: JSON.stringify({ FirstName: 'Sam', LastName: 'Ng', Email: 'sam@litware.example' }) }));

    const first = await t.app.importer?.runOnce();
    expect(first).toEqual({ rowsRead: 2, imported: 2, duplicates: 0, skipped: 0 });
    const queued = await queuedLeadIds(t.queue);
    expect(queued).toHaveLength(2);
    const leads = await Promise.all(queued.map((id) => t.app.storage.leads.get(id)));
    expect(leads.map((l) => l?.customer.lastName).sort()).toEqual(['Morgan', 'Ng']);
    expect(leads.every((l) => l?.origin === 'table' && l.status === 'received')).toBe(true);

    // The next pass looks back over the overlap, finds the same rows, and adds nothing.
    const second = await t.app.importer?.runOnce();
    expect(second?.imported).toBe(0);
    expect(await queuedLeadIds(t.queue)).toHaveLength(2);

    // A row committed after it is read with those it overlaps (a late commit would be too).
    await source.createEntity(partnerCenterRow('row-3', { CustomerInfo: JSON.stringify({ LastName: 'Okafor' }) }));
    expect(await t.app.importer?.runOnce()).toEqual({ rowsRead: 3, imported: 1, duplicates: 2, skipped: 0 });
    expect(await queuedLeadIds(t.queue)).toHaveLength(3);
  });

  it('resumes from its watermark after a restart, reading only what is new', async () => {
    // The rows of this test are written before its first pass: it imports them as chosen history.
    const settings = { ...(t.settings.tableImport as TableImportSettings), importFrom: new Date(Date.now() - 86_400_000).toISOString() };
    const noOverlap = (): TableImporter => new TableImporter(settings, t.app.storage.state, { ...t.app.storage, now: () => new Date(), logger: createLogger('silent') }, 0);
    await source.createTable();
    await source.createEntity(partnerCenterRow('row-0', { CustomerInfo: JSON.stringify({ LastName: 'Alvarez' }) }));
    // Kept on purpose: a gap so that row-1's Timestamp (Azurite's clock) comes after row-0's; the
    // watermark is the newest Timestamp, and row-0 must sit strictly before it. Nothing is waited
    // for not to happen: a slower machine only widens the gap.
    await new Promise((r) => setTimeout(r, 50));
    await source.createEntity(partnerCenterRow('row-1'));
    expect((await noOverlap().runOnce()).imported).toBe(2);

    // A new instance (as after a restart) knows only what storage holds.
    await source.createEntity(partnerCenterRow('row-3', { CustomerInfo: JSON.stringify({ LastName: 'Okafor' }) }));
    const pass = await noOverlap().runOnce();

    // row-0 is older than the watermark and is not read again; row-1 sits on it.
    expect(pass).toEqual({ rowsRead: 2, imported: 1, duplicates: 1, skipped: 0 });
    const leads = await Promise.all((await queuedLeadIds(t.queue)).map((id) => t.app.storage.leads.get(id)));
    expect(leads.map((l) => l?.customer.lastName)).toEqual(['Alvarez', 'Morgan', 'Okafor']);
  });

  it('starts from now the first time: the rows Partner Center wrote before are history, not news', async () => {
    await source.createTable();
    await source.createEntity(partnerCenterRow('old-1'));
    await source.createEntity(partnerCenterRow('old-2'));
    // The bot first runs with the import on an hour after those rows were written.
    const anHourLater = (): Date => new Date(Date.now() + 3_600_000);
    const { logs, sink } = logSink();
    const importer = new TableImporter(t.settings.tableImport as TableImportSettings, t.app.storage.state, { ...t.app.storage, now: anHourLater, logger: createLogger('info', sink) });
    expect(await importer.runOnce()).toEqual({ rowsRead: 0, imported: 0, duplicates: 0, skipped: 0 });
    expect(await queuedLeadIds(t.queue)).toEqual([]);
    expect(logs.join('')).toContain(`"from":"${anHourLater().toISOString().slice(0, 10)}","chosen":false,"msg":"Azure Table import starts from this day"`);
  });

  it('imports older rows when LEAD_TABLE_IMPORT_FROM asks, once per value', async () => {
    await source.createTable();
    await source.createEntity(partnerCenterRow('old-1'));
    const anHourLater = (): Date => new Date(Date.now() + 3_600_000);
    const importer = (importFrom: string | undefined): TableImporter =>
      new TableImporter({ ...(t.settings.tableImport as TableImportSettings), importFrom }, t.app.storage.state, { ...t.app.storage, now: anHourLater, logger: createLogger('silent') });
    expect((await importer(undefined).runOnce()).imported).toBe(0);

    // The admin chooses yesterday: the row is imported, once, however often the import runs.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10) + 'T00:00:00.000Z';
    expect((await importer(yesterday).runOnce()).imported).toBe(1);
    expect((await importer(yesterday).runOnce()).imported).toBe(0);
    expect(await queuedLeadIds(t.queue)).toHaveLength(1);
  });

  it('keeps as its watermark the newest row it saw, whatever order the rows came in', async () => {
    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const noOverlap = (): TableImporter =>
      new TableImporter({ ...(t.settings.tableImport as TableImportSettings), importFrom: anHourAgo }, t.app.storage.state, { ...t.app.storage, now: () => new Date(), logger: createLogger('silent') }, 0);
    await source.createTable();
    await source.createEntity(partnerCenterRow('row-b'));
    await new Promise((r) => setTimeout(r, 50));
    await source.createEntity(partnerCenterRow('row-a', { CustomerInfo: JSON.stringify({ LastName: 'Alvarez' }) }));
    // Rows come in key order: row-a (the newer) first.
    expect((await noOverlap().runOnce()).imported).toBe(2);

    // Only row-a, on the watermark, is read again; row-b is older.
    expect(await noOverlap().runOnce()).toEqual({ rowsRead: 1, imported: 0, duplicates: 1, skipped: 0 });
  });

  it('fails the pass, rather than taking it for "no rows yet", when the source cannot be read', async () => {
    const unreachable = { ...(t.settings.tableImport as TableImportSettings), connectionString: (process.env.TEST_STORAGE_CONNECTION_STRING ?? '').replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9') };
    const importer = new TableImporter(unreachable, t.app.storage.state, { ...t.app.storage, now: () => new Date(), logger: createLogger('silent') });
    await expect(importer.runOnce()).rejects.toThrow();
  });

  it('looks again every pollSeconds on its clock, says what it imported, and stops', async () => {
    const { logs, sink } = logSink();
    const clock = new ManualClock();
    const importFrom = new Date(Date.now() - 3_600_000).toISOString();
    const importer = new TableImporter({ ...(t.settings.tableImport as TableImportSettings), importFrom, pollSeconds: 30 }, t.app.storage.state, {
      ...t.app.storage,
      now: () => new Date(),
      logger: createLogger('debug', sink),
      clock,
    });
    const queued = async (): Promise<number> => (await queuedLeadIds(t.queue)).length;
    await source.createTable();
    await source.createEntity(partnerCenterRow('row-1'));

    importer.start();
    await waitFor(queued, (n) => n === 1);
    await waitFor(() => clock.waiting, (n) => n === 1); // the pass is over: asleep until the next
    expect(logs.join('')).toMatch(/"rowsRead":1,"imported":1,"duplicates":0,"skipped":0,.*"msg":"imported leads from Azure Table"/);
    // Where it started (the day asked for), and each row it imported, with the lead it became.
    expect(logs.join('')).toContain(`"from":"${importFrom.slice(0, 10)}","chosen":true,"msg":"Azure Table import starts from this day"`);
    const rowLead = leadIdFor(`table:devstoreaccount1-${env.LEAD_TABLE_NAME}/${partnerCenterRow('row-1').partitionKey}/row-1`);
    expect(logs.join('')).toContain(`"leadId":"${rowLead}","partitionKey":"${partnerCenterRow('row-1').partitionKey}","rowKey":"row-1","duplicate":false,"msg":"table row imported"`);

    // A new row waits for the next poll: nothing reads while the clock stands still.
    await source.createEntity(partnerCenterRow('row-2'));
    await clock.advance(29_000);
    expect(clock.waiting).toBe(1);
    expect(await queued()).toBe(1);
    await clock.advance(1_000);
    await waitFor(queued, (n) => n === 2);

    // A pass that finds nothing new says nothing.
    await waitFor(() => clock.waiting, (n) => n === 1);
    const passes = (): number => logs.filter((l) => l.includes('"rowsRead"')).length;
    expect(passes()).toBe(2);
    await clock.advance(30_000);
    await waitFor(() => clock.waiting, (n) => n === 1);
    expect(passes()).toBe(2);
    await importer.stop();
    expect(clock.waiting).toBe(0); // stopped: no pass is waiting to run
  });

  it('logs a pass that fails and goes on polling', async () => {
    const { logs, sink } = logSink();
    const clock = new ManualClock();
    const unreachable = { ...(t.settings.tableImport as TableImportSettings), connectionString: (process.env.TEST_STORAGE_CONNECTION_STRING ?? '').replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9') };
    const importer = new TableImporter(unreachable, t.app.storage.state, { ...t.app.storage, now: () => new Date(), logger: createLogger('info', sink), clock });
    importer.start();
    await waitFor(() => clock.waiting, (n) => n === 1);
    expect(logs.join('')).toMatch(/"err":\{.*"msg":"Azure Table import failed; will try again"/);
    await importer.stop();
  });

  it('skips a row that is not a lead, logs why, and carries on', async () => {
    await source.createTable();
    await source.createEntity(partnerCenterRow('bad', { CustomerInfo: '{"FirstName": ' }));
    await source.createEntity(partnerCenterRow('good'));

    const pass = await t.app.importer?.runOnce();

    expect(pass).toEqual({ rowsRead: 2, imported: 1, duplicates: 0, skipped: 1 });
    expect(t.logs.join('')).toMatch(/"rowKey":"bad".*"reason":"CustomerInfo is not valid JSON".*not a lead; skipped/);
  });

  it('imports on its own schedule when the app starts', async () => {
    await t.stop();
    await source.createTable();
    await source.createEntity(partnerCenterRow('row-1'));
    t = await startTestApp(env, { backgroundWork: true });
    const leadId = leadIdFor(`table:devstoreaccount1-${env.LEAD_TABLE_NAME}/${partnerCenterRow('row-1').partitionKey}/row-1`);
    const imported = await waitFor(() => t.app.storage.leads.get(leadId), (l) => l !== undefined);
    expect(imported?.customer.lastName).toBe('Morgan');
  });
});

/** A log destination the test reads. */
function logSink(): { logs: string[]; sink: Writable } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logs, sink };
}
