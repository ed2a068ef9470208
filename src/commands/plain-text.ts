/**
 * What Teams sends as text may carry HTML (a typed address becomes a mailto link): the text only.
 * A tag goes without a trace, so `contacts=<a …>a@x</a>,<a …>b@x</a>` stays one word; a line break
 * is a space.
 */
export function plainText(text: string): string {
  return text
    .replace(/<br\s*\/?>|<\/p>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
