/**
 * What Dynamics knows of a lead's customer already (#16), shown on the card so two sellers don't
 * chase the same person: values as Dynamics gave them (untrusted text), each with its record's link.
 * Empty: looked up, nothing known.
 */
export interface KnownCustomer {
  /** A contact with the customer's e-mail address, and since when (its createdon). */
  readonly contact?: { readonly name: string; readonly since: string; readonly url: string };
  /** Another open lead with the address, and who owns it. */
  readonly openLead?: { readonly name: string; readonly owner: string; readonly url: string };
  /** An account at the address's mail domain (never a free-mail one, nor the publisher's own). */
  readonly account?: { readonly name: string; readonly url: string };
}

/** Whether there is anything to say. */
export function isKnown(known: KnownCustomer | undefined): known is KnownCustomer {
  return known?.contact !== undefined || known?.openLead !== undefined || known?.account !== undefined;
}

/**
 * Mail domains anyone may have an address at: an account "at" one of them says nothing of the
 * customer's company. The large international and Korean providers.
 */
const FREE_MAIL = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'yahoo.co.jp', 'icloud.com', 'me.com', 'aol.com',
  'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de', 'web.de', 'mail.com', 'yandex.ru', 'qq.com', '163.com', '126.com',
  'naver.com', 'daum.net', 'hanmail.net', 'kakao.com', 'nate.com',
]);

/** The company mail domain of an address, to find its account by; undefined for a free-mail address, one of `own`, or no address. */
export function companyDomainOf(email: string, own: readonly string[]): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 0) return undefined;
  const domain = email.slice(at + 1).toLowerCase();
  if (domain === '' || FREE_MAIL.has(domain) || own.some((d) => domain === d || domain.endsWith(`.${d}`))) return undefined;
  return domain;
}
