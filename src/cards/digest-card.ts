import { Template } from 'adaptivecards-templating';
import type { Reader } from '../language/language';
import { messagesIn, templateText, type Messages } from '../language/messages';
import { formatTime } from '../language/times';
import type { LeadAction } from '../routing/route';
import { clip, type AdaptiveCardJson } from './lead-card';
import template from './digest-card.json';

/** How fast sellers were: how many leads it counts, and their median in minutes (none when it counts none). */
export interface Pace {
  readonly count: number;
  readonly medianMinutes: number | undefined;
}

export interface OfferFigures {
  /** The offer's title as the lead gave it, else its id. */
  readonly offer: string;
  readonly received: number;
  readonly toClaim: Pace;
  readonly toFirstTouch: Pace;
}

export interface SellerFigures {
  /** As Teams named them ('' when it gave no name). */
  readonly seller: string;
  readonly toClaim: Pace;
  readonly toFirstTouch: Pace;
}

/** One day of leads (#16): what came, who took it and how fast, and what nobody has taken yet. */
export interface DigestFigures {
  /** The day counted: from the digest's hour the day before to its hour today (ISO). */
  readonly from: string;
  readonly to: string;
  readonly received: number;
  readonly actions: Readonly<Record<LeadAction | 'other', number>>;
  readonly toClaim: Pace;
  readonly toFirstTouch: Pace;
  /** Busiest first. */
  readonly offers: readonly OfferFigures[];
  readonly sellers: readonly SellerFigures[];
  /** Leads of the last BACKLOG_DAYS nobody has claimed or disqualified, and the oldest's arrival. */
  readonly backlog: { readonly count: number; readonly oldest: string | undefined };
}

/**
 * The daily digest (#16) as one card, in the reader's words and the team's zone: the day's leads
 * and their actions, how fast they were claimed and first contacted, per offer and per seller, and
 * the unclaimed backlog. Offer and seller names are shown as they came, in TextRuns (no markdown).
 */
export function digestCard(figures: DigestFigures, reader: Reader): AdaptiveCardJson {
  const say = messagesIn(reader.language);
  const time = (iso: string): string => formatTime(iso, reader);
  const actions = say('digestCard.actions', {
    contactMe: String(figures.actions['contact-me']),
    trial: String(figures.actions.trial),
    purchase: String(figures.actions.purchase),
    other: String(figures.actions.other),
  });
  const facts = [
    { label: say('digestCard.received'), value: figures.received === 0 ? say('digestCard.none') : `${String(figures.received)} (${actions})` },
    { label: say('digestCard.claimed'), value: paceText(figures.toClaim, say) },
    { label: say('digestCard.touched'), value: paceText(figures.toFirstTouch, say) },
    {
      label: say('digestCard.backlog'),
      value: figures.backlog.oldest === undefined ? say('digestCard.none') : say('digestCard.backlogValue', { count: String(figures.backlog.count), oldest: time(figures.backlog.oldest) }),
    },
  ];
  const row = (name: string, count: number, toClaim: Pace, toFirstTouch: Pace): Record<string, string> => ({
    // Names as the leads and Teams gave them: a line each at most.
    name: clip(name, 80),
    count: String(count),
    toClaim: minutesText(toClaim.medianMinutes, say),
    toFirstTouch: minutesText(toFirstTouch.medianMinutes, say),
  });
  return new Template(template).expand({
    $root: {
      text: templateText(reader.language, 'digestCard.'),
      fallbackText: say('digestCard.fallbackText', { count: String(figures.received) }),
      period: `${time(figures.from)} – ${time(figures.to)}`,
      facts,
      offers: figures.offers.map((o) => row(o.offer, o.received, o.toClaim, o.toFirstTouch)),
      sellers: figures.sellers.map((s) => row(s.seller === '' ? say('leadCard.aColleague') : s.seller, s.toClaim.count, s.toClaim, s.toFirstTouch)),
    },
  }) as AdaptiveCardJson;
}

/** "8 of them, median 4 min". */
function paceText(pace: Pace, say: Messages): string {
  return pace.count === 0 ? say('digestCard.none') : say('digestCard.pace', { count: String(pace.count), median: minutesText(pace.medianMinutes, say) });
}

/** "4 min", "2 h 5 min", "3 days"; "—" for none. */
function minutesText(minutes: number | undefined, say: Messages): string {
  if (minutes === undefined) return '—';
  if (minutes < 60) return say('digestCard.minutes', { minutes: String(minutes) });
  if (minutes < 48 * 60) return say('digestCard.hours', { hours: String(Math.floor(minutes / 60)), minutes: String(minutes % 60), exact: minutes % 60 === 0 ? 'yes' : 'no' });
  return say('digestCard.days', { days: String(Math.round(minutes / 1440)) });
}
