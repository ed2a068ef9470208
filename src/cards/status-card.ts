import { Template } from 'adaptivecards-templating';
import { formatTime } from './format-time';
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

/** The status report as a card; the headline says at once whether anything needs attention. */
export function statusCard(report: StatusReport): AdaptiveCardJson {
  const attention = [
    report.problem === undefined ? '' : 'leads are waiting',
    report.deadLetterCount > 0 ? `${report.deadLetterCount} dead-lettered` : '',
    report.unreachable.length > 0 ? `${report.unreachable.length} contact(s) not reachable` : '',
    report.failedDeliveries.length > 0 ? `${report.failedDeliveries.length} failed deliveries` : '',
  ].filter((p) => p !== '');
  return new Template(template).expand({
    $root: {
      ...report,
      generatedAt: formatTime(report.generatedAt),
      headline: attention.length === 0 ? 'All good: leads flow into Dynamics and to Teams.' : `Needs attention: ${attention.join(', ')}.`,
      headlineColor: attention.length === 0 ? 'Good' : 'Attention',
      problem: report.problem?.message ?? '',
      fix: report.problem?.fix ?? '',
      deadLetters: report.deadLetters.map((d) => ({ ...d, at: formatTime(d.at) })),
      failedDeliveries: report.failedDeliveries.map((d) => ({ ...d, at: formatTime(d.at) })),
    },
  }) as AdaptiveCardJson;
}
