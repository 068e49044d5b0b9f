// The people the bot knows, with the look-ups the rules need. Pure: built from the policy file.

import type { IsoDate, Person, Role } from './types';

export class Directory {
  private readonly byId = new Map<string, Person>();
  private readonly byIdentity = new Map<string, Person>();

  constructor(readonly people: readonly Person[]) {
    for (const p of people) {
      this.byId.set(p.id, p);
      for (const identity of p.identities) this.byIdentity.set(identity, p);
    }
  }

  get(id: string): Person | undefined {
    return this.byId.get(id);
  }

  /** Finds the person behind a platform identity such as `wecom:zhangsan`. */
  findByIdentity(identity: string): Person | undefined {
    return this.byIdentity.get(identity);
  }

  /** Finds a person by id, display name or identity, as typed in a chat command (`转交 … 李四`). */
  findByReference(reference: string): Person | undefined {
    const ref = reference.trim().replace(/^@/, '');
    return this.byId.get(ref) ?? this.people.find((p) => p.name === ref) ?? this.byIdentity.get(ref);
  }

  /** A person's user id on a platform (`wecom:ZhangSan` → `ZhangSan`), if they have one there. */
  platformIdOf(personId: string | null | undefined, platform: string): string | undefined {
    const prefix = `${platform}:`;
    return personId ? this.byId.get(personId)?.identities.find((i) => i.startsWith(prefix))?.slice(prefix.length) : undefined;
  }

  nameOf(id: string | null | undefined): string {
    if (!id) return '—';
    return this.byId.get(id)?.name ?? id;
  }

  holdersOf(role: Role): Person[] {
    return this.people.filter((p) => p.roles.includes(role));
  }

  /** The manager chain above a person, nearest first; stops on a cycle. */
  managersOf(id: string): Person[] {
    const chain: Person[] = [];
    const seen = new Set<string>([id]);
    let current = this.byId.get(id)?.manager;
    while (current && !seen.has(current)) {
      const m = this.byId.get(current);
      if (!m) break;
      chain.push(m);
      seen.add(current);
      current = m.manager;
    }
    return chain;
  }

  /** The delegate acting for `id` on `date`, if a delegation covers that day. */
  activeDelegate(id: string, date: IsoDate): Person | undefined {
    const d = this.byId.get(id)?.delegate;
    if (!d || date < d.from || date > d.until) return undefined;
    return this.byId.get(d.to);
  }
}
