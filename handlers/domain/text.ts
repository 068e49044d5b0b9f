// What people type, made safe to store and compare: one normal form (NFKC), no invisible or bidi
// control characters (a soft hyphen or U+202E would otherwise make 华东日报社 look like a new customer,
// or turn a title around on screen), and single-line fields kept on one line. Applied once, where text
// enters the use-cases (the command parser and card-button input).

/**
 * Characters that show nothing or reorder what follows: format characters (Cf: U+00AD soft hyphen,
 * U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF, …), lone surrogates (Cs: not
 * storable as UTF-8), and control characters (Cc) other than tab and the line breaks handled below.
 */
const INVISIBLE = /[\p{Cf}\p{Cs}\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\u115f\u1160\u3164\uffa0]/gu;
/** Every way of ending a line: CR LF, CR, NEL, LINE/PARAGRAPH SEPARATOR, vertical tab, form feed. */
const LINE_BREAK = /\r\n|[\r\u0085\u2028\u2029\u000b\u000c]/g;
/** Horizontal whitespace other than the plain space (tabs, and spaces NFKC leaves alone). */
const ODD_SPACE = /[^\S\n ]/g;

/**
 * The punctuation Chinese input methods type that NFKC would turn into ASCII: ！（），：；？～ and the
 * ellipsis …… (`同意，注意回款` → `同意,注意回款` reads wrong in Chinese; Unicode itself advises
 * against folding prose wholesale). Comparisons do not care: customer names drop punctuation first.
 */
const CHINESE_PUNCTUATION = /[\uff01\uff08\uff09\uff0c\uff1a\uff1b\uff1f\uff5e\u2026]/;
const REST = new RegExp(`[^${CHINESE_PUNCTUATION.source.slice(1, -1)}]+`, 'g');

/**
 * NFKC (full-width letters, digits and symbols, compatibility ideographs, ligatures and odd spaces
 * folded; the punctuation of Chinese prose kept), invisible characters removed, line breaks as `\n`, other
 * whitespace as a space. Keeps newlines.
 */
export function cleanMultiline(text: string): string {
  return text
    .replace(LINE_BREAK, '\n')
    .replace(INVISIBLE, '')
    .replace(REST, (run) => run.normalize('NFKC'))
    .replace(INVISIBLE, '') // NFKC produces none today; cheap insurance against a future table
    .replace(ODD_SPACE, ' ');
}

/** A value shown on one line (a title, a name): cleaned, every run of whitespace one space, trimmed. */
export function cleanLine(text: string): string {
  return cleanMultiline(text).replace(/\s+/g, ' ').trim();
}

/** Free text that may span lines (a comment, a follow-up): cleaned, trailing spaces and blank-line runs trimmed. */
export function cleanParagraphs(text: string): string {
  return cleanMultiline(text)
    .replace(/[ ]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Length in characters as the databases count them (code points), not UTF-16 units. */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
