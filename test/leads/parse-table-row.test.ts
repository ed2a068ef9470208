import { parseTableRow } from '../../src/leads/parse-table-row';
import { fixture } from '../support/fixtures';

describe('parseTableRow', () => {
  it('reads the Azure Table destination row, customer details from the CustomerInfo JSON string', () => {
    const lead = parseTableRow(fixture('azure-table-row'));
    expect(lead.customer).toEqual({
      firstName: 'Alex',
      lastName: 'Morgan',
      email: 'alex.morgan@litware.example',
      phone: '+1 425 555 0100',
      country: 'US',
      company: 'Litware Inc',
      title: 'CTO',
    });
    expect(lead.source).toMatchObject({ channel: 'AppSource', actionCode: 'PLT', action: 'Contact me', offerTitle: 'Contoso Sales Insights' });
    expect(lead.description).toBe('Please call me about volume licensing.');
  });

  it('takes the action from the ActionCode column over the one in LeadSource', () => {
    const lead = parseTableRow({ LeadSource: 'AzureMarketplace-INS|a.b', ActionCode: 'PLT' });
    expect(lead.source).toMatchObject({ actionCode: 'PLT', action: 'Contact me' });
  });

  it('names the column that has the wrong type', () => {
    expect(() => parseTableRow({ LeadSource: { text: 'AppSource' } })).toThrow(/^LeadSource must be text, but it is an object$/);
  });

  it('reads a row with no CustomerInfo as a lead with blank contact details', () => {
    const lead = parseTableRow({ LeadSource: 'AzureMarketplace-INS|a.b', ActionCode: 'INS' });
    expect(lead.customer.email).toBe('');
  });

  it('says so when CustomerInfo is not JSON', () => {
    expect(() => parseTableRow({ CustomerInfo: '{not json' })).toThrow('CustomerInfo is not valid JSON');
  });

  it('says so when CustomerInfo holds JSON that is not an object', () => {
    for (const info of ['["Alex"]', '"Alex"', 'null']) expect(() => parseTableRow({ CustomerInfo: info })).toThrow('CustomerInfo must hold a JSON object');
  });

  it('names the field inside CustomerInfo that has the wrong type', () => {
    expect(() => parseTableRow({ CustomerInfo: '{"Email": ["a@b.example"]}' })).toThrow('CustomerInfo.Email must be text, but it is an array');
  });
});
