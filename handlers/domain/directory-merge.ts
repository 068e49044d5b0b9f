// The directory as the policy file and the platforms' member lists make it together. Pure.
// Policy entries win where both speak (name, roles, manager, delegate); the platforms add the people
// the policy does not list, their names and managers, and accounts found for a policy entry.

import type { DirectoryMemberRecord, DirectoryPlatform } from '../ports';
import { charLength, cleanLine } from './text';
import type { Person, Role } from './types';

/** A member as read from a platform's directory API. */
export interface PlatformMember {
  platform: DirectoryPlatform;
  userId: string;
  name: string;
  /** Only used to match one person's accounts on the two platforms; never stored. */
  mobile?: string;
  managerUserId?: string;
  departments: string[];
}

export const identityOf = (m: { platform: DirectoryPlatform; userId: string }): string => `${m.platform}:${m.userId}`;

/** Platform order when two accounts of one person disagree (the name shown): WeCom first. */
const PLATFORM_ORDER: Record<DirectoryPlatform, number> = { wecom: 0, dingtalk: 1 };
const byPlatform = (a: DirectoryMemberRecord, b: DirectoryMemberRecord) => PLATFORM_ORDER[a.platform] - PLATFORM_ORDER[b.platform];

/** The people of the directory: the policy's, then the active platform members it does not list. */
export function effectivePeople(policy: readonly Person[], members: readonly DirectoryMemberRecord[], defaultRole: Role): Person[] {
  const active = members.filter((m) => m.active);
  const personOf = new Map(active.map((m) => [identityOf(m), m.personId]));
  const accounts = new Map<string, DirectoryMemberRecord[]>();
  for (const m of [...active].sort(byPlatform)) accounts.set(m.personId, [...(accounts.get(m.personId) ?? []), m]);
  const managerOf = (personId: string): string | undefined => {
    for (const m of accounts.get(personId) ?? []) {
      const manager = m.managerUserId ? personOf.get(identityOf({ platform: m.platform, userId: m.managerUserId })) : undefined;
      if (manager && manager !== personId) return manager;
    }
    return undefined;
  };
  const policyIds = new Set(policy.map((p) => p.id));
  const people: Person[] = policy.map((p) => {
    const synced = (accounts.get(p.id) ?? []).map(identityOf).filter((i) => !p.identities.includes(i));
    const manager = p.manager ?? managerOf(p.id);
    return { ...p, identities: [...p.identities, ...synced], ...(manager ? { manager } : {}) };
  });
  for (const [personId, list] of accounts) {
    if (policyIds.has(personId)) continue;
    const manager = managerOf(personId);
    people.push({ id: personId, name: list[0]!.name, roles: [defaultRole], identities: list.map(identityOf), ...(manager ? { manager } : {}) });
  }
  return people;
}

/** Digits only, without China's +86: the form both platforms' mobiles compare in. */
export function normaliseMobile(mobile: string | undefined): string | undefined {
  const digits = (mobile ?? '').replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
  return digits.length >= 5 ? digits : undefined;
}

