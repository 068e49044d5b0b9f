// WalSync: the WAL is fdatasynced off the event loop, a bounded number of fsyncs at a time (one by
// default); the callers that come while they run share the next one, which starts only after one of
// them ended (so after their commits).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WalSync } from '../../storage/wal-sync';

describe('WalSync', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-sync-'));
  const file = path.join(dir, 'db.sqlite');
  fs.writeFileSync(file, 'db');
  fs.writeFileSync(`${file}-wal`, 'wal');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('syncs the WAL file; callers during a running fsync share the next one', async () => {
    const open = jest.spyOn(fs, 'openSync');
    const pending: ((error: Error | null) => void)[] = [];
    const sync = jest.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, done: (error: Error | null) => void) => void pending.push(done)) as typeof fs.fdatasync);
    try {
      const wal = new WalSync(file);
      const finished: number[] = [];
      const first = wal.sync().then(() => finished.push(1));
      const later = [2, 3, 4].map((n) => wal.sync().then(() => finished.push(n)));
      expect(pending).toHaveLength(1); // one fsync running; the later callers wait for the next
      pending[0]!(null);
      await first;
      await new Promise((r) => setImmediate(r));
      expect(pending).toHaveLength(2); // the shared next one started after the first ended
      expect(finished).toEqual([1]);
      pending[1]!(null);
      await Promise.all(later);
      expect(finished).toEqual([1, 2, 3, 4]);
      expect(open.mock.calls.map((c) => String(c[0]))).toEqual([`${file}-wal`, `${file}-wal`]);
    } finally {
      open.mockRestore();
      sync.mockRestore();
    }
  });

  it('with a concurrency of 2, a caller starts its own fsync while one runs; callers beyond share the next', async () => {
    const pending: ((error: Error | null) => void)[] = [];
    const sync = jest.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, done: (error: Error | null) => void) => void pending.push(done)) as typeof fs.fdatasync);
    try {
      const wal = new WalSync(file, 2);
      const finished: number[] = [];
      const calls = [1, 2, 3, 4].map((n) => wal.sync().then(() => finished.push(n)));
      expect(pending).toHaveLength(2); // the first two run at once; 3 and 4 wait for a free one
      pending[1]!(null); // the second ends first: the shared next one starts now
      await calls[1];
      await new Promise((r) => setImmediate(r));
      expect(finished).toEqual([2]);
      expect(pending).toHaveLength(3);
      pending[2]!(null);
      await Promise.all([calls[2], calls[3]]);
      expect(finished).toEqual([2, 3, 4]); // the first is still running
      pending[0]!(null);
      await calls[0];
      expect(finished).toEqual([2, 3, 4, 1]);
    } finally {
      sync.mockRestore();
    }
  });

  it('resolves as soon as the fsync has returned, without waiting for the file to be closed', async () => {
    // A close still in the thread pool: the acknowledgement waiting for this sync need not wait for it.
    const closes: number[] = [];
    const close = jest.spyOn(fs, 'close').mockImplementation(((fd: number) => void closes.push(fd)) as typeof fs.close);
    try {
      await new WalSync(file).sync();
      expect(closes).toHaveLength(1); // closed all the same
    } finally {
      close.mockRestore();
      for (const fd of closes) fs.closeSync(fd);
    }
  });

  it('reports a failed fsync to its callers; the next call syncs again', async () => {
    const sync = jest.spyOn(fs, 'fdatasync').mockImplementationOnce(((_fd: number, done: (error: Error | null) => void) => done(new Error('EIO'))) as typeof fs.fdatasync);
    try {
      const wal = new WalSync(file);
      await expect(wal.sync()).rejects.toThrow('EIO');
      await expect(wal.sync()).resolves.toBeUndefined();
      expect(sync).toHaveBeenCalledTimes(2);
    } finally {
      sync.mockRestore();
    }
  });

  it('syncs the database file when the WAL is gone (checkpointed and removed)', async () => {
    fs.rmSync(`${file}-wal`);
    const open = jest.spyOn(fs, 'openSync');
    try {
      await new WalSync(file).sync();
      expect(open.mock.calls.map((c) => String(c[0]))).toEqual([`${file}-wal`, file]);
    } finally {
      open.mockRestore();
    }
  });
});
