// Directory sync: the members read from the platforms become the directory's people, in one
// transaction (or, in a dry run, only the difference). People who left are deactivated, never
// deleted; the admins are told about the approval steps still waiting for them.

import type { Deps } from './context';
import {
  changedMembers,
  diffDirectory,
  effectivePeople,
  isEmptyDiff,
  planMembers,
  type DirectoryDiff,
  type PlatformMember,
} from './domain/directory-merge';
import type { Person, Role } from './domain/types';
import type { DirectoryStore, Tx, UnitOfWork } from './ports';

export interface DirectorySyncDeps {
  uow: UnitOfWork;
  store: DirectoryStore;
  workflow: Deps;
  policyPeople: readonly Person[];
  defaultRole: Role;
}

export interface DirectorySyncResult {
  diff: DirectoryDiff;
  /** The directory's people after the sync (as they were, in a dry run or when nothing changed). */
  people: Person[];
  /** Member rows written (0 in a dry run). */
  written: number;
  /** Departed people's open steps (pending or waiting) reported to the admins. */
  reportedSteps: number;
}

/** The directory's people from the policy and the members stored by earlier syncs. */
export async function storedPeople(tx: Tx, d: Pick<DirectorySyncDeps, 'store' | 'policyPeople' | 'defaultRole'>): Promise<Person[]> {
  return effectivePeople(d.policyPeople, await d.store.listMembers(tx), d.defaultRole);
}

/**
 * Applies the members just read from the platforms. `fetched` must be complete: the caller reads
 * everything first, so that an API failure midway changes nothing.
 */
export async function applyDirectorySync(d: DirectorySyncDeps, fetched: readonly PlatformMember[], now: Date, options: { dryRun?: boolean } = {}): Promise<DirectorySyncResult> {
  return d.uow.run(async (tx) => {
    const previous = await d.store.listMembers(tx);
    const next = planMembers(previous, fetched, d.policyPeople, now);
    const before = { people: effectivePeople(d.policyPeople, previous, d.defaultRole), members: previous };
    const after = { people: effectivePeople(d.policyPeople, next, d.defaultRole), members: next };
    const diff = diffDirectory(before, after);
    const writes = changedMembers(previous, next);
    if (options.dryRun || (writes.length === 0 && isEmptyDiff(diff))) {
      return { diff, people: before.people, written: 0, reportedSteps: 0 };
    }
    await d.store.saveMembers(tx, writes);
    await d.store.mirrorPeople(tx, after.people);
    const reportedSteps = await reportDeparted(d.workflow, tx, diff.deactivated, after.people, now);
    return { diff, people: after.people, written: writes.length, reportedSteps };
  });
}

/** Steps listed in one note at most (a chat message has a size limit); the rest are counted. */
const STEPS_LISTED = 30;
/** Steps read at most: a bounded read whatever the store holds. */
const STEPS_READ = 1000;

/** One urgent note per admin listing the open approval steps (pending or waiting) of the people who left. */
async function reportDeparted(deps: Deps, tx: Tx, departed: readonly Person[], people: readonly Person[], now: Date): Promise<number> {
  if (departed.length === 0) return 0;
  const ids = departed.map((p) => p.id);
  const open = await deps.repos.steps.listOpenForAssignees(tx, ids, STEPS_READ);
  if (open.length === 0) return 0;
  const steps = open.slice(0, STEPS_LISTED);
  const total = open.length;
  const contracts = new Map((await deps.repos.contracts.findByIds(tx, [...new Set(steps.map((s) => s.contractId))])).map((c) => [c.id, c]));
  const names = new Map(departed.map((p) => [p.id, p.name]));
  const lines = steps.map(
    (s) => `· 合同 ${contracts.get(s.contractId)?.number ?? `#${s.contractId}`} 第 ${s.seq} 步（${s.status === 'pending' ? '待审批' : '未轮到'}）：${names.get(s.assigneeId) ?? s.assigneeId}`,
  );
  if (total > steps.length) lines.push(`……另有 ${total - steps.length}${total === STEPS_READ ? ' 个以上' : ' 个'}`);
  const text =
    `通讯录同步：${departed.filter((p) => open.some((s) => s.assigneeId === p.id)).map((p) => p.name).join('、')} 已不在通讯录中，账号已停用。\n` +
    `以下审批仍在等待他们处理：\n${lines.join('\n')}\n` +
    '请安排处理：提交人可撤回后重新提交，审批将按当前通讯录重新分配。';
  const admins = people.filter((p) => p.roles.includes('admin'));
  for (const admin of admins) {
    await deps.repos.outbox.enqueue(
      tx,
      { dedupeKey: `directory-departed:${now.getTime()}:${admin.id}`, to: { kind: 'person', personId: admin.id }, views: [{ type: 'text', text }], urgent: true },
      now,
    );
  }
  return total;
}

/** The difference as lines for a person to read (the CLI prints them; a dry run prints only them). */
export function describeDiff(diff: DirectoryDiff): string[] {
  const who = (p: Person) => `${p.name} (${p.id})`;
  const lines = [
    ...diff.added.map((p) => `+ added       ${who(p)} [${p.identities.join(', ')}] roles ${p.roles.join(',')}`),
    ...diff.changed.map((c) => `~ changed     ${who(c.person)}: ${c.fields.join(', ')}`),
    ...diff.moved.map((m) => `> moved       ${who(m.person)}: ${m.from.join(',')} → ${m.to.join(',')}`),
    ...diff.deactivated.map((p) => `- deactivated ${who(p)}`),
  ];
  const counts = `${diff.added.length} added, ${diff.changed.length} changed, ${diff.moved.length} moved, ${diff.deactivated.length} deactivated`;
  return [...lines, counts];
}
