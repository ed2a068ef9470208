import { TableClient } from '@azure/data-tables';
import { StorageLease } from '../../src/storage/storage-lease';
import { expandConnectionString } from '../../src/config/parse-connection-string';
import { uniquePrefix } from '../support/test-app';

describe('a lease in Azure Tables', () => {
  let table: TableClient;
  let clock: Date;
  const lease = (holder: string): StorageLease => new StorageLease(table, 'reminders', holder, () => clock);

  beforeEach(async () => {
    table = TableClient.fromConnectionString(expandConnectionString(process.env.TEST_STORAGE_CONNECTION_STRING ?? ''), `${uniquePrefix()}state`, { allowInsecureConnection: true });
    await table.createTable();
    clock = new Date('2027-01-01T00:00:00Z');
  });
  afterEach(async () => {
    await table.deleteTable();
  });

  it('has one holder at a time; the holder may renew it', async () => {
    expect(await lease('a').acquire(60_000)).toBe(true);
    expect(await lease('b').acquire(60_000)).toBe(false);
    expect(await lease('a').acquire(60_000)).toBe(true);
  });

  it('passes on once it runs out (a holder that died) or is released', async () => {
    await lease('a').acquire(60_000);
    clock = new Date(clock.getTime() + 60_001);
    expect(await lease('b').acquire(60_000)).toBe(true);
    await lease('a').release(); // not a's any more: changes nothing
    expect(await lease('c').acquire(60_000)).toBe(false);
    await lease('b').release();
    expect(await lease('c').acquire(60_000)).toBe(true);
  });

  it('goes to exactly one of many instances racing for it, whether it exists yet or not', async () => {
    const race = async (): Promise<number> => (await Promise.all(Array.from({ length: 10 }, (_, i) => lease(`h${String(i)}`).acquire(60_000)))).filter(Boolean).length;
    expect(await race()).toBe(1); // created
    clock = new Date(clock.getTime() + 120_000);
    expect(await race()).toBe(1); // taken over
  });
});
