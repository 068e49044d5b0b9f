// Text from users → text a target shows literally. Pure. Two targets:
//
// - `plain`: the console, WeCom text messages, DingTalk card text components, WeCom template-card
//   fields. Nothing there is markup except WeCom text's `<a href>`, but clients turn URLs into links
//   and people read line structure, so tags, links, mentions and box-drawing lines are neutralised.
// - `markdown`: DingTalk robot/sessionWebhook markdown and card markdown components, WeCom app and
//   group-robot markdown. Neither platform documents backslash escapes (WeCom shows the backslash),
//   so markdown characters are replaced by their full-width look-alikes (`*` → `＊`, `[` → `［`, …),
//   which both render as ordinary characters.
//
// Shared rules: line breaks (\r, \n, U+2028/2029, …) and tabs become a space in single-line fields;
// invisible and bidi-control characters are removed (they hide or reorder what the approver reads);
// `://` becomes `:∕∕` (U+2215) and the dot before a letter in a host name becomes `․` (U+2024), so no
// client turns `http://evil.example/x`, `www.evil.example` or `evil.example` into a link; `@` becomes
// `＠`, so `@all`, `@所有人`, `@13800000000` and `<@userid>` are not mentions.
//
// Every regular expression here is linear: no nested or overlapping quantifiers.

import type { Markup } from './model';

/** The longest single-line field, in characters (code points), anywhere. */
export const MAX_LINE = 500;

const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;
/** Controls, soft hyphen, zero-width and bidi controls, word joiners, BOM, interlinear annotation. */
const INVISIBLE =
  /[\u0000-\u0008\u000E-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0E\uFEFF\uFFA0\uFFF9-\uFFFB]/g;
/** A zero-width joiner is kept only between two non-ASCII characters (emoji sequences). */
const STRAY_JOINER = /(?<![^\x00-\x7F])\u200D|\u200D(?![^\x00-\x7F])/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const MARKDOWN_LOOKALIKE: Record<string, string> = {
  '\\': '＼',
  '*': '＊',
  _: '＿',
  '#': '＃',
  '`': '｀',
  '[': '［',
  ']': '］',
  '(': '（',
  ')': '）',
  '|': '｜',
  '~': '～',
  '&': '＆',
  '<': '＜',
  '>': '＞',
};
const MARKDOWN_CHAR = /[\\*_#`[\]()|~&<>]/g;

/** Removes what a reader cannot see, and makes the string well-formed UTF-16. */
function visible(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(STRAY_JOINER, '').replace(INVISIBLE, '');
}

/** One line: every line break and tab becomes a space; runs of spaces shrink to one. */
function oneLine(text: string): string {
  return visible(text.replace(LINE_BREAK, ' ').replace(/\t/g, ' '))
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Several lines: line breaks become `\n`, tabs a space. */
function lines(text: string): string[] {
  return visible(text.replace(LINE_BREAK, '\n').replace(/\t/g, ' ')).split('\n');
}

/** No link, no host name, no mention. */
function unlinked(text: string): string {
  return text
    .replace(/:\/\//g, ':\u2215\u2215')
    .replace(/(?<=[A-Za-z0-9-])\.(?=[A-Za-z])/g, '\u2024')
    .replace(/(?<!\d)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?!\d)/g, '$1\u2024$2\u2024$3\u2024$4')
    .replace(/@/g, '＠');
}

/** Cut to `max` characters (code points, so no emoji is split), marking the cut with `…`. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

// ---------------------------------------------------------------------------------------------
// plain

/** The console frames cards with box-drawing characters: user text gets look-alikes that are not. */
const frameLookalike = (c: string): string => ('─━┄┅┈┉╌╍═╼╾'.includes(c) ? '-' : '│┃┆┇┊┋╎╏║╽╿'.includes(c) ? '¦' : '+');

/**
 * Plain text: tags (`<font`, `</a`, `<!--`, `<@`) lose their `<`, `](` its `]`, box-drawing
 * characters (the console's card frame) become `¦`/`-`/`+`. `<原因>`-style placeholders stay as they are.
 */
function plain(text: string): string {
  return unlinked(text.replace(/<(?=[A-Za-z/!?@])/g, '＜'))
    .replace(/\](?=\()/g, '］')
    .replace(/[\u2500-\u257F]/g, frameLookalike);
}

/** A single-line plain-text field (title, field value, status, button). */
export const plainLine = (text: string, max = MAX_LINE): string => clip(plain(oneLine(text)), max);

/** A plain-text block (a text message): its own line breaks kept, each line neutralised. */
export const plainBlock = (text: string): string => lines(text).map(plain).join('\n');

// ---------------------------------------------------------------------------------------------
// markdown

/** Markdown characters → look-alikes; a line start that would open a list, heading or rule is broken. */
function markdown(text: string): string {
  return unlinked(text)
    .replace(MARKDOWN_CHAR, (c) => MARKDOWN_LOOKALIKE[c]!)
    .replace(/^(\s*)(?:([-+=])|(\d+)\.)/, (_, space: string, mark?: string, digits?: string) =>
      // indentation would make a code block: non-breaking spaces do not
      '\u00A0'.repeat(space.length) + (mark ? { '-': '－', '+': '＋', '=': '＝' }[mark]! : `${digits}．`),
    )
    .replace(/^\s+/, (space) => '\u00A0'.repeat(space.length));
}

/** A single-line markdown field: may sit anywhere in a line the renderer writes, even at its start. */
export const markdownLine = (text: string, max = MAX_LINE): string => clip(markdown(oneLine(text)), max);

/** A markdown block from plain text (a text message rendered as markdown): each line neutralised. */
export const markdownBlock = (text: string): string => lines(text).map(markdown).join('\n');

// ---------------------------------------------------------------------------------------------

/** The bot's own markup as written, each user part escaped as a single-line field of the target. */
export function renderMarkup(markup: Markup, target: 'plain' | 'markdown'): string {
  const escape = target === 'plain' ? plainLine : markdownLine;
  return markup.parts.map((part) => (typeof part === 'string' ? part : escape(part.user))).join('');
}
