// What the metrics read at scrape time: two COUNTs, each answered from an index on (status, …)
// (IDX_outbox_pending_order, IDX_inbox_claimable), outside any transaction (on SQLite a write
// transaction would take the write lock for a read).

import type { DataSource } from 'typeorm';

const count = async (dataSource: DataSource, sql: string): Promise<number> => Number((await dataSource.query(sql))[0]?.n ?? 0);

export function createBacklogReader(dataSource: DataSource): { outboxPending(): Promise<number>; inboxBacklog(): Promise<number> } {
  return {
    outboxPending: () => count(dataSource, "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'"),
    inboxBacklog: () => count(dataSource, "SELECT COUNT(*) AS n FROM inbox WHERE status = 'received'"),
  };
}
