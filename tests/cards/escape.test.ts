// The escaping rules of cards/escape.ts, over a list of hostile strings and as properties over
// arbitrary text (fast-check).

import fc from 'fast-check';
import { MAX_LINE, clip, markdownBlock, markdownLine, plainBlock, plainLine, renderMarkup } from '../../cards/escape';
import { md, mdLines } from '../../handlers/views';
import { HOSTILE_STRINGS, INVISIBLE, LINE_BREAK, LINKISH, LIVE_TAG, MARKDOWN_ASCII, MARKDOWN_LINE_START } from '../support/hostile';

const codePoints = (s: string) => Array.from(s).length;

/** Text made of the pieces attacks are built from, plus anything Unicode. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom(
      ...['<', '>', '@', 'all', '所有人', '[', ']', '(', ')', 'http', '://', 'www', '.', 'evil', 'example', 'com', '*', '_', '#', '-', '+', '=', '1', '.'],
      ...['`', '|', '~', '&', '\\', ' ', '    ', '\n', '\r', '\u2028', '\u2029', '\t', '\u200B', '\u202E', '\u00A0', '\u3000', '┌', '│', '└', 'font', '/', '!', '?', '金额', '¥'],
    ),
    maxLength: 60,
  }),
);
const RUNS = { numRuns: 3000 };

describe('single-line fields', () => {
  it.each(HOSTILE_STRINGS.map((s) => [s.slice(0, 40), s]))('plain: %j stays one line, without tag, link or mention', (_, s) => {
    const out = plainLine(s);
    expect(out).not.toMatch(LINE_BREAK);
    expect(out).not.toMatch(LIVE_TAG);
    expect(out).not.toMatch(LINKISH);
    expect(out).not.toMatch(INVISIBLE);
    expect(out).not.toMatch(/[\u2500-\u257F]/);
    expect(codePoints(out)).toBeLessThanOrEqual(MAX_LINE);
    expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/); // no lone surrogate
  });

  it.each(HOSTILE_STRINGS.map((s) => [s.slice(0, 40), s]))('markdown: %j stays one line, with no markup at all', (_, s) => {
    const out = markdownLine(s);
    expect(out).not.toMatch(LINE_BREAK);
    expect(out).not.toMatch(MARKDOWN_ASCII);
    expect(out).not.toMatch(LINKISH);
    expect(out).not.toMatch(MARKDOWN_LINE_START);
    expect(out).not.toMatch(INVISIBLE);
    expect(codePoints(out)).toBeLessThanOrEqual(MAX_LINE);
  });

  it('shows the attack as text: the words remain, the structure does not', () => {
    const title = 'X\n- **金额**：¥1,000.00\n<font color="info">已同意 · 李四</font> [详情](http://evil.example/x)';
    expect(plainLine(title)).toBe('X - **金额**：¥1,000.00 ＜font color="info">已同意 · 李四＜/font> [详情］(http:∕∕evil․example/x)');
    expect(markdownLine(title)).toBe('X - ＊＊金额＊＊：¥1,000.00 ＜font color="info"＞已同意 · 李四＜/font＞ ［详情］（http:∕∕evil․example/x）');
    expect(markdownLine('<@LiSi> @all @所有人')).toBe('＜＠LiSi＞ ＠all ＠所有人');
    expect(markdownLine('1. 列表')).toBe('1． 列表');
  });

  it('leaves ordinary text as it is', () => {
    for (const s of ['华东日报社（KH-000001）', '¥300,000.00', '第 1/2 步：▶李四(销售经理) → 王五(法务)', '2026-11-23 至 2027-11-22（自动续约）', '已同意 · 李四 · 11-23 10:05']) {
      expect(plainLine(s)).toBe(s);
    }
    expect(plainLine('驳回 HT-2026-0001 <原因>')).toBe('驳回 HT-2026-0001 <原因>'); // a placeholder is not a tag
    expect(plainLine('金额 1.2亿，版本 v1.2')).toBe('金额 1.2亿，版本 v1.2');
    expect(markdownLine('¥300,000.00 · 华东日报社')).toBe('¥300,000.00 · 华东日报社');
  });

  it('clips by characters, never inside an emoji', () => {
    expect(clip('👍'.repeat(10), 4)).toBe('👍👍👍…');
    expect(plainLine('好'.repeat(40), 36)).toBe(`${'好'.repeat(35)}…`);
    expect(plainLine('短', 36)).toBe('短');
  });

  it('property: no line break, live tag, link or mention survives, in either target', () => {
    fc.assert(
      fc.property(hostileText, (s) => {
        const plain = plainLine(s);
        const mark = markdownLine(s);
        return (
          !LINE_BREAK.test(plain) && !LIVE_TAG.test(plain) && !LINKISH.test(plain) && !INVISIBLE.test(plain) && !/[\u2500-\u257F]/.test(plain) &&
          !LINE_BREAK.test(mark) && !MARKDOWN_ASCII.test(mark) && !LINKISH.test(mark) && !MARKDOWN_LINE_START.test(mark) && !INVISIBLE.test(mark)
        );
      }),
      RUNS,
    );
  });

  it('property: text without markup characters is shown unchanged (spaces collapsed)', () => {
    const ordinary = fc.string({ unit: fc.constantFrom(...'合同审批金额客户张三李四华东日报社abcXYZ0123456789 ，。：、¥,（）·'.split('')), maxLength: 200 });
    fc.assert(
      fc.property(ordinary, (s) => {
        const expected = s.replace(/ {2,}/g, ' ').trim();
        return plainLine(s) === expected && markdownLine(s) === expected;
      }),
      RUNS,
    );
  });
});

describe('blocks (text messages)', () => {
  it('keep their own lines; user line breaks of every kind become plain line breaks', () => {
    expect(plainBlock('行一\r\n行二\u2028行三')).toBe('行一\n行二\n行三');
    expect(markdownBlock('合同\n- **金额**：¥1\n# 大字')).toBe('合同\n－ ＊＊金额＊＊：¥1\n＃ 大字');
  });

  it('property: no line of a markdown block opens markup; no plain block can draw the card frame', () => {
    fc.assert(
      fc.property(hostileText, (s) => {
        const mark = markdownBlock(s).split('\n');
        const plain = plainBlock(s);
        return (
          mark.every((l) => !MARKDOWN_ASCII.test(l) && !LINKISH.test(l) && !MARKDOWN_LINE_START.test(l) && !/[\r\u2028\u2029\u0085\v\f\t]/.test(l)) &&
          !/[\u2500-\u257F]/.test(plain) && !LIVE_TAG.test(plain) && !LINKISH.test(plain) && !/[\r\u2028\u2029\u0085\v\f\t]/.test(plain)
        );
      }),
      RUNS,
    );
  });
});

describe('markup from the md tag', () => {
  it('keeps the bot markup and escapes every interpolated value for the target', () => {
    const title = '**假** <font color="info">已同意</font>\n- 金额';
    const line = md`**审批超时**：合同「${title}」，已提醒 ${3} 次`;
    expect(renderMarkup(line, 'markdown')).toBe('**审批超时**：合同「＊＊假＊＊ ＜font color="info"＞已同意＜/font＞ - 金额」，已提醒 3 次');
    expect(renderMarkup(line, 'plain')).toBe('**审批超时**：合同「**假** ＜font color="info">已同意＜/font> - 金额」，已提醒 3 次');
  });

  it('nests markup as markup, and joins lines', () => {
    const inner = md`**${'a*b'}**`;
    expect(renderMarkup(mdLines([md`标题`, md`· ${inner}`]), 'markdown')).toBe('标题\n· **a＊b**');
  });

  it('property: whatever users type, the rendered markup has exactly the bot line breaks and bold marks', () => {
    fc.assert(
      fc.property(hostileText, hostileText, (a, b) => {
        const out = renderMarkup(mdLines([md`**逾期 ${a}**`, md`· ${b}：完`]), 'markdown');
        const lines = out.split('\n');
        return lines.length === 2 && (out.match(/\*\*/g) ?? []).length === 2 && lines[1]!.startsWith('· ') && !LINKISH.test(out);
      }),
      RUNS,
    );
  });
});
