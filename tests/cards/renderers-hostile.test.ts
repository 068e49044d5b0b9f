// Every renderer, fed a card and messages whose every string is hostile: the structure each one writes
// (its lines, its bold labels, its <font> tags) is exactly the bot's, whatever the user text says.

import fc from 'fast-check';
import { cardMarkdown as dingtalkCardMarkdown, cardParamMap, robotMarkdown as dingtalkRobotMarkdown } from '../../cards/dingtalk/card';
import type { CardView, View } from '../../cards/model';
import { renderCardText, renderText } from '../../cards/text';
import { cardMarkdown as wecomCardMarkdown, decidedButtonLabel, robotMarkdown as wecomRobotMarkdown, templateCard, wecomMessages } from '../../cards/wecom/message';
import { markdown, md } from '../../handlers/views';
import { HOSTILE_STRINGS, LINE_BREAK, LINKISH, LIVE_TAG, MARKDOWN_ASCII, MARKDOWN_LINE_START } from '../support/hostile';

const action = { contractNo: 'HT-2026-0001', stepId: 12, version: 1 };

/** A card with `evil` in every string a use-case could fill with user text. */
function hostileCard(evil: string, decided = false): CardView {
  return {
    kind: 'approval',
    cardKey: 'approval:12',
    title: `合同审批 ${evil}`,
    subtitle: evil,
    fields: [
      { label: '客户', value: evil },
      { label: '金额', value: '¥300,000.00' },
      { label: evil, value: evil },
      { label: '类型', value: '销售' },
      { label: '负责人', value: evil },
      { label: '审批链', value: evil },
      { label: '付款', value: evil },
    ],
    lines: [`路由：${evil}`, evil],
    buttons: decided
      ? []
      : [
          { label: '同意', style: 'primary', action: { type: 'approve', ...action }, command: `同意 ${evil}` },
          { label: evil, style: 'danger', action: { type: 'reject', ...action }, command: evil },
        ],
    status: decided ? `已同意 · ${evil}` : undefined,
  };
}

const cases = HOSTILE_STRINGS.map((s) => [s.slice(0, 30), s]);
// short enough that no message reaches a platform's byte limit (cut messages are tested elsewhere)
const anyHostile = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 200)), fc.string({ unit: 'binary', maxLength: 60 }));

