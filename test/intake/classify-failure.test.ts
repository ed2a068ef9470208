import { RestError } from '@azure/core-rest-pipeline';
import { classifyFailure } from '../../src/intake/classify-failure';
import { intakeErrors } from '../../src/intake/intake-errors';

/** What the sender is answered: status, code, message, headers. */
const answer = (error: unknown) => {
  const intakeError = classifyFailure(error);
  return intakeError && { status: intakeError.status, code: intakeError.code, message: intakeError.message, headers: intakeError.headers };
};

const STORAGE_DOWN = {
  status: 503,
  code: 'LEAD_STORAGE_UNAVAILABLE',
  message: 'The lead could not be stored right now and was not accepted; send it again shortly.',
  headers: { 'retry-after': '30' },
};

const networkError = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:10002`), { code });

// storage-outage.test.ts stops Azurite for real; these are the other failures storage can end in.
describe('the answer to a lead that could not be made durable', () => {
  it('is the intake error itself, when the intake refused the lead', () => {
    const refused = intakeErrors.notJson('text/plain');
    expect(classifyFailure(refused)).toBe(refused);
  });

  it('is 503 with Retry-After when storage answered with an error', () => {
    expect(answer(new RestError('The server is busy.', { statusCode: 503, code: 'ServerBusy' }))).toEqual(STORAGE_DOWN);
    expect(answer(new RestError('Conflict', { statusCode: 409 }))).toEqual(STORAGE_DOWN);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET'])(
    'is 503 with Retry-After when storage could not be reached: %s',
    (code) => {
      expect(answer(networkError(code))).toEqual(STORAGE_DOWN);
    },
  );

  it('is no known answer (a 500: "send it again") for anything else', () => {
    expect(answer(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBeUndefined();
    expect(answer(networkError('EACCES'))).toBeUndefined();
    expect(answer(networkError('XECONNREFUSED'))).toBeUndefined();
    expect(answer(Object.assign(new Error('odd'), { code: 503 }))).toBeUndefined();
    expect(answer(null)).toBeUndefined();
    expect(answer('ECONNREFUSED')).toBeUndefined();
  });
});
