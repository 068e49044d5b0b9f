// Plain-text rendering of view models, for the console and for platforms' text fallbacks.

import type { CardView, View } from './model';

export function renderCardText(card: CardView): string {
  const lines = [`┌ ${card.title}${card.subtitle ? ` · ${card.subtitle}` : ''}`];
  for (const f of card.fields) lines.push(`│ ${f.label}：${f.value}`);
  for (const l of card.lines ?? []) lines.push(`│ ${l}`);
  if (card.status) lines.push(`│ 【${card.status}】`);
  else if (card.buttons.length) lines.push(`│ ${card.buttons.map((b) => `[${b.label}] ${b.command}`).join('   ')}`);
  lines.push('└');
  return lines.join('\n');
}

export function renderText(views: View[]): string {
  return views
    .map((v) => {
      switch (v.type) {
        case 'text':
          return v.text;
        case 'markdown':
          return `${v.title}\n${v.text}`;
        case 'card':
          return renderCardText(v.card);
      }
    })
    .join('\n');
}
