import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/settings';

export type { Logger };

/**
 * Paths whose values never reach a log line: credentials of every kind and the customer's
 * contact details (a lead's e-mail and phone are personal data). Request URLs are never
 * logged, so the intake key in `?code=` has no path to guard.
 */
const REDACT = [
  'key',
  'secret',
  'password',
  'token',
  'authorization',
  'connectionString',
  'email',
  'phone',
  '*.key',
  '*.secret',
  '*.clientSecret',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.authorization',
  '*.connectionString',
  '*.email',
  '*.phone',
  'req.headers.authorization',
  'req.headers["x-lead-key"]',
  'customer.email',
  'customer.phone',
  'lead.customer.email',
  'lead.customer.phone',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'marketplace-lead-bot' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
