// Customer-name closeness for duplicate warnings, so that "华东日报社", "华东日报" and "华东报社" are
// seen as probably one customer. A false alarm costs the user one confirmation; a missed duplicate
// splits a customer's history, so the rules lean towards warning.

/** Legal-form endings that say nothing about who the customer is. 科技, 贸易 etc. do, and stay. */
const SUFFIXES = ['股份有限公司', '有限责任公司', '有限公司', '股份公司', '集团', '公司', 'coltd', 'ltd', 'limited', 'inc', 'corp'];

/**
 * Comparable form of a name: full-width → half-width (NFKC), lower case, "(中国)" removed, spaces,
 * punctuation and symbols dropped, then legal-form suffixes stripped (repeatedly: 集团有限公司), never
 * down to nothing.
 */
export function normalizeCustomerName(name: string): string {
  let s = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\(\s*中国\s*\)/g, '')
    .replace(/[\s\p{P}\p{S}]/gu, '');
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

/** Length of the longest common subsequence, by code point. */
function lcs(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = new Array<number>(y.length + 1).fill(0);
  for (const cx of x) {
    const cur = [0];
    y.forEach((cy, j) => cur.push(cx === cy ? prev[j]! + 1 : Math.max(prev[j + 1]!, cur[j]!)));
    prev = cur;
  }
  return prev[y.length]!;
}

/** 2·LCS / (|a| + |b|) over normalised names, in [0, 1] (1 = same normalised name). */
export function nameSimilarity(a: string, b: string): number {
  const x = normalizeCustomerName(a);
  const y = normalizeCustomerName(b);
  if (!x.length || !y.length) return 0;
  return (2 * lcs(x, y)) / ([...x].length + [...y].length);
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
  const [short, long] = [...x].length <= [...y].length ? [x, y] : [y, x];
  const shortLen = [...short].length;
  if (shortLen >= 2 && long.includes(short)) return true;
  const common = lcs(x, y);
  if ((2 * common) / (shortLen + [...long].length) >= 0.8) return true;
  return shortLen >= 4 && [...long].length - shortLen <= 1 && common >= shortLen - 1;
}
