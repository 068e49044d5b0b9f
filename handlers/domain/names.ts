// Customer-name closeness for duplicate warnings, so that "华东日报社", "华东日报" and "华东报社" are
// seen as probably one customer. A false alarm costs the user one confirmation; a missed duplicate
// splits a customer's history, so the rules lean towards warning.

/** Legal-form endings that say nothing about who the customer is. 科技, 贸易 etc. do, and stay. */
const SUFFIXES = ['股份有限公司', '有限责任公司', '有限公司', '股份公司', '集团', '公司', 'coltd', 'ltd', 'limited', 'inc', 'corp'];

/**
 * Comparable form of a name: full-width → half-width (NFKC), lower case, "(中国)" removed, spaces,
 * punctuation, symbols and invisible characters (soft hyphen, bidi controls, zero-width …) dropped,
 * then legal-form suffixes stripped (repeatedly: 集团有限公司), never down to nothing.
 */
export function normalizeCustomerName(name: string): string {
  let s = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\(\s*中国\s*\)/g, '')
    .replace(/[\s\p{P}\p{S}\p{C}]/gu, '');
  for (let changed = true; changed; ) {
    changed = false;
    for (const suffix of SUFFIXES) {
      if (s.endsWith(suffix) && s.length > suffix.length) {
        s = s.slice(0, -suffix.length);
        changed = true;
      }
    }
  }
  return s;
}

/**
 * The longest-common-subsequence table is quadratic, so only this many code points of each name take
 * part in it: 64 × 64 cells at most per pair, whatever is stored. Names are at most 200 characters
 * (the parser's limit) and real ones far shorter; equality and containment still see the whole name.
 */
export const MAX_COMPARED = 64;

const codePoints = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0)!);

/** Length of the longest common subsequence of two code-point arrays, each cut to MAX_COMPARED. */
function lcs(a: number[], b: number[]): number {
  const x = a.slice(0, MAX_COMPARED);
  const y = b.slice(0, MAX_COMPARED);
  let prev = new Uint8Array(y.length + 1);
  let cur = new Uint8Array(y.length + 1);
  for (const cx of x) {
    for (let j = 0; j < y.length; j++) cur[j + 1] = cx === y[j] ? prev[j]! + 1 : Math.max(prev[j + 1]!, cur[j]!);
    [prev, cur] = [cur, prev];
  }
  return prev[y.length]!;
}

/**
 * How many characters the two have in common counting repeats (a linear upper bound of the LCS):
 * most pairs of names are told apart by this alone, before any table is filled.
 */
function sharedCharacters(a: number[], b: number[]): number {
  const counts = new Map<number, number>();
  for (const c of a.slice(0, MAX_COMPARED)) counts.set(c, (counts.get(c) ?? 0) + 1);
  let shared = 0;
  for (const c of b.slice(0, MAX_COMPARED)) {
    const n = counts.get(c);
    if (n) {
      shared++;
      counts.set(c, n - 1);
    }
  }
  return shared;
}

/** 2·LCS / (|a| + |b|) over normalised names (at most MAX_COMPARED characters each), in [0, 1]. */
export function nameSimilarity(a: string, b: string): number {
  const x = codePoints(normalizeCustomerName(a)).slice(0, MAX_COMPARED);
  const y = codePoints(normalizeCustomerName(b)).slice(0, MAX_COMPARED);
  if (!x.length || !y.length) return 0;
  return (2 * lcs(x, y)) / (x.length + y.length);
}

/**
 * Close when the normalised names are equal, one contains the other (the shorter ≥ 2 characters),
 * the similarity is ≥ 0.8, or they are one slip apart: lengths differ by at most one and all but one
 * character of the shorter (≥ 4 characters) appear in order in the longer. The last rule is what
 * makes 华东日报 ~ 华东报社 (similarity 0.75) without lowering the threshold for longer names.
 */
export function isCloseName(a: string, b: string): boolean {
  const x = normalizeCustomerName(a);
  const y = normalizeCustomerName(b);
  if (!x || !y) return false;
  if (x === y) return true;
  const [xs, ys] = [codePoints(x), codePoints(y)];
  const [short, long] = xs.length <= ys.length ? [x, y] : [y, x];
  const shortLen = Math.min(xs.length, ys.length, MAX_COMPARED);
  const longLen = Math.min(Math.max(xs.length, ys.length), MAX_COMPARED);
  if (Math.min(xs.length, ys.length) >= 2 && long.includes(short)) return true;
  const closeEnough = (common: number) =>
    (2 * common) / (shortLen + longLen) >= 0.8 || (shortLen >= 4 && longLen - shortLen <= 1 && common >= shortLen - 1);
  // The LCS is at most the shared characters: if even those are not enough, skip the table (worth it
  // only when the table is bigger than counting).
  if (shortLen * longLen > 256 && !closeEnough(sharedCharacters(xs, ys))) return false;
  return closeEnough(lcs(xs, ys));
}
