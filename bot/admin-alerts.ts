// Urgent notes to every admin about something the bot gave up on (a message it could not send, an
// event it could not process). Queued in the caller's transaction; one key per admin, so each admin
// is told once however often the caller runs.

import type { Deps } from '../handlers/context';
import type { Tx } from '../handlers/ports';

/** Key prefixes of the notes themselves: a note that cannot be sent is not reported again. */
export const ADMIN_ALERT_PREFIXES = ['outbox-dead:', 'inbox-dead:'] as const;

export async function alertAdmins(tx: Tx, deps: Deps, key: string, text: string, now: Date): Promise<void> {
  for (const admin of deps.directory.holdersOf('admin')) {
    await deps.repos.outbox.enqueue(
      tx,
      { dedupeKey: `${key}:${admin.id}`, to: { kind: 'person', personId: admin.id }, views: [{ type: 'text', text }], urgent: true },
      now,
    );
  }
}
