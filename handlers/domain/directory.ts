// The people the bot knows, with the look-ups the rules need. Pure: built from the policy file and
// the members synced from the platforms; replaced in place when a sync changes them.

import { cleanLine } from './text';
import type { IsoDate, Person, Role } from './types';

/** A person named in a command: the one meant, or everyone it could mean (none, or several). */
export type PersonLookup = { person: Person } | { person: null; candidates: Person[] };

/** Names compare after the text normalisation of commands, case-insensitively (Tom = tom). */
const nameKey = (name: string) => cleanLine(name).toLowerCase();

export class Directory {
  private readonly byId = new Map<string, Person>();
  private readonly byIdentity = new Map<string, Person>();
  private readonly reports = new Map<string, Person[]>();
  private current: readonly Person[] = [];

  constructor(people: readonly Person[]) {
    this.replace(people);
  }

  get people(): readonly Person[] {
    return this.current;
  }

  /**
   * Swaps in a new list of people (after a directory sync). Everyone holding this object sees it at
   * once; the look-ups stay map reads.
   */
  replace(people: readonly Person[]): void {
    this.byId.clear();
    this.byIdentity.clear();
    this.reports.clear();
    this.current = people;
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

  /**
   * The person a command names (`转交 … 李四`): by id or platform identity (both unique), else by
   * display name when exactly one person has it. Two people with the name → both as candidates, never
   * a guess.
   */
  resolve(reference: string): PersonLookup {
    const ref = cleanLine(reference).replace(/^@\s*/, '');
    const exact = this.byId.get(ref) ?? this.byIdentity.get(ref);
    if (exact) return { person: exact };
    const key = nameKey(ref);
    const named = key ? this.people.filter((p) => nameKey(p.name) === key) : [];
    return named.length === 1 ? { person: named[0]! } : { person: null, candidates: named };
  }

  /** The person a reference names unambiguously, if any (see `resolve`). */
  findByReference(reference: string): Person | undefined {
    return this.resolve(reference).person ?? undefined;
  }

  /** Everyone below a person in the manager chains (direct and indirect reports). */
  reportsOf(id: string): Person[] {
    let reports = this.reports.get(id);
    if (!reports) {
      reports = this.people.filter((p) => this.managersOf(p.id).some((m) => m.id === id));
      this.reports.set(id, reports);
    }
    return reports;
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
