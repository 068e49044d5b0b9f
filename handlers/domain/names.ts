// Customer-name closeness, so "华东日报社", "华东日报" and "华东报社" are recognised as one customer.

const SUFFIXES = ['股份有限公司', '有限责任公司', '有限公司', '(中国)', '集团', '公司'];

export function normalizeCustomerName(name: string): string {
  let s = name
    .normalize('NFKC') // full-width → half-width
    .toLowerCase()
    .replace(/[\s·・.,，。、'"“”‘’\-_]/g, '')
    .replace(/（/g, '(')
    .replace(/）/g, ')');
  for (let changed = true; changed; ) {
    changed = false;
    for (const suffix of SUFFIXES) {
      if (s.endsWith(suffix) && s.length > suffix.length) {
        s = s.slice(0, -suffix.length);
        changed = true;
      }
    }
  }
  return s.replace(/[()]/g, '');
}

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

/** 2·LCS / (|a| + |b|) over normalised names, in [0, 1]. */
export function nameSimilarity(a: string, b: string): number {
  const x = normalizeCustomerName(a);
  const y = normalizeCustomerName(b);
  if (!x.length || !y.length) return 0;
  return (2 * lcs(x, y)) / ([...x].length + [...y].length);
}

export function isCloseName(a: string, b: string): boolean {
  const x = normalizeCustomerName(a);
  const y = normalizeCustomerName(b);
  if (!x || !y) return false;
  if (x === y) return true;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (short.length >= 2 && long.includes(short)) return true;
  return nameSimilarity(a, b) >= 0.75; // 华东日报 vs 华东报社 is 0.75: a warning costs the user one 确认:是
}
