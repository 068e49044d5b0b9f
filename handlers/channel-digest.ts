// Group alerts of one scheduled run (product.md §5): "one message per alert kind per channel per
// interval, batched into a digest when several are due". A group robot takes 20 messages a minute;
// a wave of overdue milestones would otherwise be a wave of messages the outbox spreads over minutes.
//
// Each alert keeps its own outbox key, which makes it once whatever runs again (a later run in the
// same interval, a catch-up, two instances). One alert new in a run goes out on its own, as before
// digests. Several go out as one digest, and each is marked carried under its own key
// (OutboxStore.markCarried): a later run sees it taken and does not repeat it, alone or in a digest.

import type { Ctx, Deps } from './context';
import type { Markup, OutgoingMessage, View } from './ports';
import { listing, markdown } from './views';

export interface ChannelAlert {
  /** Its outbox key: the alert is made once under it. */
  key: string;
  /** The message when it goes alone. */
  views: View[];
  /** Its line in a digest. */
  line: Markup;
}

export interface DigestKind {
  /** The digest's title (the robot's notification line). */
  title: string;
  /** Its first line, given how many alerts it carries: "**里程碑逾期**：3 个里程碑已多次提醒仍未完成". */
  heading(count: number): Markup;
  /** Alerts that pass quiet hours make an urgent digest. */
  urgent?: boolean;
}

/**
 * The messages for `alerts` not made before: nothing, the one alert alone, or a digest of them (the
 * alerts it carries are marked in the same transaction).
 */
export async function channelDigest(deps: Deps, ctx: Ctx, channel: string, kind: DigestKind, alerts: ChannelAlert[]): Promise<OutgoingMessage[]> {
  if (alerts.length === 0) return [];
  const made = await deps.repos.outbox.existingKeys(ctx.tx, alerts.map((a) => a.key));
  const fresh = alerts.filter((a) => !made.has(a.key));
  if (fresh.length === 0) return [];
  const to = { kind: 'channel' as const, channel };
  const urgent = kind.urgent ? { urgent: true } : {};
  if (fresh.length === 1) return [{ dedupeKey: fresh[0]!.key, to, views: fresh[0]!.views, ...urgent }];
  await deps.repos.outbox.markCarried(ctx.tx, fresh.map((a) => ({ dedupeKey: a.key, to })), ctx.now);
  return [
    {
      // Its first alert is carried by this digest only, so the key is this digest's alone, and the
      // same on a retry of the same run.
      dedupeKey: `digest:${fresh[0]!.key}:${fresh.length}`,
      to,
      views: [markdown(kind.title, listing(kind.heading(fresh.length), fresh, (a) => a.line, '项'))],
      ...urgent,
    },
  ];
}
