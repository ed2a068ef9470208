import { Template } from 'adaptivecards-templating';
import type { Reader } from '../language/language';
import { messagesIn, templateText } from '../language/messages';
import { formatTime } from '../language/times';
import type { AdaptiveCardJson } from './lead-card';
import template from './status-card.json';

/** What `status` reports, already in words where a person reads it. */
export interface StatusReport {
  readonly generatedAt: string;
  /** Label → value rows. */
  readonly leadFacts: readonly Fact[];
  readonly dynamicsFacts: readonly Fact[];
  readonly teamsFacts: readonly Fact[];
  /** Each route with its leads of the last 7 days, in the order routes are tried; empty without routes. */
  readonly routeFacts: readonly Fact[];
  /** What stops leads now (sign-in or Dynamics failing), with its fix. */
  readonly problem: { readonly message: string; readonly fix: string } | undefined;
  readonly deadLetters: readonly { readonly leadId: string; readonly reason: string; readonly fix: string; readonly at: string }[];
  readonly deadLetterCount: number;
  readonly unreachable: readonly { readonly contact: string; readonly why: string }[];
  readonly failedDeliveries: readonly { readonly where: string; readonly error: string; readonly at: string }[];
  /** Offer the Retry button (admins only, and only with something to retry). */
  readonly canRetry: boolean;
}

export interface Fact {
  readonly label: string;
  readonly value: string;
}

/** The status report as a card, in the reader's words; the headline says at once whether anything needs attention. */
export function statusCard(report: StatusReport, reader: Reader): AdaptiveCardJson {
  const say = messagesIn(reader.language);
  const attention = [
    report.problem === undefined ? '' : say('statusCard.leadsWaiting'),
    report.deadLetterCount > 0 ? say('statusCard.deadLettered', { count: report.deadLetterCount }) : '',
    report.unreachable.length > 0 ? say('statusCard.unreachable', { count: report.unreachable.length }) : '',
    report.failedDeliveries.length > 0 ? say('statusCard.failedDeliveries', { count: report.failedDeliveries.length }) : '',
  ].filter((p) => p !== '');
  const headline = attention.length === 0 ? say('statusCard.allGood') : say('statusCard.needsAttention', { what: attention.join(', ') });
  return new Template(template).expand({
    $root: {
      ...report,
      text: templateText(reader.language, 'statusCard.'),
      fallbackText: say('statusCard.fallbackText', { headline }),
      asOf: say('statusCard.asOf', { when: formatTime(report.generatedAt, reader) }),
      deadLettersTitle: say('statusCard.deadLetters', { count: report.deadLetterCount }),
      headline,
      headlineColor: attention.length === 0 ? 'Good' : 'Attention',
      problem: report.problem?.message ?? '',
      fix: report.problem?.fix ?? '',
      deadLetters: report.deadLetters.map((d) => ({ ...d, at: formatTime(d.at, reader) })),
      failedDeliveries: report.failedDeliveries.map((d) => ({ ...d, at: formatTime(d.at, reader) })),
    },
  }) as AdaptiveCardJson;
}
