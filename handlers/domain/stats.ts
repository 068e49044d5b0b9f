// Summary statistics for the reports. Pure.

/** The median: the middle value, or the mean of the two middle values; null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile by nearest rank (the smallest value with at least p% of values at or below it). */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

export const mean = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;

/** part / whole, or null when there is nothing to measure (whole 0). */
export const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/** A ratio as a percentage with one decimal (60.0), null stays null. */
export const percent = (r: number | null): number | null => (r === null ? null : Math.round(r * 1000) / 10);

/** `60.0%（3/5）`, or `—` when there is nothing to measure. */
export const formatRate = (part: number, whole: number): string =>
  whole === 0 ? '—' : `${percent(part / whole)!.toFixed(1)}%（${part}/${whole}）`;
