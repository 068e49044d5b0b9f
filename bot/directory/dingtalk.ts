// Reads the members of the configured DingTalk departments (and their sub-departments), on the
// legacy API: topapi/v2/department/listsub walked down the tree, topapi/user/listid per department,
// topapi/v2/user/get per member for the name, mobile and manager.

import type { PlatformMember } from '../../handlers/domain/directory-merge';
import { DingtalkOapiError, type DingtalkApi } from '../dingtalk/api';
import { mapLimited, retryThrottled, type RetryOptions } from './throttle';

/** -1 busy, 88/90002/90006/90018 call frequency limits: wait and try again. */
const THROTTLED = [-1, 88, 90002, 90006, 90018];
const isThrottled = (e: unknown) => e instanceof DingtalkOapiError && THROTTLED.includes(e.errcode);
/** topapi/v2/user/get: the member is gone since listid answered. */
const NO_SUCH_USER = 60121;

export async function readDingtalkMembers(api: DingtalkApi, departments: readonly number[], options: RetryOptions & { concurrency?: number } = {}): Promise<PlatformMember[]> {
  const call = <T>(work: () => Promise<T>) => retryThrottled(work, isThrottled, options);
  const inScope: number[] = [];
  const queue = [...departments];
  while (queue.length) {
    const id = queue.shift()!;
    if (inScope.includes(id)) continue;
    inScope.push(id);
    const answer = await call(() => api.oapi('/topapi/v2/department/listsub', { dept_id: id, language: 'zh_CN' }));
    for (const d of (answer.result as { dept_id: number }[] | undefined) ?? []) queue.push(Number(d.dept_id));
  }
  const memberships = new Map<string, string[]>();
  for (const id of inScope) {
    const answer = await call(() => api.oapi('/topapi/user/listid', { dept_id: id }));
    for (const userid of (answer.result as { userid_list?: string[] } | undefined)?.userid_list ?? []) {
      memberships.set(userid, [...(memberships.get(userid) ?? []), String(id)]);
    }
  }
  const userIds = [...memberships.keys()];
  const read = await mapLimited(userIds, options.concurrency ?? 4, async (userid) => {
    try {
      const answer = await call(() => api.oapi('/topapi/v2/user/get', { userid, language: 'zh_CN' }));
      return (answer.result as Record<string, unknown> | undefined) ?? null;
    } catch (error) {
      if (error instanceof DingtalkOapiError && error.errcode === NO_SUCH_USER) return null;
      throw error;
    }
  });
  const members: PlatformMember[] = [];
  read.forEach((user, i) => {
    if (!user) return;
    const userid = userIds[i]!;
    members.push({
      platform: 'dingtalk',
      userId: userid,
      name: typeof user.name === 'string' && user.name ? user.name : userid,
      mobile: typeof user.mobile === 'string' ? user.mobile : undefined,
      managerUserId: typeof user.manager_userid === 'string' && user.manager_userid ? user.manager_userid : undefined,
      departments: memberships.get(userid)!,
    });
  });
  return members;
}
