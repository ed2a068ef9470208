import { LeadPayloadError } from '../../src/leads/lead-payload-error';
import { parseHttpsLead } from '../../src/leads/parse-https-lead';
import { fixture } from '../support/fixtures';

describe('parseHttpsLead', () => {
  it('reads the AppSource "Contact me" lead', () => {
    const lead = parseHttpsLead(fixture('https-appsource-contact-me'));
    expect(lead.customer).toEqual({
      firstName: 'Dana',
      lastName: 'Whitfield',
      email: 'dana.whitfield@fabrikam.example',
      phone: '+44 20 7946 0958',
      country: 'GB',
      company: 'Fabrikam Ltd',
      title: 'Head of Sales Operations',
    });
    expect(lead.source).toEqual({
      raw: 'AppSource-PLT|contoso.contoso-sales-insights',
      channel: 'AppSource',
      actionCode: 'PLT',
      action: 'Contact me',
      offerId: 'contoso.contoso-sales-insights',
      offerTitle: 'Contoso Sales Insights',
    });
    expect(lead.description).toMatch(/^We have 40 sellers/);
    expect(lead.isTest).toBe(false);
    expect(lead.doNotContact).toBe(false);
  });

  it('reads the Azure portal purchase', () => {
    const lead = parseHttpsLead(fixture('https-azure-portal-purchase'));
    expect(lead.source).toMatchObject({ channel: 'AzurePortal', actionCode: 'Create', action: 'Purchase in the Azure portal', offerId: 'contoso.contoso-vm-hardened' });
    expect(lead.customer.lastName).toBe('Watanabe');
    expect(lead.description).toBe('');
  });

  it('keeps blank fields blank', () => {
    const lead = parseHttpsLead(fixture('https-blank-fields'));
    expect(lead.customer).toEqual({ firstName: '', lastName: '', email: 'procurement@northwind.example', phone: '', country: '', company: '', title: '' });
    expect(lead.source.action).toBe('Test drive started');
  });

  it('marks a do-not-contact lead', () => {
    const lead = parseHttpsLead(fixture('https-do-not-contact'));
    expect(lead.doNotContact).toBe(true);
    expect(lead.source.action).toBe('Do not contact');
  });

  it('reads the docs sample, whose LeadSource names no action or offer', () => {
    const lead = parseHttpsLead(fixture('https-docs-sample'));
    expect(lead.source).toEqual({ raw: 'AzureMarketplace', channel: 'AzureMarketplace', actionCode: 'INS', action: 'Get it now', offerId: '', offerTitle: 'Test Microsoft' });
    expect(lead.customer.country).toBe('USA');
  });

  it('keeps Korean text intact', () => {
    const lead = parseHttpsLead(fixture('https-korean-contact'));
    expect(lead.customer).toMatchObject({ firstName: '지민', lastName: '김', company: '우드그로브 은행', title: '영업 본부장' });
    expect(lead.description).toBe('다음 주에 데모를 요청합니다. 오전 시간이 좋습니다.');
  });

  it('recognises the Partner Center test lead, whose key is spelled userDetails', () => {
    const lead = parseHttpsLead(fixture('https-partner-center-test-lead'));
    expect(lead.isTest).toBe(true);
    expect(lead.customer.firstName).toBe('MSFT_TEST_636573304831318844');
    expect(lead.customer.email).toBe('MSFT_TEST_636573304831318844@test.com');
  });

  it('matches every key case-insensitively, nested ones too', () => {
    const lead = parseHttpsLead({ USERDETAILS: { firstname: 'Ann', LASTNAME: 'Lee' }, leadsource: 'SPZA-INS|a.b', actioncode: '' });
    expect(lead.customer.firstName).toBe('Ann');
    expect(lead.customer.lastName).toBe('Lee');
    expect(lead.source).toMatchObject({ channel: 'AppSource', actionCode: 'INS', offerId: 'a.b' });
  });

  it('marks a do-not-contact lead whatever the case of its action code', () => {
    expect(parseHttpsLead({ LeadSource: 'AzureMarketplace-INS|a.b', ActionCode: 'dnc' })).toMatchObject({ doNotContact: true, source: { action: 'Do not contact' } });
    expect(parseHttpsLead({ LeadSource: 'AppSource-Dnc|a.b' })).toMatchObject({ doNotContact: true, source: { actionCode: 'Dnc' } });
  });

  it('reads a LeadSource with blanks around its parts', () => {
    const lead = parseHttpsLead({ LeadSource: ' AppSource-PLT | contoso.contoso-sales-insights ' });
    expect(lead.source).toMatchObject({ raw: 'AppSource-PLT | contoso.contoso-sales-insights', channel: 'AppSource', actionCode: 'PLT', offerId: 'contoso.contoso-sales-insights' });
  });

  it('passes unknown action codes through unchanged', () => {
    const lead = parseHttpsLead({ LeadSource: 'AzureMarketplace-NEWCODE|p.o', ActionCode: 'NEWCODE' });
    expect(lead.source.action).toBe('NEWCODE');
  });

  it('keeps free text in LeadSource as the raw string only', () => {
    const lead = parseHttpsLead({ LeadSource: 'MSFT_TEST some free text', OfferTitle: 'x' });
    expect(lead.source).toMatchObject({ raw: 'MSFT_TEST some free text', channel: '', actionCode: '', offerId: '' });
  });

  it('takes a lead for a test only where Partner Center marks one: the names and the e-mail', () => {
    const real = fixture('https-appsource-contact-me') as { UserDetails: Record<string, string> };
    for (const marked of [{ FirstName: 'MSFT_TEST_1' }, { LastName: 'msft_test_2' }, { Email: 'MSFT_TEST_3@test.com' }]) {
      expect(parseHttpsLead({ ...real, UserDetails: { ...real.UserDetails, ...marked } }).isTest).toBe(true);
    }
    // What a customer types never makes a real lead a test one (it would go to the admins only).
    for (const typed of [{ Company: 'MSFT_TEST Inc' }, { Title: 'msft_test lead' }, { Phone: 'MSFT_TEST' }]) {
      expect(parseHttpsLead({ ...real, UserDetails: { ...real.UserDetails, ...typed } }).isTest).toBe(false);
    }
    expect(parseHttpsLead({ ...real, Description: 'Is this MSFT_TEST thing real?', LeadSource: 'MSFT_TEST', OfferTitle: 'MSFT_TEST' }).isTest).toBe(false);
  });

  it('turns a phone sent as a number (or any true/false) into text and null into blank, rather than refusing the lead', () => {
    const lead = parseHttpsLead({ UserDetails: { Phone: 16175555555, Company: null, Title: false } });
    expect(lead.customer.phone).toBe('16175555555');
    expect(lead.customer.company).toBe('');
    expect(lead.customer.title).toBe('false');
  });

  it.each([
    [[], 'it is an array'],
    ['lead', 'it is a string'],
    [null, 'it is null'],
    [42, 'it is a number'],
  ])('refuses a body that is not an object: %j', (body, words) => {
    expect(() => parseHttpsLead(body)).toThrow(LeadPayloadError);
    expect(() => parseHttpsLead(body)).toThrow(words);
    // Named in logs and stack traces as what it is.
    let refused: unknown;
    try {
      parseHttpsLead(body);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ name: 'LeadPayloadError' });
  });

  it('says what a lead looks like when the body is not an object', () => {
    expect(() => parseHttpsLead('lead')).toThrow(
      'The body must be a JSON object with the marketplace lead fields (UserDetails, LeadSource, ActionCode, OfferTitle, Description), but it is a string',
    );
  });

  it('refuses an object with none of the lead fields, naming them', () => {
    expect(() => parseHttpsLead({ hello: 'world' })).toThrow(/none of the marketplace lead fields \(UserDetails, LeadSource/);
  });

  it('names the field that has the wrong type', () => {
    expect(() => parseHttpsLead({ UserDetails: 'Dana' })).toThrow('UserDetails must be an object, but it is a string');
    expect(() => parseHttpsLead({ UserDetails: { FirstName: { x: 1 } } })).toThrow('UserDetails.FirstName must be text, but it is an object');
    expect(() => parseHttpsLead({ LeadSource: ['a'] })).toThrow('LeadSource must be text, but it is an array');
  });
});
