// View models → WeCom bodies (app message/send, group robot markdown). Pure: the caller supplies the
// task id. Every string of a view is user text here (escape.ts): template-card fields are plain text
// clipped to WeCom's lengths, markdown gets its markup characters replaced by look-alikes.

import { renderCardText } from '../text';
import { cardActionKey } from '../action-key';
import { clip, markdownBlock, markdownLine, plainBlock, plainLine, renderMarkup } from '../escape';
import type { CardView, View } from '../model';

/** The body of one message/send call, without touser/agentid. */
export type WecomMessageBody =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: Record<string, unknown> }
  /** An uploaded image or file (media/upload's media_id). */
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } };

const STYLE = { primary: 1, danger: 2, default: 4 } as const;
const MAX_TEXT_BYTES = 2048;
const MAX_MARKDOWN_BYTES = 4096;

/** WeCom task ids: letters, digits and _-@ only, at most 128 bytes, unique per app. */
export const taskIdFor = (cardKey: string, unique: string | number): string =>
  `${cardKey.replace(/[^A-Za-z0-9_\-@]/g, '-')}-${unique}`.slice(0, 128);

/**
 * A card with buttons → a `button_interaction` template card (product.md §5). WeCom shows at most 6
 * fields; the rest, and the card's lines, go into the sub-title text, one line each.
 */
export function templateCard(card: CardView, taskId: string): Record<string, unknown> {
  const fields = card.fields.slice(0, 6).map((f) => ({ keyname: plainLine(f.label, 8), value: plainLine(f.value, 60) }));
  const below = [...card.fields.slice(6).map((f) => `${plainLine(f.label)}：${plainLine(f.value)}`), ...(card.lines ?? []).map((l) => plainLine(l))];
  return {
    card_type: 'button_interaction',
    source: { desc: '合同助手', desc_color: 0 },
    main_title: { title: plainLine(card.title, 36), ...(card.subtitle ? { desc: plainLine(card.subtitle, 44) } : {}) },
    ...(below.length ? { sub_title_text: clip(below.join('\n'), 200) } : {}),
    horizontal_content_list: fields,
    task_id: taskId,
    button_list: card.buttons.slice(0, 6).map((b) => ({ text: plainLine(b.label, 10), style: STYLE[b.style], key: cardActionKey(b.action) })),
  };
}

/** A card without buttons (details, lists, decided cards) → markdown, which WeCom renders in the app. */
export function cardMarkdown(card: CardView): string {
  const lines = [`**${markdownLine(card.title)}**${card.subtitle ? ` ${markdownLine(card.subtitle)}` : ''}`];
  for (const f of card.fields) lines.push(`> ${markdownLine(f.label)}：<font color="comment">${markdownLine(f.value)}</font>`);
  for (const l of card.lines ?? []) lines.push(markdownLine(l));
  if (card.status) lines.push(`<font color="info">${markdownLine(card.status)}</font>`);
  return lines.join('\n');
}

const truncateBytes = (text: string, max: number) => {
  const buf = Buffer.from(text);
  return buf.length <= max ? text : `${buf.subarray(0, max - 3).toString('utf8').replace(/\uFFFD$/, '')}…`;
};

const markdownOf = (v: View): string =>
  v.type === 'text' ? markdownBlock(v.text) : v.type === 'markdown' ? `**${markdownLine(v.title)}**\n${renderMarkup(v.text, 'markdown')}` : cardMarkdown(v.card);

/** The messages that carry the views: text and cards in order; interactive cards as template cards. */
export function wecomMessages(views: View[], taskId: (card: CardView, index: number) => string): WecomMessageBody[] {
  const out: WecomMessageBody[] = [];
  views.forEach((v, i) => {
    const plain = v.type === 'text' ? plainBlock(v.text) : '';
    // WeCom cuts a text message at 2,048 bytes; a longer text (the full 帮助 list) goes as markdown,
    // which carries 4,096 and which the WeCom client renders.
    if (v.type === 'text' && Buffer.byteLength(plain) <= MAX_TEXT_BYTES) out.push({ msgtype: 'text', text: { content: plain } });
    else if (v.type === 'card' && v.card.buttons.length && !v.card.status) out.push({ msgtype: 'template_card', template_card: templateCard(v.card, taskId(v.card, i)) });
    else out.push({ msgtype: 'markdown', markdown: { content: truncateBytes(markdownOf(v), MAX_MARKDOWN_BYTES) } });
  });
  return out;
}

/** The markdown of a group robot message: every view, text ones escaped as well. */
export const robotMarkdown = (views: View[]): string => truncateBytes(views.map(markdownOf).join('\n'), MAX_MARKDOWN_BYTES);

/** Plain text of views, where markdown is not wanted. */
export const plainText = (views: View[]): string =>
  views.map((v) => (v.type === 'text' ? plainBlock(v.text) : v.type === 'markdown' ? renderMarkup(v.text, 'plain') : renderCardText(v.card))).join('\n');

/** The text a decided card's button shows instead of its label (`已同意`): the status's first part. */
export function decidedButtonLabel(views: View[]): string {
  const status = views.flatMap((v) => (v.type === 'card' && v.card.status ? [v.card.status] : []))[0] ?? plainText(views);
  return plainLine(status.split(' · ')[0]!, 16);
}
