import type { Language } from '../language/language';
import { message } from '../language/messages';
import type { RecordedFailure } from './lead-failure';

/** A lead given up after failures other than Dynamics (Teams, Graph, storage): its dead letter's code. */
export const LEAD_NOT_FINISHED = 'LEAD_NOT_FINISHED';

/** The dead letter's reason and fix, in English as stored and logged. */
export function notFinished(passes: number, lastFailure: string): { readonly reason: string; readonly fix: string } {
  return { reason: message('en', 'notFinished.reason', { passes: String(passes), last: lastFailure }), fix: message('en', 'notFinished.fix') };
}

/**
 * A LEAD_NOT_FINISHED dead letter in the reader's words (the last failure as it was recorded);
 * undefined for any other code.
 */
export function explainNotFinished(recorded: RecordedFailure, language: Language): { message: string; fix: string } | undefined {
  if (recorded.code !== LEAD_NOT_FINISHED) return undefined;
  // The stored reason is the English message: its number and last failure are read back out of it.
  const parts = /^Tried (\d+) times; the last failure: ([\s\S]*)$/.exec(recorded.message);
  const said = parts === null ? recorded.message : message(language, 'notFinished.reason', { passes: parts[1] ?? '', last: parts[2] ?? '' });
  return { message: said, fix: message(language, 'notFinished.fix') };
}
