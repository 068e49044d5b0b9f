// Plain-text rendering of view models, for the console and for platforms' text fallbacks. Every
// string of a card is one line here (escape.ts), so user text cannot draw a line of the card frame.

import { plainBlock, plainLine, renderMarkup } from './escape';
import type { CardView, View } from './model';

export function renderCardText(card: CardView): string {
  const lines = [`┌ ${plainLine(card.title)}${card.subtitle ? ` · ${plainLine(card.subtitle)}` : ''}`];
  for (const f of card.fields) lines.push(`│ ${plainLine(f.label)}：${plainLine(f.value)}`);
  for (const l of card.lines ?? []) lines.push(`│ ${plainLine(l)}`);
  if (card.status) lines.push(`│ 【${plainLine(card.status)}】`);
  else if (card.buttons.length) lines.push(`│ ${card.buttons.map((b) => `[${plainLine(b.label)}] ${plainLine(b.command)}`).join('   ')}`);
  lines.push('└');
  return lines.join('\n');
}

export function renderText(views: View[]): string {
  return views
    .map((v) => {
      switch (v.type) {
        case 'text':
          return plainBlock(v.text);
        case 'markdown':
          return `${plainLine(v.title)}\n${renderMarkup(v.text, 'plain')}`;
        case 'card':
          return renderCardText(v.card);
      }
    })
    .join('\n');
}
