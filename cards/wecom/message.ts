// View models → WeCom app message bodies (message/send). Pure: the caller supplies the task id.

import { renderCardText } from '../text';
import { cardActionKey } from '../action-key';
import type { CardView, View } from '../model';

/** The body of one message/send call, without touser/agentid. */
export type WecomMessageBody =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'markdown'; markdown: { content: string } }
  | { msgtype: 'template_card'; template_card: Record<string, unknown> };

const STYLE = { primary: 1, danger: 2, default: 4 } as const;
const MAX_TEXT_BYTES = 2048;

/** WeCom task ids: letters, digits and _-@ only, at most 128 bytes, unique per app. */
export const taskIdFor = (cardKey: string, unique: string | number): string =>
  `${cardKey.replace(/[^A-Za-z0-9_\-@]/g, '-')}-${unique}`.slice(0, 128);

/**
 * A card with buttons → a `button_interaction` template card (product.md §5). WeCom shows at most 6
 * fields; the rest, and the card's lines, go into the sub-title text.
 */
export function templateCard(card: CardView, taskId: string): Record<string, unknown> {
  const fields = card.fields.slice(0, 6).map((f) => ({ keyname: f.label.slice(0, 8), value: f.value.slice(0, 60) }));
  const below = [...card.fields.slice(6).map((f) => `${f.label}：${f.value}`), ...(card.lines ?? [])];
  return {
    card_type: 'button_interaction',
    source: { desc: '合同助手', desc_color: 0 },
    main_title: { title: card.title.slice(0, 36), ...(card.subtitle ? { desc: card.subtitle.slice(0, 44) } : {}) },
    ...(below.length ? { sub_title_text: below.join('\n').slice(0, 200) } : {}),
    horizontal_content_list: fields,
    task_id: taskId,
    button_list: card.buttons.slice(0, 6).map((b) => ({ text: b.label, style: STYLE[b.style], key: cardActionKey(b.action) })),
  };
}

/** A card without buttons (details, lists, decided cards) → markdown, which WeCom renders in the app. */
export function cardMarkdown(card: CardView): string {
  const lines = [`**${card.title}**${card.subtitle ? ` ${card.subtitle}` : ''}`];
  for (const f of card.fields) lines.push(`> ${f.label}：<font color="comment">${f.value}</font>`);
  for (const l of card.lines ?? []) lines.push(l);
  if (card.status) lines.push(`<font color="info">${card.status}</font>`);
  return lines.join('\n');
}

const truncateBytes = (text: string, max: number) => {
  const buf = Buffer.from(text);
  return buf.length <= max ? text : `${buf.subarray(0, max - 3).toString('utf8').replace(/\uFFFD$/, '')}…`;
};

/** The messages that carry the views: text and cards in order; interactive cards as template cards. */
export function wecomMessages(views: View[], taskId: (card: CardView, index: number) => string): WecomMessageBody[] {
  const out: WecomMessageBody[] = [];
  views.forEach((v, i) => {
    if (v.type === 'text') out.push({ msgtype: 'text', text: { content: truncateBytes(v.text, MAX_TEXT_BYTES) } });
    else if (v.type === 'markdown') out.push({ msgtype: 'markdown', markdown: { content: truncateBytes(`**${v.title}**\n${v.text}`, 4096) } });
    else if (v.card.buttons.length && !v.card.status) out.push({ msgtype: 'template_card', template_card: templateCard(v.card, taskId(v.card, i)) });
    else out.push({ msgtype: 'markdown', markdown: { content: truncateBytes(cardMarkdown(v.card), 4096) } });
  });
  return out;
}

/** Plain text of views, for a group robot's text or where markdown is not wanted. */
export const plainText = (views: View[]): string =>
  views.map((v) => (v.type === 'text' ? v.text : v.type === 'markdown' ? v.text : renderCardText(v.card))).join('\n');
