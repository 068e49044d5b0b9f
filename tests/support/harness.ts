// A whole bot on a fresh in-memory SQLite database (real migrations), a fake clock, and a notifier
// that records what would be sent. Tests talk to it like people typing into a chat.

import fs from 'node:fs';
import path from 'node:path';
import { createApp, type App } from '../../bot/app';
import { parsePolicy, type Policy } from '../../bot/config';
import type { NormalizedEvent } from '../../bot/events';
import { silentLogger } from '../../bot/logger';
import { renderText } from '../../cards/text';
import type { CardAction, Clock, Notifier, OutboxRecord, Recipient } from '../../handlers/ports';

export class FakeClock implements Clock {
  constructor(private t: Date) {}
  now(): Date {
    return new Date(this.t);
  }
  set(iso: string): void {
    this.t = new Date(iso);
  }
  advanceHours(h: number): void {
    this.t = new Date(this.t.getTime() + h * 3_600_000);
  }
}

export class RecordingNotifier implements Notifier {
  delivered: OutboxRecord[] = [];
  failWith: Error | null = null;
  async deliver(message: OutboxRecord): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.delivered.push(message);
  }
}

export interface Sent {
  to: Recipient;
  text: string;
  message: OutboxRecord;
}

export const EXAMPLE_POLICY = fs.readFileSync(path.join(__dirname, '../../policy.example.yaml'), 'utf8');

export interface Harness {
  app: App;
  clock: FakeClock;
  notifier: RecordingNotifier;
  /** Sends a chat line as a person; returns the reply text and what went to others. */
  say(personId: string, text: string): Promise<{ reply: string; others: Sent[] }>;
  click(personId: string, action: CardAction, extra?: string): Promise<{ reply: string; others: Sent[] }>;
  /** Everything delivered to a person so far, rendered as text. */
  inboxOf(personId: string): string[];
  close(): Promise<void>;
}

let counter = 0;

/** Monday 2026-11-23 10:00 in Asia/Shanghai. */
export const MONDAY_10AM = '2026-11-23T02:00:00Z';

/** A text message from one person with a delivery key of the test's choosing (WeCom by default). */
export const textMessage = (text: string, deliveryKey: string, sender = 'wecom:ZhangSan'): NormalizedEvent => ({
  kind: 'message.text',
  platform: sender.split(':')[0] as NormalizedEvent['platform'],
  deliveryKey,
  senderIdentity: sender,
  conversation: { id: sender.startsWith('console:') ? sender : sender.split(':')[1]!, type: 'direct' },
  text,
});

export async function startHarness(options: { policy?: Policy; now?: string; databaseUrl?: string } = {}): Promise<Harness> {
  const clock = new FakeClock(new Date(options.now ?? MONDAY_10AM));
  const notifier = new RecordingNotifier();
  const policy = options.policy ?? parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml');
  const app = await createApp({
    databaseUrl: options.databaseUrl ?? 'sqlite::memory:',
    policy,
    notifier,
    clock,
    log: silentLogger,
  });

  async function send(personId: string, event: Omit<NormalizedEvent, 'platform' | 'deliveryKey' | 'senderIdentity' | 'conversation'> & Partial<NormalizedEvent>) {
    const before = notifier.delivered.length;
    const n = ++counter;
    // A conversation id of its own, so concurrent sends can tell their replies apart.
    const conversationId = `console:${personId}:${n}`;
    const full = {
      platform: 'console',
      deliveryKey: `test:${n}`,
      senderIdentity: `console:${personId}`,
      conversation: { id: conversationId, type: 'direct' },
      ...event,
    } as NormalizedEvent;
    await app.dispatcher.handle(full);
    await app.outbox.deliverDue();
    const fresh = notifier.delivered.slice(before).map((m) => ({ to: m.to, text: renderText(m.views), message: m }));
    const reply = fresh.filter((s) => s.to.kind === 'conversation' && s.to.conversationId === conversationId).map((s) => s.text).join('\n');
    return { reply, others: fresh.filter((s) => s.to.kind !== 'conversation') };
  }

  return {
    app,
    clock,
    notifier,
    say: (personId, text) => send(personId, { kind: 'message.text', text }),
    click: (personId, action, extra) => send(personId, { kind: 'card.action', action, extra }),
    inboxOf: (personId) =>
      notifier.delivered
        .filter((m) => (m.to.kind === 'person' && m.to.personId === personId) || (m.to.kind === 'conversation' && m.to.personId === personId))
        .map((m) => renderText(m.views)),
    close: () => app.close(),
  };
}

/** Row counts of every table plus each contract's version/status: equal before and after = nothing changed. */
export async function databaseFingerprint(app: App): Promise<string> {
  const tables = ['customer', 'contract', 'contract_version', 'approval_step', 'follow_up', 'audit_event', 'sequence'];
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM "${t}"`))[0].n);
  const contracts = await app.dataSource.query('SELECT number, status, version, round, amount_fen, title FROM contract ORDER BY id');
  const steps = await app.dataSource.query('SELECT id, status, assignee_id, last_urged_at FROM approval_step ORDER BY id');
  const customers = await app.dataSource.query('SELECT code, next_follow_up_due FROM customer ORDER BY id');
  const seq = await app.dataSource.query('SELECT name, value FROM sequence ORDER BY name');
  return JSON.stringify({ counts, contracts, steps, customers, seq });
}

/** The card action of a button in the last approval card delivered to a person. */
export function lastCardAction(h: Harness, personId: string, label: '同意' | '驳回' | '转交'): CardAction {
  for (const m of [...h.notifier.delivered].reverse()) {
    if (m.to.kind !== 'person' || m.to.personId !== personId) continue;
    for (const v of m.views) {
      if (v.type === 'card' && v.card.kind === 'approval') {
        const b = v.card.buttons.find((x) => x.label === label);
        if (b) return b.action;
      }
    }
  }
  throw new Error(`no approval card with ${label} delivered to ${personId}`);
}
