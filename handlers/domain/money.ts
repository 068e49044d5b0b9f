// Money is integer fen (分). Parsing and conversion work on the decimal digits as text, never through
// floating point, so "0.29万" is exactly 290000 fen, never 289999.99….

import { failed, parsed, type ParseResult } from './result';

/** ¥100 billion: beyond any contract this bot will see, and far inside Number.MAX_SAFE_INTEGER. */
export const MAX_FEN = 1e13;

/** Powers of ten each written unit multiplies by (in yuan). */
const UNIT_EXPONENT: Record<string, number> = { '': 0, 千: 3, 万: 4, 亿: 8 };
const EXAMPLE = '请写成 500000、500,000、50万、50.5万元 或 1.2亿 这样的形式';

/**
 * Scales a non-negative decimal string such as `"12.345"` by 10^shift. Returns the integer as a digit
 * string, or null when digits other than zeros would be left after the decimal point.
 */
function shiftDecimal(whole: string, fraction: string, shift: number): string | null {
  if (/[1-9]/.test(fraction.slice(shift))) return null;
  const digits = (whole + fraction.slice(0, shift).padEnd(shift, '0')).replace(/^0+/, '');
  return digits === '' ? '0' : digits;
}

/** A digit string as a number of fen, or null when it is beyond MAX_FEN (checked before any float). */
function toFen(digits: string): number | null {
  if (digits.length > String(MAX_FEN).length) return null;
  const fen = Number(digits);
  return fen <= MAX_FEN && Number.isSafeInteger(fen) ? fen : null;
}

/**
 * A user-typed amount in yuan → fen. Accepts `500000`, `500,000`, `500，000`, `50万`, `50.5万元`, `1.2亿`,
 * `¥500000`, `￥1,000.50`, `3000元`, `5千`, full-width digits, surrounding spaces. Refuses (with a reason in
 * Chinese) empty or non-numeric text, zero and negatives, fractions of a fen, misplaced commas and
 * amounts above MAX_FEN.
 */
export function parseAmountToFen(input: string): ParseResult<number> {
  // NFKC turns full-width digits, commas, points and ￥ (typed by Chinese IMEs) into their ASCII forms.
  const text = input
    .normalize('NFKC')
    .trim()
    .replace(/^¥\s*/, '')
    .replace(/\s*(?:元|人民币|rmb|cny)$/i, '');
  if (text === '') return failed('请填写金额，例如 500000 或 50万');
  if (/^[-−]/.test(text)) return failed('金额必须大于 0');
  // Either plain digits or properly grouped thousands (1,000,000); a unit may follow.
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*([千万亿]?)$/.exec(text);
  if (!m) {
    if (/^[\d,.]+\s*[千万亿]?$/.test(text) && text.includes(',')) return failed(`「${input.trim()}」的千分位逗号位置不对，${EXAMPLE}`);
    return failed(`「${input.trim()}」不是金额，${EXAMPLE}`);
  }
  const digits = shiftDecimal(m[1]!.replace(/,/g, ''), m[2] ?? '', UNIT_EXPONENT[m[3]!]! + 2);
  if (digits === null) return failed('金额最小单位是分（0.01 元），请检查小数位数');
  if (digits === '0') return failed('金额必须大于 0');
  const fen = toFen(digits);
  if (fen === null) return failed('金额过大（超过 1000 亿元），请检查是否多写了位数');
  return parsed(fen);
}

/**
 * A yuan amount from the policy file (e.g. 49999.99) → fen. Works on the number's shortest decimal text
 * (what the YAML said), so 49999.99 is 4999999 and never 4999998; past two decimals it rounds half up on
 * that text (1.005 → 101, 0.1 + 0.2 → 30).
 */
export function yuanToFen(yuan: number): number {
  const abs = Math.abs(yuan);
  if (!Number.isFinite(yuan) || abs >= 1e21) throw new Error(`yuanToFen: not a usable amount: ${yuan}`);
  // String() uses exponent notation only below 1e-6 (all less than half a fen) or from 1e21.
  const text = abs < 1e-6 ? '0' : String(abs);
  const [whole, fraction = ''] = text.split('.') as [string, string?];
  let fen = Number(whole + fraction.slice(0, 2).padEnd(2, '0'));
  if (Number(fraction[2] ?? '0') >= 5) fen += 1;
  if (!Number.isSafeInteger(fen)) throw new Error(`yuanToFen: amount too large: ${yuan}`);
  return yuan < 0 && fen !== 0 ? -fen : fen;
}

const groupThousands = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** `¥500,000.00`: thousands separators, always two decimals. */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.round(Math.abs(fen));
  return `${sign}¥${groupThousands(String(Math.floor(abs / 100)))}.${String(abs % 100).padStart(2, '0')}`;
}

const WAN = 1e6; // 1万 yuan in fen
const YI = 1e10; // 1亿 yuan in fen

/**
 * Compact display for lists and card headers:
 * - from 1亿 yuan: `1.2亿`; from 1万 yuan: `50万`, `50.5万`, `12.35万` (at most two decimals, rounded
 *   half up, trailing zeros dropped; 9999.999万 rounds up to `1亿`);
 * - below 1万 yuan: `¥3,000`, with fen only when there are some (`¥3,000.50`).
 */
export function formatFenShort(fen: number): string {
  const abs = Math.round(Math.abs(fen));
  const sign = fen < 0 ? '-' : '';
  const show = (unitFen: number, unit: string) => {
    const hundredths = Math.round(abs / (unitFen / 100)); // integer hundredths of the unit
    const frac = String(hundredths % 100).padStart(2, '0').replace(/0+$/, '');
    return `${sign}${Math.floor(hundredths / 100)}${frac ? `.${frac}` : ''}${unit}`;
  };
  if (abs >= YI || Math.round(abs / (WAN / 100)) >= 1_000_000) return show(YI, '亿');
  if (abs >= WAN) return show(WAN, '万');
  return `${sign}${formatFen(abs).replace(/\.00$/, '')}`;
}
