import { COLUMN_LENGTHS, mapLead, MISSING_LAST_NAME, truncate } from '../../src/dynamics/map-lead';
import type { Lead } from '../../src/leads/lead';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { parseTableRow } from '../../src/leads/parse-table-row';
import { fixture, httpsFixtureNames } from '../support/fixtures';

const ID = '7a327f16-0a0a-87a2-bf94-84a8e5bf6703';
const lead = (name: string, origin: Lead['origin'] = 'https'): Lead => ({
  ...(name === 'azure-table-row' ? parseTableRow(fixture(name)) : parseHttpsLead(fixture(name))),
  id: ID,
  origin,
  receivedAt: '2026-11-20T09:14:03.512Z',
});

describe('mapLead', () => {
  it('maps the "Contact me" lead onto the Dataverse lead columns', () => {
    expect(mapLead(lead('https-appsource-contact-me'), 8)).toEqual({
      leadid: ID,
      subject: 'Contact me — Contoso Sales Insights',
      firstname: 'Dana',
      lastname: 'Whitfield',
      companyname: 'Fabrikam Ltd',
      jobtitle: 'Head of Sales Operations',
      emailaddress1: 'dana.whitfield@fabrikam.example',
      telephone1: '+44 20 7946 0958',
      address1_country: 'GB',
      description: [
        'We have 40 sellers on Dynamics 365 Sales and want a demo next week. Best time: mornings UK time.',
        '',
        'Lead source: AppSource-PLT|contoso.contoso-sales-insights',
        'Action: Contact me (PLT)',
        'Offer: Contoso Sales Insights (contoso.contoso-sales-insights)',
        'Received: 2026-11-20T09:14:03.512Z via the HTTPS endpoint',
      ].join('\n'),
      leadsourcecode: 8,
    });
  });

  it('keeps Korean text as it is', () => {
    const record = mapLead(lead('https-korean-contact'), 8);
    expect(record).toMatchObject({ firstname: '지민', lastname: '김', companyname: '우드그로브 은행', jobtitle: '영업 본부장', subject: 'Get it now — Contoso Sales Insights' });
    expect(record.description.startsWith('다음 주에 데모를 요청합니다.')).toBe(true);
  });

  it('gives a lead with blank fields a valid record: a last name, and no empty strings', () => {
    expect(mapLead(lead('https-blank-fields'), 8)).toMatchObject({
      lastname: MISSING_LAST_NAME,
      firstname: null,
      companyname: null,
      jobtitle: null,
      telephone1: null,
      address1_country: null,
      emailaddress1: 'procurement@northwind.example',
      subject: 'Test drive started — Contoso Analytics',
    });
  });

  it('writes the test lead as the marketplace sends it, so MSFT_TEST can be found in Dynamics', () => {
    const record = mapLead(lead('https-partner-center-test-lead'), 8);
    expect(record.firstname).toBe('MSFT_TEST_636573304831318844');
    expect(record.description).toMatch(/^MSFT_TEST_636573304831318844\n\nLead source: AzureMarketplace\n/);
  });

  it('notes do-not-contact, the table origin, and the configured lead source code', () => {
    expect(mapLead(lead('https-do-not-contact'), 10).description).toContain('The customer asked not to be contacted (DNC).');
    const fromTable = mapLead(lead('azure-table-row', 'table'), 4);
    expect(fromTable.description).toContain('via the Azure Table destination');
    expect(fromTable.leadsourcecode).toBe(4);
  });

  it.each(httpsFixtureNames())('keeps every column of %s within its Dataverse length', (name) => {
    const record = mapLead(lead(name), 8);
    for (const [column, max] of Object.entries(COLUMN_LENGTHS)) {
      expect((record[column as keyof typeof COLUMN_LENGTHS] ?? '').length).toBeLessThanOrEqual(max);
    }
  });

  it('truncates long values to the column lengths, keeping the lead facts in the description', () => {
    const long: Lead = {
      ...lead('https-appsource-contact-me'),
      customer: { ...lead('https-appsource-contact-me').customer, firstName: 'A'.repeat(80), company: 'C'.repeat(150) },
      description: 'n'.repeat(5000),
      source: { ...lead('https-appsource-contact-me').source, offerTitle: 'O'.repeat(400) },
    };
    const record = mapLead(long, 8);
    expect(record.firstname).toBe(`${'A'.repeat(49)}…`);
    expect(record.companyname).toHaveLength(100);
    expect(record.subject).toHaveLength(300);
    expect(record.description).toHaveLength(2000);
    expect(record.description).toMatch(/n…\n\nLead source: AppSource-PLT\|contoso.contoso-sales-insights\n/);
  });

  it('never cuts a character in half', () => {
    expect(truncate('😀😀😀', 4)).toBe('😀…');
    expect(truncate('abc', 3)).toBe('abc');
  });
});
