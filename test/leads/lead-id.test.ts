import { leadIdFor } from '../../src/leads/lead-id';

describe('leadIdFor', () => {
  it('gives the same GUID for the same identity and different ones otherwise', () => {
    expect(leadIdFor('a')).toBe(leadIdFor('a'));
    expect(leadIdFor('a')).not.toBe(leadIdFor('b'));
  });

  it('gives a version 8 GUID with the RFC variant, which Dataverse accepts as a key', () => {
    expect(leadIdFor('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
