/**
 * Go's time.RFC3339Nano in UTC, as upstream writes the last-change-trigger-time annotation:
 * fractional seconds without trailing zeros, none at all when whole.
 */
export function formatRFC3339Nano(time: string | number | Date): string {
  // A bulk sync stamps the same trigger time on many objects: the last number's text is reused.
  if (typeof time === 'number' && time === lastTime) return lastText;
  const iso = new Date(time).toISOString(); // 2018-01-01T00:00:00.120Z
  const text = iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
  if (typeof time === 'number') {
    lastTime = time;
    lastText = text;
  }
  return text;
}

let lastTime = Number.NaN;
let lastText = '';

/** Milliseconds since the epoch for a Kubernetes timestamp, or undefined when absent or invalid. */
export function parseTime(time: string | undefined): number | undefined {
  if (!time) return undefined;
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : t;
}
