/** Marketplace action codes in the words a seller uses (docs/domain.md §1.3). */
const ACTIONS: Readonly<Record<string, string>> = {
  ins: 'Get it now',
  plt: 'Contact me',
  dnc: 'Do not contact',
  create: 'Purchase in the Azure portal',
  starttestdrive: 'Test drive started',
};

/** Unknown codes pass through unchanged: Microsoft adds codes without notice. */
export function describeAction(actionCode: string): string {
  return ACTIONS[actionCode.toLowerCase()] ?? actionCode;
}
