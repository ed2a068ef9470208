import { randomUUID } from 'node:crypto';
import type { DataverseEmulator } from '../../emulators/dataverse';
import { DataverseClient } from '../../src/dynamics/dataverse-client';
import { DynamicsError } from '../../src/dynamics/dynamics-error';
import { mapLead } from '../../src/dynamics/map-lead';
import { createHttpTransport, type HttpTransport } from '../../src/http/http-transport';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { fixture } from '../support/fixtures';
import { sharedServices, startDataverse } from '../support/shared-services';
import { dataverseClient } from '../support/dataverse-client';

describe("finding a claimer's Dynamics user and making them a lead's owner, against the Dataverse emulator", () => {
  let dv: DataverseEmulator;
  let transport: HttpTransport;
  let client: DataverseClient;
  beforeAll(async () => {
    dv = await startDataverse();
    transport = createHttpTransport({ trustedCertificates: sharedServices().tls.cert });
    client = dataverseClient(dv, transport, { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 1_000 } });
  });
  afterAll(async () => {
    await transport.close();
    await dv.stop();
  });

  const newLead = async (): Promise<string> => {
    const lead = { ...parseHttpsLead(fixture('https-appsource-contact-me')), id: randomUUID(), origin: 'https' as const, receivedAt: new Date().toISOString() };
    return (await client.createLead(mapLead(lead, 8))).id;
  };
  const failure = async (work: Promise<unknown>): Promise<[string, string]> => {
    const error = await work.then(() => undefined, (e: unknown) => e);
    if (!(error instanceof DynamicsError)) throw new Error(`expected a DynamicsError, got ${String(error)}`);
    return [error.code, error.kind];
  };

  it('finds the user by Entra object id, else by e-mail (a quote in it escaped), and nobody when neither matches', async () => {
    const objectId = randomUUID();
    const id = dv.addUser({ azureactivedirectoryobjectid: objectId, fullname: "Seán O'Brien", internalemailaddress: "sean.o'brien@contoso.example" });
    expect(await client.findUser({ aadObjectId: objectId.toUpperCase() })).toEqual({ id, name: "Seán O'Brien", disabled: false });
    expect(await client.findUser({ aadObjectId: randomUUID(), email: "Sean.O'Brien@contoso.example" })).toEqual({ id, name: "Seán O'Brien", disabled: false });
    expect(await client.findUser({ aadObjectId: randomUUID() })).toBeUndefined();
    // Not an object id: never put into the filter.
    expect(await client.findUser({ aadObjectId: "x' or 1 eq 1 or fullname eq '" })).toBeUndefined();
    expect(dv.requests.filter((r) => r.path.endsWith('/systemusers')).every((r) => r.status === 200)).toBe(true);
  });

  it("assigns the lead; one record's refusal is rejected (that lead only), never a wrong URL or a missing role", async () => {
    const leadId = await newLead();
    const ana = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'Ana', internalemailaddress: 'ana@contoso.example' });
    await client.assignLead(leadId, ana);
    expect(dv.leads.get(leadId)?._ownerid_value).toBe(ana);

    const disabled = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'Gone', internalemailaddress: 'gone@contoso.example', isdisabled: true });
    expect(await failure(client.assignLead(leadId, disabled))).toEqual(['DYNAMICS_OWNER_CANNOT_OWN', 'rejected']);
    const roleless = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'New', internalemailaddress: 'new@contoso.example', noRoles: true });
    expect(await failure(client.assignLead(leadId, roleless))).toEqual(['DYNAMICS_OWNER_CANNOT_OWN', 'rejected']);
    // A role that cannot read leads: the privilege check names the new owner, not the bot.
    const cannotRead = dv.addUser({ azureactivedirectoryobjectid: randomUUID(), fullname: 'Reader', internalemailaddress: 'reader@contoso.example', missingPrivileges: ['prvReadLead'] });
    expect(await failure(client.assignLead(leadId, cannotRead))).toEqual(['DYNAMICS_OWNER_CANNOT_OWN', 'rejected']);
    // Deleted in Dynamics: 404 with the service's code, not a wrong DYNAMICS_URL; and not created again.
    const gone = randomUUID();
    expect(await failure(client.assignLead(gone, ana))).toEqual(['DYNAMICS_RECORD_NOT_FOUND', 'rejected']);
    expect(dv.leads.has(gone)).toBe(false);
    // The bot's own role lacking Assign holds it back until an admin fixes the role.
    dv.faults.refusePrivileges = ['prvAssignLead'];
    expect(await failure(client.assignLead(leadId, ana))).toEqual(['DYNAMICS_FORBIDDEN', 'configuration']);
    dv.faults.clear();
  });
});
