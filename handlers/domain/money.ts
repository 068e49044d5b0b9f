// Money is integer fen (分). Parsing works on the decimal digits as text, never through floats.

import { failed, parsed, type ParseResult } from './result';

const MAX_FEN = 1e13; // ¥100 billion: beyond any contract this bot will see; keeps values safe integers
const UNIT_DIGITS: Record<string, number> = { '': 0, 千: 3, 万: 4, 亿: 8 };

/** `"12.345"` scaled by 10^shift as an integer, or null if that leaves a fraction. */
function scaleDecimal(text: string, shift: number): number | null {
  const [whole, fraction = ''] = text.split('.') as [string, string?];
  if (fraction.length > shift) {
    if (/[1-9]/.test(fraction.slice(shift))) return null;
  }
  const digits = whole + fraction.slice(0, shift).padEnd(shift, '0');
  return Number(digits.replace(/^0+(?=\d)/, ''));
}

/**
 * `500000`, `500,000`, `50万`, `50.5万元`, `1.2亿`, `¥3,000.50`, `5千` → fen.
 */
export function parseAmountToFen(input: string): ParseResult<number> {
  const text = input
    .trim()
    .replace(/[，]/g, ',')
    .replace(/^[¥￥]\s*/, '')
    .replace(/\s*(元|人民币|rmb|cny)$/i, '');
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*([千万亿]?)$/.exec(text);
  if (!m) {
    if (/^-/.test(text)) return failed('金额必须大于 0');
    return failed(`「${input.trim()}」不是金额，请写成 500000、50万 或 1.2亿 这样的形式`);
  }
  const number = `${m[1]!.replace(/,/g, '')}${m[2] ? `.${m[2]}` : ''}`;
  const fen = scaleDecimal(number, UNIT_DIGITS[m[3] ?? '']! + 2);
  if (fen === null) return failed('金额最小单位是分（0.01 元）');
  if (fen <= 0) return failed('金额必须大于 0');
  if (fen > MAX_FEN || !Number.isSafeInteger(fen)) return failed('金额过大，请检查是否多写了位数');
  return parsed(fen);
}

/** Policy amounts are written in yuan (e.g. 49999.99); converted via text so no float error creeps in. */
export function yuanToFen(yuan: number): number {
  const fen = scaleDecimal(yuan.toFixed(2), 2);
  return fen ?? Math.round(yuan * 100);
}

/** `¥500,000.00` */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

/** Compact: `1.2亿`, `50.5万`, `¥3,000` (whole yuan below 10,000; up to 2 decimals of the unit). */
export function formatFenShort(fen: number): string {
  const yuan = fen / 100;
  const trim = (n: number) => n.toFixed(2).replace(/\.?0+$/, '');
  if (Math.abs(yuan) >= 1e8) return `${trim(yuan / 1e8)}亿`;
  if (Math.abs(yuan) >= 1e4) return `${trim(yuan / 1e4)}万`;
  return formatFen(fen).replace(/\.00$/, '');
}
