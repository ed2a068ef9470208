import { plainText } from '../../src/commands/plain-text';

describe('the text of a command as Teams sends it', () => {
  it('keeps typed addresses Teams turned into links as one word, and line breaks as spaces', () => {
    expect(plainText('route add kr countries=KR contacts=<a href="mailto:jimin@contoso.example">jimin@contoso.example</a>,<a href="mailto:minho@contoso.example">minho@contoso.example</a>')).toBe(
      'route add kr countries=KR contacts=jimin@contoso.example,minho@contoso.example',
    );
    expect(plainText('<p>route list</p><p>please</p>').trim()).toBe('route list please');
    expect(plainText('subscribe offer a&amp;b<br>x&lt;y&gt;')).toBe('subscribe offer a&b x<y>');
  });
});
