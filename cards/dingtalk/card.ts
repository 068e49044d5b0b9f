// View models → DingTalk bodies. Pure.
// - An interactive card (消息卡片高级版) from the template in approval-card.template.json: the
//   cardParamMap holds only strings, as the API requires. The template shows `title`, `subtitle` and
//   `status` in text components (plain text) and `fields`, `notes` in markdown components: each
//   variable is escaped for the component that shows it.
// - Without a template: markdown that tells how to act by typing the equivalent commands.
// Every string of a view is user text here (escape.ts); only the markup written below is markup.

import { cardActionKey } from '../action-key';
import { markdownBlock, markdownLine, plainLine, renderMarkup } from '../escape';
import type { CardView, View } from '../model';

/** The template variables (see README "DingTalk card template"). */
export function cardParamMap(card: CardView): Record<string, string> {
  const keyOf = (type: string) => card.buttons.find((b) => b.action.type === type);
  return {
    title: plainLine(card.title),
    subtitle: card.subtitle ? plainLine(card.subtitle) : '',
    fields: card.fields.map((f) => `**${markdownLine(f.label)}**：${markdownLine(f.value)}`).join('\n'),
    notes: (card.lines ?? []).map((l) => markdownLine(l)).join('\n'),
    status: card.status ? plainLine(card.status) : '',
    // "true"/"false": the template hides the buttons once the card is final
    actionable: String(!card.status && card.buttons.length > 0),
    approveKey: keyOf('approve') ? cardActionKey(keyOf('approve')!.action) : '',
    rejectKey: keyOf('reject') ? cardActionKey(keyOf('reject')!.action) : '',
    transferKey: keyOf('transfer') ? cardActionKey(keyOf('transfer')!.action) : '',
    submitKey: keyOf('submit') ? cardActionKey(keyOf('submit')!.action) : '',
    cancelKey: keyOf('cancel') ? cardActionKey(keyOf('cancel')!.action) : '',
  };
}

/** A card as markdown; buttons become the commands to type (the fallback without a card template). */
export function cardMarkdown(card: CardView): { title: string; text: string } {
  const lines = [`#### ${markdownLine(card.title)}`, ...(card.subtitle ? [markdownLine(card.subtitle)] : []), ''];
  for (const f of card.fields) lines.push(`- **${markdownLine(f.label)}**：${markdownLine(f.value)}`);
  for (const l of card.lines ?? []) lines.push(`> ${markdownLine(l)}`);
  if (card.status) lines.push('', `**${markdownLine(card.status)}**`);
  else if (card.buttons.length) lines.push('', `回复命令操作：${card.buttons.map((b) => `「${markdownLine(b.command)}」`).join(' ')}`);
  return { title: plainLine(card.title), text: lines.join('\n') };
}

/** A robot message (msgKey + msgParam, or the webhook body) for views that are not interactive cards. */
export function robotMarkdown(views: View[]): { title: string; text: string } {
  const parts = views.map((v) =>
    v.type === 'text'
      ? markdownBlock(v.text)
      : v.type === 'markdown'
        ? `#### ${markdownLine(v.title)}\n${renderMarkup(v.text, 'markdown')}`
        : cardMarkdown(v.card).text,
  );
  const first = views[0];
  const title = first?.type === 'card' ? first.card.title : first?.type === 'markdown' ? first.title : '合同助手';
  return { title: plainLine(title, 64), text: parts.join('\n\n') };
}
