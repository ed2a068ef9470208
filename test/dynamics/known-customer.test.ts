import { randomUUID } from 'node:crypto';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { DataverseClient } from '../../src/dynamics/dataverse-client';
import { mapLead } from '../../src/dynamics/map-lead';
import { createHttpTransport, type HttpTransport } from '../../src/http/http-transport';
import { companyDomainOf } from '../../src/leads/known-customer';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { fixtureFrom } from '../support/fixtures';
import { sharedServices, startDataverse } from '../support/shared-services';
import { dataverseClient } from '../support/dataverse-client';

describe('what Dynamics knows of a customer already, against the Dataverse emulator', () => {
  let dv: DataverseEmulator;
  let transport: HttpTransport;
  let client: DataverseClient;
  beforeAll(async () => {
    dv = await startDataverse();
    transport = createHttpTransport({ trustedCertificates: sharedServices().tls.cert });
    client = dataverseClient(dv, transport, { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 1_000 } });
  });
  afterEach(() => {
    dv.faults.clear();
  });
  afterAll(async () => {
    await transport.close();
    await dv.stop();
  });

  /** A lead for this address, written to Dynamics: its id. */
  const leadFor = async (email: string): Promise<string> => {
    const lead = { ...parseHttpsLead(fixtureFrom('https-appsource-contact-me', email)), id: randomUUID(), origin: 'https' as const, receivedAt: new Date().toISOString() };
    return (await client.createLead(mapLead(lead, 8))).id;
  };
  const link = (table: string, id: string): string => `${dv.url}/main.aspx?pagetype=entityrecord&etn=${table}&id=${id}`;

  it('finds a contact with the address (since when), another open lead of theirs with its owner, and the account at their domain, with links', async () => {
    const contact = dv.addContact({ fullname: "Dana O'Neil", emailaddress1: "dana.o'neil@fabrikam.example", createdon: '2025-03-03T10:00:00Z' });
    const earlier = await leadFor("dana.o'neil@fabrikam.example");
    const ana = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'Ana Silva', internalemailaddress: 'ana@contoso.example' });
    await client.assignLead(earlier, ana);
    const account = dv.addAccount({ name: 'Fabrikam', websiteurl: 'https://www.fabrikam.example' });
    dv.addAccount({ name: 'Not Fabrikam', websiteurl: 'https://notfabrikam.example' });
    const now = await leadFor("dana.o'neil@fabrikam.example");

    expect(await client.findCustomer("Dana.O'Neil@fabrikam.example", 'fabrikam.example', now)).toEqual({
      contact: { name: "Dana O'Neil", since: '2025-03-03T10:00:00Z', url: link('contact', contact) },
      openLead: { name: 'Dana Whitfield', owner: 'Ana Silva', url: link('lead', earlier) },
      account: { name: 'Fabrikam', url: link('account', account) },
    });
    // The lead itself is not "another open lead"; one nobody claimed is still the bot's own: no owner to name.
    expect((await client.findCustomer("dana.o'neil@fabrikam.example", undefined, earlier))?.openLead).toEqual({ name: 'Dana Whitfield', owner: '', url: link('lead', now) });
    await client.setLeadState(now, { state: 2, reason: 5 });
    expect((await client.findCustomer("dana.o'neil@fabrikam.example", undefined, earlier))?.openLead).toBeUndefined();
  });

  it('finds an account by its e-mail domain too, and nothing for a stranger; wildcards in a domain stand for themselves', async () => {
    const account = dv.addAccount({ name: 'Tailspin', emailaddress1: 'info@tailspin.example' });
    expect((await client.findCustomer('kenji@tailspin.example', 'tailspin.example', randomUUID()))?.account).toEqual({ name: 'Tailspin', url: link('account', account) });
    expect(await client.findCustomer('someone@nowhere.example', 'nowhere.example', randomUUID())).toEqual({});
    // Whole hosts: an account at acme.co is not one at acme.com, nor at notacme.co.
    dv.addAccount({ name: 'Acme Co', websiteurl: 'https://www.acme.co/en' });
    dv.addAccount({ name: 'Not Acme', websiteurl: 'https://notacme.co' });
    expect((await client.findCustomer('x@acme.co', 'acme.co', randomUUID()))?.account?.name).toBe('Acme Co');
    expect((await client.findCustomer('x@acme.com', 'acme.com', randomUUID()))?.account).toBeUndefined();
    // "_" would match any one character, "%" anything, unbracketed.
    expect((await client.findCustomer('x@t_ilspin.example', 't_ilspin.example', randomUUID()))?.account).toBeUndefined();
    expect((await client.findCustomer('x@%.example', '%.example', randomUUID()))?.account).toBeUndefined();
    await expect(client.findCustomer('x@y.example', undefined, "' or 1 eq 1")).rejects.toThrow('a lead id is a GUID');
  });

  it('answers with what it could read when a role lacks one table, and throws only when it could read nothing', async () => {
    dv.addContact({ fullname: 'Lee', emailaddress1: 'lee@adatum.example' });
    dv.faults.refusePrivileges = ['prvReadAccount'];
    expect(Object.keys((await client.findCustomer('lee@adatum.example', 'adatum.example', randomUUID())) ?? {})).toEqual(['contact']);
    dv.faults.refusePrivileges = ['prvReadAccount', 'prvReadContact', 'prvReadLead'];
    await expect(client.findCustomer('lee@adatum.example', 'adatum.example', randomUUID())).rejects.toMatchObject({ code: 'DYNAMICS_FORBIDDEN' });
  });

  it('asks nothing for a minute after Dynamics throttled: its request budget goes to writing leads', async () => {
    dv.addContact({ fullname: 'Busy', emailaddress1: 'busy@adatum.example' });
    // One request per window: the second of two leads is refused with a 429 (and written after its Retry-After).
    dv.faults.throttle = { maxRequests: 1, windowMs: 1_000, retryAfterSeconds: 1 };
    await Promise.all([leadFor('first@adatum.example'), leadFor('second@adatum.example')]);
    dv.faults.clear();
    expect(await client.findCustomer('busy@adatum.example', undefined, randomUUID())).toBeUndefined();
  });

  it('looks accounts up by company domains only: not free mail, not the publisher\'s own', () => {
    expect(companyDomainOf('Dana@Fabrikam.example', ['contoso.com'])).toBe('fabrikam.example');
    expect(companyDomainOf('kim@naver.com', [])).toBeUndefined();
    expect(companyDomainOf('someone@gmail.com', [])).toBeUndefined();
    expect(companyDomainOf('colleague@sales.contoso.com', ['contoso.com'])).toBeUndefined();
    expect(companyDomainOf('', [])).toBeUndefined();
  });
});
