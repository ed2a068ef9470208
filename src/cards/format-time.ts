/** A time as people in any time zone read it on a card: "2026-11-20 09:14 UTC". */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "2026-11-20 09:14 UTC (3 h ago)": when, and how long since. */
export function formatTimeAgo(iso: string, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 60_000));
  const ago = minutes < 1 ? 'just now' : minutes < 120 ? `${minutes} min ago` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h ago` : `${Math.round(minutes / 1440)} days ago`;
  return `${formatTime(iso)} (${ago})`;
}
