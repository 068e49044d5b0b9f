// CSV for spreadsheets (RFC 4180): UTF-8 with a byte-order mark so Excel reads Chinese, CRLF line ends,
// fields quoted when they hold a separator, quote or line break. Text that a spreadsheet would run as
// a formula (starting with = + - @, tab or CR) gets a leading apostrophe (CSV injection). Pure.

export type CsvCell = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? String(value) : value;
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return '\uFEFF' + [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
