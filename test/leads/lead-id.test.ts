import { leadIdFor } from '../../src/leads/lead-id';

describe('leadIdFor', () => {
  it('gives the same GUID for the same identity and different ones otherwise', () => {
    expect(leadIdFor('a')).toBe(leadIdFor('a'));
    expect(leadIdFor('a')).not.toBe(leadIdFor('b'));
  });

  it('keeps giving the ids it gave before: they are the Dynamics record ids, which a lead re-sent after an upgrade must find', () => {
    expect(leadIdFor('a')).toBe('ec815be7-846f-8e9b-8ee1-b3b5926d7989');
    expect(leadIdFor('table:devstoreaccount1-marketplaceleads/pk/rk')).toBe('34a8b4ba-f9ca-8652-b44b-53f9d0e50618');
  });

  it('gives a version 8 GUID with the RFC variant, which Dataverse accepts as a key', () => {
    expect(leadIdFor('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