const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Two 32-bit FNV-1a hashes (different offsets) as 16 hex digits: a stable id, not a secret. */
function hash64(text: string): string {
  const fnv = (seed: number) => {
    let h = seed >>> 0;
    for (const ch of text) {
      h ^= ch.codePointAt(0)!;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  };
  return fnv(0x811c9dc5) + fnv(0x050c5d1f);
}

/** A new person's id from their first account: readable when it can be (wecom-zhangsan), else hashed. */
function newPersonId(m: PlatformMember, taken: Set<string>): string {
  const readable = `${m.platform}-${m.userId}`;
  const base = ID_PATTERN.test(readable) && readable.length <= 60 ? readable : `${m.platform}-${hash64(m.userId)}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

/** A display name that fits the person table (100 characters), normalised like command text. */
function displayName(name: string, fallback: string): string {
  const clean = cleanLine(name) || fallback;
  return charLength(clean) <= 100 ? clean : [...clean].slice(0, 100).join('');
}

/**
 * The member rows after a sync read `fetched`: each account keeps the person it had; an account the
 * policy lists belongs to that policy entry; a WeCom and a DingTalk account with the same mobile (one
 * of each) are one person; anyone else is a new person. Accounts not fetched any more become inactive.
 * Returns every row, changed or not; `changedMembers` picks the ones to write.
 */
export function planMembers(
  previous: readonly DirectoryMemberRecord[],
  fetched: readonly PlatformMember[],
  policy: readonly Person[],
  now: Date,
): DirectoryMemberRecord[] {
  const before = new Map(previous.map((m) => [identityOf(m), m]));
  const policyOwner = new Map(policy.flatMap((p) => p.identities.map((i) => [i, p.id] as const)));
  const taken = new Set([...policy.map((p) => p.id), ...previous.map((m) => m.personId)]);

  // One WeCom and one DingTalk account with the same mobile are one person's.
  const byMobile = new Map<string, PlatformMember[]>();
  for (const m of fetched) {
    const mobile = normaliseMobile(m.mobile);
    if (mobile) byMobile.set(mobile, [...(byMobile.get(mobile) ?? []), m]);
  }
  const partner = new Map<PlatformMember, PlatformMember>();
  for (const group of byMobile.values()) {
    const [a, b] = group;
    if (group.length === 2 && a!.platform !== b!.platform) {
      partner.set(a!, b!);
      partner.set(b!, a!);
    }
  }

  const assigned = new Map<PlatformMember, string>();
  const owner = (m: PlatformMember) => policyOwner.get(identityOf(m));
  const earlier = (m: PlatformMember) => before.get(identityOf(m))?.personId;
  for (const m of fetched) {
    if (assigned.has(m)) continue;
    const other = partner.get(m);
    // Two policy entries, or two people known before, stay apart: the mobile does not overrule them.
    const together =
      other !== undefined &&
      !(owner(m) && owner(other) && owner(m) !== owner(other)) &&
      !(!owner(m) && !owner(other) && earlier(m) && earlier(other) && earlier(m) !== earlier(other));
    const group = together ? [m, other!] : [m];
    const id =
      group.map(owner).find(Boolean) ?? group.map(earlier).find(Boolean) ?? newPersonId(group.find((g) => g.platform === 'wecom') ?? m, taken);
    for (const g of group) assigned.set(g, id);
  }

  const rows: DirectoryMemberRecord[] = fetched.map((m) => ({
    platform: m.platform,
    userId: m.userId,
    personId: assigned.get(m)!,
    name: displayName(m.name, m.userId),
    managerUserId: m.managerUserId || null,
    departments: [...new Set(m.departments)].sort(),
    active: true,
    updatedAt: now,
  }));
  const seen = new Set(rows.map(identityOf));
  for (const m of previous) if (!seen.has(identityOf(m))) rows.push({ ...m, active: false, updatedAt: m.active ? now : m.updatedAt });
  return rows.map((row) => {
    const old = before.get(identityOf(row));
    return old && sameMember(old, row) ? old : row;
  });
}

function sameMember(a: DirectoryMemberRecord, b: DirectoryMemberRecord): boolean {
  return (
    a.personId === b.personId &&
    a.name === b.name &&
    a.managerUserId === b.managerUserId &&
    a.active === b.active &&
    a.departments.join(',') === b.departments.join(',')
  );
}

/** The rows of `next` that differ from `previous` (what a sync writes). */
export function changedMembers(previous: readonly DirectoryMemberRecord[], next: readonly DirectoryMemberRecord[]): DirectoryMemberRecord[] {
  const before = new Map(previous.map((m) => [identityOf(m), m]));
  return next.filter((m) => {
    const old = before.get(identityOf(m));
    return !old || !sameMember(old, m);
  });
}

export interface DirectoryDiff {
  added: Person[];
  changed: { person: Person; fields: ('name' | 'manager' | 'roles' | 'accounts')[] }[];
  moved: { person: Person; from: string[]; to: string[] }[];
  deactivated: Person[];
}

/** Departments per person, as `wecom:2` / `dingtalk:5`, from their active accounts. */
function departmentsOf(members: readonly DirectoryMemberRecord[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const m of members.filter((x) => x.active)) {
    map.set(m.personId, [...(map.get(m.personId) ?? []), ...m.departments.map((d) => `${m.platform}:${d}`)].sort());
  }
  return map;
}

/** What a sync changes in the directory: people added, changed, moved between departments, deactivated. */
export function diffDirectory(
  before: { people: readonly Person[]; members: readonly DirectoryMemberRecord[] },
  after: { people: readonly Person[]; members: readonly DirectoryMemberRecord[] },
): DirectoryDiff {
  const old = new Map(before.people.map((p) => [p.id, p]));
  const fresh = new Set(after.people.map((p) => p.id));
  const oldDepartments = departmentsOf(before.members);
  const newDepartments = departmentsOf(after.members);
  const diff: DirectoryDiff = { added: [], changed: [], moved: [], deactivated: before.people.filter((p) => !fresh.has(p.id)) };
  for (const p of after.people) {
    const o = old.get(p.id);
    if (!o) {
      diff.added.push(p);
      continue;
    }
    const fields: DirectoryDiff['changed'][number]['fields'] = [];
    if (o.name !== p.name) fields.push('name');
    if ((o.manager ?? null) !== (p.manager ?? null)) fields.push('manager');
    if ([...o.roles].sort().join() !== [...p.roles].sort().join()) fields.push('roles');
    if ([...o.identities].sort().join() !== [...p.identities].sort().join()) fields.push('accounts');
    if (fields.length) diff.changed.push({ person: p, fields });
    const from = oldDepartments.get(p.id) ?? [];
    const to = newDepartments.get(p.id) ?? [];
    if (from.length && to.length && from.join() !== to.join()) diff.moved.push({ person: p, from, to });
  }
  return diff;
}

export const isEmptyDiff = (d: DirectoryDiff): boolean => !d.added.length && !d.changed.length && !d.moved.length && !d.deactivated.length;
