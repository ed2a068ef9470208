import type { Request, Response, Server } from 'restify';
import type { IntakeSettings } from '../config/settings';
import type { LeadDetails } from '../leads/lead';
import { LeadPayloadError } from '../leads/lead-payload-error';
import { parseHttpsLead } from '../leads/parse-https-lead';
import type { Logger } from '../logging/create-logger';
import { acceptLead, type AcceptLeadDeps } from './accept-lead';
import { checkIntakeKey } from './check-intake-key';
import { classifyFailure } from './classify-failure';
import { IntakeError, intakeErrors } from './intake-errors';
import { readJsonBody, type BodyRefusals } from '../http/read-json-body';

export const LEADS_PATH = '/api/leads';

const LEAD_BODY: BodyRefusals = {
  notJson: intakeErrors.notJson,
  encoded: intakeErrors.encoded,
  tooLarge: intakeErrors.tooLarge,
  empty: intakeErrors.emptyBody,
  malformed: intakeErrors.malformedJson,
};

/**
 * Partner Center's HTTPS-endpoint destination. Answers 2xx only once the lead is stored and
 * queued; every other answer means "not accepted, send again" (5xx) or "this will never be
 * accepted" (4xx, with the reason).
 */
export function registerIntakeRoute(
  server: Server,
  settings: IntakeSettings,
  deps: AcceptLeadDeps & { readonly logger: Logger },
): void {
  const windowMs = settings.duplicateWindowHours * 3_600_000;

  server.post(LEADS_PATH, async (req: Request, res: Response) => {
    const log = deps.logger.child({ route: LEADS_PATH });
    try {
      const query = new URL(req.url ?? '/', 'http://intake').searchParams;
      checkIntakeKey(settings.key, query.get('code'), req.header('x-lead-key') || undefined);
      // Partner Center does not document its headers: a missing type is taken, a wrong one refused.
      const details = parseLead(await readJsonBody(req, settings.maxBodyBytes, LEAD_BODY, { typeRequired: false }));
      const accepted = await acceptLead(details, 'https', { key: fingerprint(details), duplicateWindowMs: windowMs }, deps);
      log.child({ leadId: accepted.leadId }).info(
        {
          duplicate: accepted.duplicate,
          isTest: accepted.isTest,
          channel: details.source.channel,
          actionCode: details.source.actionCode,
          offerId: details.source.offerId,
        },
        accepted.duplicate ? 'lead already received; not stored again' : 'lead accepted',
      );
      res.send(accepted.duplicate ? 200 : 202, {
        leadId: accepted.leadId,
        status: accepted.duplicate ? 'duplicate' : 'accepted',
        test: accepted.isTest,
      });
    } catch (error) {
      const answer = classifyFailure(error);
      if (answer === undefined || answer.status >= 500) log.error({ err: error }, 'lead not accepted');
      else log.warn({ code: answer.code, status: answer.status }, answer.message);
      sendError(res, answer ?? new IntakeError('LEAD_INTERNAL', 500, 'The lead was not accepted; send it again.'));
    }
  });
}

function parseLead(body: unknown): LeadDetails {
  try {
    return parseHttpsLead(body);
  } catch (error) {
    if (error instanceof LeadPayloadError) throw intakeErrors.notALead(error.message);
    throw error;
  }
}

/** Two deliveries with the same normalised content are one lead sent twice. */
function fingerprint(details: LeadDetails): string {
  return `https:${JSON.stringify([details.customer, details.source.raw, details.source.actionCode, details.source.offerTitle, details.description])}`;
}

function sendError(res: Response, error: IntakeError): void {
  for (const [name, value] of Object.entries(error.headers)) res.header(name, value);
  res.send(error.status, { error: { code: error.code, message: error.message } });
}
