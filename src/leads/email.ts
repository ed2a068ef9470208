/** An e-mail address as people type them in settings, routes and commands: something@somewhere.tld, no spaces or list separators. */
export const EMAIL = /^[^\s@;,]+@[^\s@;,]+\.[^\s@;,]+$/;

/** An internet domain: labels of letters, digits and hyphens, with a dot between them (contoso.com). */
export const DOMAIN = /^(?!-)[a-z0-9-]{1,63}(?:\.(?!-)[a-z0-9-]{1,63})+$/i;

/** Whether an address is at one of `domains` or a subdomain of one (sales.contoso.com is contoso.com's). */
export function isAtDomain(address: string, domains: readonly string[]): string | undefined {
  const at = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return address.includes('@') ? domains.find((d) => at === d || at.endsWith(`.${d}`)) : undefined;
}
