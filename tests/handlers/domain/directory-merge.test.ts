import { changedMembers, effectivePeople, normaliseMobile, planMembers, type PlatformMember } from '../../../handlers/domain/directory-merge';
import type { Person } from '../../../handlers/domain/types';

const NOW = new Date('2026-11-23T02:00:00Z');
const wecom = (userId: string, extra: Partial<PlatformMember> = {}): PlatformMember => ({ platform: 'wecom', userId, name: userId, departments: ['2'], ...extra });
const dingtalk = (userId: string, extra: Partial<PlatformMember> = {}): PlatformMember => ({ platform: 'dingtalk', userId, name: userId, departments: ['10'], ...extra });
const POLICY: Person[] = [
  { id: 'zhangsan', name: '张三', roles: ['sales'], identities: ['wecom:ZhangSan'] },
  { id: 'lisi', name: '李四', roles: ['sales_manager'], identities: ['dingtalk:lisi01'] },
];

describe('planMembers', () => {
  it('gives a policy entry the accounts it lists and the other platform’s account with its mobile', () => {
    const rows = planMembers([], [wecom('ZhangSan', { mobile: '13800000001' }), dingtalk('zs01', { mobile: '+86 13800000001' })], POLICY, NOW);
    expect(rows.map((r) => [r.userId, r.personId])).toEqual([['ZhangSan', 'zhangsan'], ['zs01', 'zhangsan']]);
    const people = effectivePeople(POLICY, rows, 'sales');
    expect(people.find((p) => p.id === 'zhangsan')!.identities).toEqual(['wecom:ZhangSan', 'dingtalk:zs01']);
  });

  it('keeps two policy entries apart even when their accounts share a mobile', () => {
    const rows = planMembers([], [wecom('ZhangSan', { mobile: '13800000009' }), dingtalk('lisi01', { mobile: '13800000009' })], POLICY, NOW);
    expect(rows.map((r) => r.personId)).toEqual(['zhangsan', 'lisi']);
  });

  it('does not merge on a mobile three accounts share, or two of one platform', () => {
    const rows = planMembers([], [wecom('A', { mobile: '139' + '00000001' }), wecom('B', { mobile: '13900000001' }), dingtalk('c', { mobile: '13900000001' })], [], NOW);
    expect(new Set(rows.map((r) => r.personId)).size).toBe(3);
  });

  it('makes ids that fit the person table and never collide', () => {
    const rows = planMembers([], [wecom('Zhang San@公司'), wecom('a'.repeat(100)), dingtalk('x'), wecom('x')], [{ id: 'wecom-x', name: 'X', roles: ['sales'], identities: [] }], NOW);
    const ids = rows.map((r) => r.personId);
    expect(ids.every((id) => /^[A-Za-z0-9_.-]{1,64}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('wecom-x-2'); // wecom-x is the policy's
  });

  it('writes nothing the second time, and only the departed account when one leaves', () => {
    const fetched = [wecom('A', { managerUserId: 'B' }), wecom('B')];
    const first = planMembers([], fetched, [], NOW);
    expect(changedMembers([], first)).toHaveLength(2);
    expect(changedMembers(first, planMembers(first, fetched, [], new Date(NOW.getTime() + 1)))).toEqual([]);
    const after = planMembers(first, [fetched[1]!], [], new Date(NOW.getTime() + 2));
    expect(changedMembers(first, after).map((m) => [m.userId, m.active])).toEqual([['A', false]]);
  });

  it('a platform manager counts only when the policy names none; a manager outside the sync is none', () => {
    const policy: Person[] = [{ id: 'boss', name: '老板', roles: ['gm'], identities: ['wecom:Boss'] }, { id: 'p', name: 'P', roles: ['sales'], identities: ['wecom:P'], manager: 'boss' }];
    const rows = planMembers([], [wecom('P', { managerUserId: 'Other' }), wecom('Q', { managerUserId: 'Boss' }), wecom('Other'), wecom('R', { managerUserId: 'Gone' }), wecom('Boss')], policy, NOW);
    const people = effectivePeople(policy, rows, 'sales');
    expect(people.find((x) => x.id === 'p')!.manager).toBe('boss');
    expect(people.find((x) => x.id === 'wecom-Q')!.manager).toBe('boss');
    expect(people.find((x) => x.id === 'wecom-R')!.manager).toBeUndefined();
  });
});

it('normalises mobiles as both platforms write them', () => {
  expect(normaliseMobile('+86 138-0000-0001')).toBe('13800000001');
  expect(normaliseMobile('8613800000001')).toBe('13800000001');
  expect(normaliseMobile('')).toBeUndefined();
  expect(normaliseMobile(undefined)).toBeUndefined();
});
