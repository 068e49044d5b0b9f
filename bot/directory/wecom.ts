// Reads the members of the configured WeCom departments (and their sub-departments):
// department/simplelist for the department tree, user/list_id (cursor pages) for who is in which
// department, user/get for each member's name, mobile, leader and status.

import type { PlatformMember } from '../../handlers/domain/directory-merge';
import { WecomApiError, type WecomApi } from '../wecom/api';
import { mapLimited, retryThrottled, type RetryOptions } from './throttle';

/** -1 system busy, 45009 too frequent, 45033 too many at once: wait and try again. */
const THROTTLED = [-1, 45009, 45033];
const isThrottled = (e: unknown) => e instanceof WecomApiError && THROTTLED.includes(e.errcode);
/** user/get: the member is gone since list_id answered. */
const NO_SUCH_USER = 60111;
/** status 2 = disabled, 5 = left the company: not members any more. */
const GONE = [2, 5];

export async function readWecomMembers(api: WecomApi, departments: readonly number[], options: RetryOptions & { concurrency?: number } = {}): Promise<PlatformMember[]> {
  const call = <T>(work: () => Promise<T>) => retryThrottled(work, isThrottled, options);
  const inScope = new Set<number>();
  for (const id of departments) {
    const answer = await call(() => api.get('/cgi-bin/department/simplelist', { id: String(id) }));
    for (const d of (answer.department_id as { id: number }[] | undefined) ?? []) inScope.add(Number(d.id));
    inScope.add(id);
  }
  const memberships = new Map<string, string[]>();
  let cursor = '';
  do {
    const page = await call(() => api.call('/cgi-bin/user/list_id', { ...(cursor ? { cursor } : {}), limit: 10000 }));
    for (const row of (page.dept_user as { userid: string; department: number }[] | undefined) ?? []) {
      if (!inScope.has(Number(row.department))) continue;
      memberships.set(row.userid, [...(memberships.get(row.userid) ?? []), String(row.department)]);
    }
    cursor = typeof page.next_cursor === 'string' ? page.next_cursor : '';
  } while (cursor);

  const userIds = [...memberships.keys()];
  const read = await mapLimited(userIds, options.concurrency ?? 4, async (userid) => {
    try {
      return await call(() => api.get('/cgi-bin/user/get', { userid }));
    } catch (error) {
      if (error instanceof WecomApiError && error.errcode === NO_SUCH_USER) return null;
      throw error;
    }
  });
  const members: PlatformMember[] = [];
  read.forEach((user, i) => {
    const userid = userIds[i]!;
    if (!user || GONE.includes(Number(user.status))) return;
    const leaders = (user.direct_leader as string[] | undefined) ?? [];
    members.push({
      platform: 'wecom',
      userId: userid,
      name: typeof user.name === 'string' && user.name ? user.name : userid,
      mobile: typeof user.mobile === 'string' ? user.mobile : undefined,
      managerUserId: leaders[0],
      departments: memberships.get(userid)!,
    });
  });
  return members;
}
