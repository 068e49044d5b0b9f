// The group commit of accepts: items submitted in one turn share a batch, a batch may be written
// while an earlier one is still finishing (its fsync), and a failing batch is retried item by item.

import { GroupCommit } from '../../bot/group-commit';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A write whose batches finish only when the test says so. */
function gatedWrite() {
  const batches: { items: number[]; finish(): void }[] = [];
  const write = (items: number[]) =>
    new Promise<number[]>((resolve) => batches.push({ items, finish: () => resolve(items.map((i) => i * 10)) }));
  return { batches, write };
}

describe('GroupCommit', () => {
  it('writes the items of one turn in one batch, and the next batch while the first is still in flight', async () => {
    const { batches, write } = gatedWrite();
    const commit = new GroupCommit(write, 200, 2);
    const first = [1, 2, 3].map((i) => commit.submit(i));
    await nextTurn();
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3]]);
    const second = [4, 5].map((i) => commit.submit(i));
    await nextTurn();
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3], [4, 5]]); // not waiting for the first
    expect(commit.pending).toBe(2);
    // At most two in flight: a third waits until one finishes.
    const third = commit.submit(6);
    await nextTurn();
    expect(batches).toHaveLength(2);
    batches[1]!.finish();
    expect(await Promise.all(second)).toEqual([40, 50]);
    await nextTurn();
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3], [4, 5], [6]]);
    batches[0]!.finish();
    batches[2]!.finish();
    expect(await Promise.all([...first, third])).toEqual([10, 20, 30, 60]);
    await commit.idle();
    expect(commit.pending).toBe(0);
  });

  it('idle() resolves once nothing waits or is in flight', async () => {
    const { batches, write } = gatedWrite();
    const commit = new GroupCommit(write);
    let idle = false;
    void commit.submit(1);
    const done = commit.idle().then(() => (idle = true));
    await nextTurn();
    await nextTurn();
    expect(idle).toBe(false);
    batches[0]!.finish();
    await done;
    expect(idle).toBe(true);
  });

  it('a failing batch is written again item by item: only the bad item fails', async () => {
    const written: number[][] = [];
    const commit = new GroupCommit(async (items: number[]) => {
      written.push(items);
      if (items.includes(2)) throw new Error('bad item');
      return items;
    });
    const results = await Promise.allSettled([1, 2, 3].map((i) => commit.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(written).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