describe('DingTalk', () => {
  it.each(cases)('card variables for %j: text ones are one plain line, markdown ones one line per field', (_, evil) => {
    const card = hostileCard(evil);
    const p = cardParamMap(card);
    for (const key of ['title', 'subtitle', 'status']) {
      expect(p[key]).not.toMatch(LINE_BREAK);
      expect(p[key]).not.toMatch(LIVE_TAG);
      expect(p[key]).not.toMatch(LINKISH);
    }
    const fields = p.fields!.split('\n');
    expect(fields).toHaveLength(card.fields.length);
    for (const line of fields) expect(line).toMatch(/^\*\*[^*\n]*\*\*：[^*\n]*$/);
    expect(fields.filter((l) => l.startsWith('**金额**'))).toEqual(['**金额**：¥300,000.00']);
    expect(p.notes!.split('\n')).toHaveLength(2);
    for (const text of [p.fields!.replace(/\*\*/g, ''), p.notes!]) {
      expect(text).not.toMatch(MARKDOWN_ASCII);
      expect(text).not.toMatch(LINKISH);
    }
    expect(p.approveKey).toBe('approve|HT-2026-0001|12|1');
  });

  it.each(cases)('markdown fallback for %j: the bot lines only, the real amount once', (_, evil) => {
    const { title, text } = dingtalkCardMarkdown(hostileCard(evil));
    expect(title).not.toMatch(LINE_BREAK);
    const lines = text.split('\n');
    // heading, subtitle, blank, 7 fields, 2 quoted lines, blank, commands
    expect(lines).toHaveLength(1 + 1 + 1 + 7 + 2 + 1 + 1);
    expect(lines[0]).toMatch(/^#### /);
    expect(lines.slice(3, 10).every((l) => /^- \*\*[^*]*\*\*：[^*]*$/.test(l))).toBe(true);
    expect(lines.slice(10, 12).every((l) => l.startsWith('> '))).toBe(true);
    expect(lines.filter((l) => l.startsWith('- **金额**'))).toEqual(['- **金额**：¥300,000.00']);
    expect(lines[1]).not.toMatch(MARKDOWN_LINE_START);
    const userParts = text.replace(/^(#### |- |> )/gm, '').replace(/\*\*/g, '');
    expect(userParts).not.toMatch(MARKDOWN_ASCII);
    expect(userParts).not.toMatch(LINKISH);
  });

  it('robot markdown: a text view keeps its lines but none of them is markup; markdown views escape user parts', () => {
    fc.assert(
      fc.property(anyHostile, (evil) => {
        const { title, text: textPart } = dingtalkRobotMarkdown([{ type: 'text', text: `驳回原因：${evil}` }]);
        const alert = dingtalkRobotMarkdown([markdown('审批超时', md`**审批超时**：${evil}`)]).text;
        return (
          !LINE_BREAK.test(title) &&
          textPart.split('\n').every((l) => !MARKDOWN_ASCII.test(l) && !LINKISH.test(l) && !MARKDOWN_LINE_START.test(l)) &&
          alert.split('\n').length === 2 &&
          alert.startsWith('#### 审批超时\n**审批超时**：') &&
          !LINKISH.test(alert)
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe('WeCom', () => {
  it.each(cases)('template card for %j: every field one plain line within WeCom lengths', (_, evil) => {
    const card = templateCard(hostileCard(evil), 'approval-12-7-1') as {
      main_title: { title: string; desc: string };
      sub_title_text: string;
      horizontal_content_list: { keyname: string; value: string }[];
      button_list: { text: string; key: string }[];
    };
    const chars = (s: string) => Array.from(s).length;
    const singles = [card.main_title.title, card.main_title.desc, ...card.horizontal_content_list.flatMap((f) => [f.keyname, f.value]), ...card.button_list.map((b) => b.text)];
    for (const s of singles) {
      expect(s).not.toMatch(LINE_BREAK);
      expect(s).not.toMatch(LIVE_TAG);
      expect(s).not.toMatch(LINKISH);
    }
    expect(chars(card.main_title.title)).toBeLessThanOrEqual(36);
    expect(chars(card.main_title.desc)).toBeLessThanOrEqual(44);
    expect(card.horizontal_content_list.every((f) => chars(f.keyname) <= 8 && chars(f.value) <= 60)).toBe(true);
    expect(card.horizontal_content_list.filter((f) => f.keyname === '金额')).toEqual([{ keyname: '金额', value: '¥300,000.00' }]);
    // the 7th field and the two lines: three lines, whatever the user typed
    expect(card.sub_title_text.split('\n').length).toBeLessThanOrEqual(3);
    expect(chars(card.sub_title_text)).toBeLessThanOrEqual(200);
    expect(card.sub_title_text).not.toMatch(LIVE_TAG);
    expect(card.button_list.map((b) => b.key)).toEqual(['approve|HT-2026-0001|12|1', 'reject|HT-2026-0001|12|1']);
  });

  it.each(cases)('markdown of a decided card for %j: only the bot <font> tags, one line per field', (_, evil) => {
    const text = wecomCardMarkdown(hostileCard(evil, true));
    const lines = text.split('\n');
    expect(lines).toHaveLength(1 + 7 + 2 + 1);
    expect(lines.slice(1, 8).every((l) => /^> [^<>*]*：<font color="comment">[^<>]*<\/font>$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^<font color="info">已同意 · [^<>]*<\/font>$/);
    expect(text.match(/<font/g)).toHaveLength(8);
    expect(text).not.toMatch(/<@|\]\(|:\/\/|@/);
    expect(lines.filter((l) => l.startsWith('> 金额'))).toEqual(['> 金额：<font color="comment">¥300,000.00</font>']);
  });

  it('app messages and group robot: text views stay text without tags or links; markdown has only the bot markup', () => {
    fc.assert(
      fc.property(anyHostile, (evil) => {
        const views: View[] = [{ type: 'text', text: `原因：${evil}` }, markdown('每日提醒', md`**超时审批 1**\n· ${evil}`), { type: 'card', card: hostileCard(evil, true) }];
        const [text, alert, card] = wecomMessages(views, () => 'unused') as { text?: { content: string }; markdown?: { content: string } }[];
        const robot = wecomRobotMarkdown(views);
        return (
          !LIVE_TAG.test(text!.text!.content) &&
          !LINKISH.test(text!.text!.content) &&
          alert!.markdown!.content.split('\n').length === 3 &&
          !/[<>]|@|:\/\//.test(alert!.markdown!.content) &&
          (card!.markdown!.content.match(/<font/g) ?? []).length === 8 &&
          (robot.match(/<font/g) ?? []).length === 8 &&
          robot.split('\n').slice(0, -14).every((l) => !MARKDOWN_LINE_START.test(l) && !LIVE_TAG.test(l) && !LINKISH.test(l))
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('greys a decided button with a short single-line label', () => {
    expect(decidedButtonLabel([{ type: 'card', card: hostileCard('x', true) }])).toBe('已同意');
    expect(decidedButtonLabel([{ type: 'text', text: '<a href="http://evil.example">已同意</a>\n@all' }])).not.toMatch(/[\n<@]|:\/\//);
  });
});

describe('plain text (console)', () => {
  it.each(cases)('card for %j: one frame line per string, no fake frame line', (_, evil) => {
    const card = hostileCard(evil);
    const lines = renderCardText(card).split('\n');
    expect(lines).toHaveLength(1 + card.fields.length + card.lines!.length + 1 + 1);
    expect(lines[0]).toMatch(/^┌ /);
    expect(lines.slice(1, -1).every((l) => l.startsWith('│ '))).toBe(true);
    expect(lines.at(-1)).toBe('└');
    expect(lines.filter((l) => l.startsWith('│ 金额'))).toEqual(['│ 金额：¥300,000.00']);
    const inner = lines.map((l) => l.slice(2)).join('\n');
    expect(inner).not.toMatch(/[\u2500-\u257F]/);
    expect(inner).not.toMatch(LIVE_TAG);
    expect(inner).not.toMatch(LINKISH);
  });

  it('a text view cannot draw a card frame, a tag or a link', () => {
    fc.assert(
      fc.property(anyHostile, (evil) => {
        const out = renderText([{ type: 'text', text: `原因：${evil}` }]);
        return !/[\u2500-\u257F]/.test(out) && !LIVE_TAG.test(out) && !LINKISH.test(out);
      }),
      { numRuns: 1000 },
    );
  });
});

it('a use-case cannot hand a string, or a home-made parts list, to a markdown view (checked by the compiler)', () => {
  // @ts-expect-error a string is not markup
  const fromString: View = { type: 'markdown', title: 't', text: '**x**' };
  // @ts-expect-error neither is an object that merely looks like markup
  const homeMade: View = { type: 'markdown', title: 't', text: { parts: ['**', 'x'] } };
  void homeMade;
  // At run time a renderer given a string anyway fails loudly instead of sending it unescaped.
  expect(() => renderText([fromString])).toThrow(TypeError);
});
