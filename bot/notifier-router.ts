// Sends each outbox message through the platform that can reach its recipient: the chat a reply
// belongs to, a person's first identity on a connected platform, every platform a channel names.

import type { Notifier, OutboxRecord, RateTarget } from '../handlers/ports';
import { DeliveryError } from './delivery-error';

export interface PlatformNotifier extends Notifier {
  /** Its name in metrics: wecom, dingtalk, file. */
  readonly platform?: string;
  canReach(message: OutboxRecord): boolean;
}

export class NotifierRouter implements Notifier {
  constructor(private readonly platforms: PlatformNotifier[] = []) {}

  /** Platforms connect after the core exists (they need its database and directory). */
  add(platform: PlatformNotifier): void {
    this.platforms.push(platform);
  }

  /** The limit of the platform that will carry the message (for a channel: the first one's robot). */
  rateTarget(message: OutboxRecord): RateTarget | null | undefined {
    return this.platforms.find((p) => p.canReach(message))?.rateTarget?.(message);
  }

  /** The platform that will carry the message (for a channel: the first one), `none` if none can. */
  platformOf(message: OutboxRecord): string {
    return this.platforms.find((p) => p.canReach(message))?.platform ?? 'none';
  }

  async deliver(message: OutboxRecord): Promise<void> {
    const able = this.platforms.filter((p) => p.canReach(message));
    if (able.length === 0) {
      throw new DeliveryError(`no connected platform can reach ${JSON.stringify(message.to)}`, { permanent: this.platforms.length > 0 });
    }
    // A channel may have a robot on each platform; a person or chat needs only one.
    const targets = message.to.kind === 'channel' ? able : able.slice(0, 1);
    for (const p of targets) await p.deliver(message);
  }
}
