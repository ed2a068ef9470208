import { AzureMonitorMetricExporter, AzureMonitorTraceExporter } from '@azure/monitor-opentelemetry-exporter';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TelemetrySettings } from '../config/settings';
import { Telemetry } from './telemetry';

export interface AzureMonitor {
  readonly telemetry: Telemetry;
  /** Sends what is still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

const SERVICE_NAME = 'marketplace-lead-bot';

/**
 * Exports the bot's telemetry to Application Insights, and nowhere else. Providers are the bot's
 * own, not OpenTelemetry's globals, so nothing else in the process reports through them.
 */
export function startAzureMonitor(
  settings: TelemetrySettings,
  options: { exportIntervalMs?: number | undefined; trustedCertificates?: string | undefined } = {},
): AzureMonitor {
  // The exporter's only switch for its own usage reports to Microsoft ("statsbeat", which also
  // probes the Azure instance metadata address): telemetry goes to your resource alone.
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  const exporterOptions = {
    connectionString: settings.connectionString,
    ...(options.trustedCertificates === undefined ? {} : { tlsOptions: { ca: options.trustedCertificates } }),
  };
  // service.name becomes the cloud role name in Application Insights; each instance is its host.
  const resource = resourceFromAttributes({ 'service.name': SERVICE_NAME });
  const meters = new MeterProvider({
    resource,
    readers: [new PeriodicExportingMetricReader({ exporter: new AzureMonitorMetricExporter(exporterOptions), exportIntervalMillis: options.exportIntervalMs ?? 60_000 })],
  });
  const tracers = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new AzureMonitorTraceExporter(exporterOptions))] });
  return {
    telemetry: new Telemetry(meters.getMeter(SERVICE_NAME), tracers.getTracer(SERVICE_NAME)),
    async shutdown() {
      await Promise.all([meters.shutdown(), tracers.shutdown()]);
    },
  };
}
