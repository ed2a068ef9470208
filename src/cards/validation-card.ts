import { Template } from 'adaptivecards-templating';
import type { Language } from '../language/language';
import { message, templateText, type MessageKey } from '../language/messages';
import { isRecordUrl, type AdaptiveCardJson } from './lead-card';
import template from './validation-card.json';

export type StepState = 'waiting' | 'running' | 'passed' | 'warning' | 'failed' | 'skipped';

/** One step of `validate`, as the report card shows it (src/validation/ fills it in, in the reader's words). */
export interface StepResult {
  readonly title: string;
  readonly state: StepState;
  /** What was found, in words. */
  readonly detail: string;
  /** What to do, when the step failed or warns. */
  readonly fix: string;
  readonly ms: number | undefined;
}

/** Each state in a word and a colour: readable without emoji fonts and by screen readers. */
const MARK: Readonly<Record<StepState, { word: MessageKey; color: string }>> = {
  waiting: { word: 'validationCard.state.waiting', color: 'Default' },
  running: { word: 'validationCard.state.running', color: 'Accent' },
  passed: { word: 'validationCard.state.passed', color: 'Good' },
  warning: { word: 'validationCard.state.warning', color: 'Warning' },
  failed: { word: 'validationCard.state.failed', color: 'Attention' },
  skipped: { word: 'validationCard.state.skipped', color: 'Default' },
};

/** The `validate` report: every step with its state, time and fix; updated in place as steps finish. */
export function validationCard(steps: readonly StepResult[], testLeadUrl: string | undefined, language: Language): AdaptiveCardJson {
  const finished = steps.every((s) => s.state !== 'waiting' && s.state !== 'running');
  const failed = steps.filter((s) => s.state === 'failed').length;
  const warnings = steps.filter((s) => s.state === 'warning').length;
  const done = steps.filter((s) => s.state !== 'waiting' && s.state !== 'running').length;
  const headline = !finished
    ? message(language, 'validationCard.checking', { done, total: steps.length })
    : failed > 0
      ? message(language, 'validationCard.failed', { failed })
      : warnings > 0
        ? message(language, 'validationCard.warnings', { warnings })
        : message(language, 'validationCard.passed');
  return new Template(template).expand({
    $root: {
      text: templateText(language, 'validationCard.'),
      headline,
      fallbackText: message(language, 'validationCard.fallbackText', { headline }),
      headlineColor: !finished ? 'Default' : failed > 0 ? 'Attention' : warnings > 0 ? 'Warning' : 'Good',
      steps: steps.map((s) => ({ ...s, mark: message(language, MARK[s.state].word), markColor: MARK[s.state].color, time: formatDuration(s.ms) })),
      testLeadUrl: testLeadUrl !== undefined && isRecordUrl(testLeadUrl) ? testLeadUrl : '',
      finished,
    },
  }) as AdaptiveCardJson;
}

function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
