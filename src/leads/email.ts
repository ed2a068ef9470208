/** An e-mail address as people type them in settings, routes and commands: something@somewhere.tld, no spaces or list separators. */
export const EMAIL = /^[^\s@;,]+@[^\s@;,]+\.[^\s@;,]+$/;
