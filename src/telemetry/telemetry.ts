import { SpanKind, SpanStatusCode, type Counter, type Meter, type Span, type Tracer } from '@opentelemetry/api';

/** What happened to a lead at the door. */
export type IntakeOutcome = 'accepted' | 'duplicate';
/** Where a lead's processing ended: in Dynamics, or in the dead letters. */
export type ProcessedOutcome = 'written' | 'dead-lettered';
/** What one card to one conversation came to (see teams-notifier). */
export type DeliveryOutcome = 'sent' | 'already-sent' | 'retired' | 'failed' | 'retry-later' | 'mail-sent' | 'mail-refused' | 'mail-failed' | 'mail-unknown';
/** The work that is retried or fails. */
export type Work = 'dynamics-write' | 'teams-delivery';

/**
 * The numbers an operator watches, in the domain's words: leads received and processed, cards
 * delivered, retries and failures, and each HTTP request. Recorded through OpenTelemetry, only
 * when Application Insights is set (see startAzureMonitor); otherwise there is no Telemetry.
 */
export class Telemetry {
  private readonly received: Counter;
  private readonly processed: Counter;
  private readonly deliveries: Counter;
  private readonly retries: Counter;
  private readonly failures: Counter;

  constructor(
    meter: Meter,
    private readonly tracer: Tracer,
  ) {
    this.received = meter.createCounter('leads.received', { description: 'Leads taken at /api/leads or from the Azure Table, by outcome' });
    this.processed = meter.createCounter('leads.processed', { description: 'Leads written to Dynamics or dead-lettered' });
    this.deliveries = meter.createCounter('leads.deliveries', { description: 'Lead cards to Teams conversations, by outcome' });
    this.retries = meter.createCounter('retries', { description: 'Work tried again after a transient failure' });
    this.failures = meter.createCounter('failures', { description: 'Failed attempts, by work and error code' });
  }

  leadReceived(outcome: IntakeOutcome): void {
    this.received.add(1, { outcome });
  }

  leadProcessed(outcome: ProcessedOutcome): void {
    this.processed.add(1, { outcome });
  }

  delivered(outcome: DeliveryOutcome): void {
    this.deliveries.add(1, { outcome });
  }

  retried(work: Work): void {
    this.retries.add(1, { work });
  }

  failed(work: Work, code: string): void {
    this.failures.add(1, { work, code });
  }

  /**
   * A span for one HTTP request, ended by endRequest. Only the method and the path are recorded:
   * the query carries the intake key (`?code=`), and bodies carry customers' details.
   */
  startRequest(method: string): Span {
    return this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } });
  }

  endRequest(span: Span, answer: { method: string; route: string | undefined; origin: string; path: string; status: number }): void {
    span.updateName(`${answer.method} ${answer.route ?? answer.path}`);
    span.setAttributes({ 'url.path': answer.path, 'url.full': `${answer.origin}${answer.path}`, 'http.response.status_code': answer.status });
    if (answer.route !== undefined) span.setAttribute('http.route', answer.route);
    if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }
}
