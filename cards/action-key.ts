// The key a card button carries back when clicked, on every platform: the action, the contract, and
// for decisions the exact step and version the card was issued for.

import type { CardAction } from './model';

/** `approve|HT-2026-0001|12|1`: the key WeCom returns as EventKey when the button is clicked. */
export function cardActionKey(action: CardAction): string {
  return 'stepId' in action
    ? [action.type, action.contractNo, action.stepId, action.version].join('|')
    : [action.type, action.contractNo].join('|');
}

export function parseCardActionKey(key: string): CardAction | null {
  const parts = key.split('|');
  const [type, contractNo] = parts;
  if (!contractNo || !/^HT-\d{4}-\d{4}$/.test(contractNo)) return null;
  if ((type === 'submit' || type === 'cancel') && parts.length === 2) return { type, contractNo };
  if ((type === 'approve' || type === 'reject' || type === 'transfer') && parts.length === 4) {
    const stepId = Number(parts[2]);
    const version = Number(parts[3]);
    if (Number.isSafeInteger(stepId) && Number.isSafeInteger(version)) return { type, contractNo, stepId, version };
  }
  return null;
}

