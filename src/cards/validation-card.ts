import { Template } from 'adaptivecards-templating';
import { isRecordUrl, type AdaptiveCardJson } from './lead-card';
import template from './validation-card.json';

export type StepState = 'waiting' | 'running' | 'passed' | 'warning' | 'failed' | 'skipped';

/** One step of `validate`, as the report card shows it (src/validation/ fills it in). */
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
const MARK: Readonly<Record<StepState, { word: string; color: string }>> = {
  waiting: { word: 'Waiting', color: 'Default' },
  running: { word: 'Running', color: 'Accent' },
  passed: { word: 'Passed', color: 'Good' },
  warning: { word: 'Warning', color: 'Warning' },
  failed: { word: 'Failed', color: 'Attention' },
  skipped: { word: 'Skipped', color: 'Default' },
};

/** The `validate` report: every step with its state, time and fix; updated in place as steps finish. */
export function validationCard(steps: readonly StepResult[], testLeadUrl: string | undefined): AdaptiveCardJson {
  const finished = steps.every((s) => s.state !== 'waiting' && s.state !== 'running');
  const failed = steps.filter((s) => s.state === 'failed').length;
  const warnings = steps.filter((s) => s.state === 'warning').length;
  const done = steps.filter((s) => s.state !== 'waiting' && s.state !== 'running').length;
  const headline = !finished
    ? `Checking… ${done} of ${steps.length} done.`
    : failed > 0
      ? `${failed} check(s) failed: leads will not get through until the fix below is made.`
      : warnings > 0
        ? `Leads will get through, with ${warnings} warning(s) below.`
        : 'All checks passed: leads will reach Dynamics and the sales team.';
  return new Template(template).expand({
    $root: {
      headline,
      headlineColor: !finished ? 'Default' : failed > 0 ? 'Attention' : warnings > 0 ? 'Warning' : 'Good',
      steps: steps.map((s) => ({ ...s, mark: MARK[s.state].word, markColor: MARK[s.state].color, time: formatDuration(s.ms) })),
      testLeadUrl: testLeadUrl !== undefined && isRecordUrl(testLeadUrl) ? testLeadUrl : '',
      finished,
    },
  }) as AdaptiveCardJson;
}

function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
