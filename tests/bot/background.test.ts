// Background work holds only what is running: after 10,000 pieces (some failing, some starting more
// work) nothing is left, and every failure was logged.
//
// Background work (processing an event after the platform was answered) starts at most one work per
// turn of the event loop, so a burst of events cannot hold the loop for the whole burst: between two
// works, Node reads sockets, accepts connections and answers callbacks.

import { BackgroundWork } from '../../bot/background';
import { createLogger } from '../../bot/logger';

it('forgets each piece of work once it settles, failed or not', async () => {
  const errors: string[] = [];
  const background = new BackgroundWork(createLogger('error', (line) => errors.push(line)));
  let done = 0;
  for (let i = 0; i < 10_000; i++) {
    if (i % 3 === 0) background.start('failing', async () => Promise.reject(new Error(`boom ${i}`)));
    else if (i % 3 === 1) background.start('nested', async () => background.start('inner', async () => done++));
    else background.start('plain', async () => done++);
  }
  expect(background.size).toBe(10_000);
  await background.idle();
  expect(background.size).toBe(0);
  expect(done).toBe(6_666);
  expect(errors).toHaveLength(3_334);
  expect(JSON.parse(errors[0]!)).toMatchObject({ level: 'error', msg: 'failing failed' });
});

/** Counts turns of the event loop: one increment per check phase. */
function turnCounter(): { turn(): number; stop(): void } {
  let turns = 0;
  let stopped = false;
  const tick = () => {
    turns++;
    if (!stopped) setImmediate(tick);
  };
  setImmediate(tick);
  return { turn: () => turns, stop: () => (stopped = true) };
}

it('starts a burst of works one turn of the event loop apart', async () => {
  const background = new BackgroundWork(createLogger('silent'));
  const counter = turnCounter();
  const startedAt: number[] = [];
  for (let i = 0; i < 5; i++) background.start(`work ${i}`, async () => startedAt.push(counter.turn()));
  await background.idle();
  counter.stop();
  expect(startedAt).toHaveLength(5);
  expect(new Set(startedAt).size).toBe(5); // each in a turn of its own
  expect(startedAt).toEqual([...startedAt].sort((a, b) => a - b)); // in the order they were started
});

it('a failing work is logged and does not stop the works after it', async () => {
  const lines: string[] = [];
  const background = new BackgroundWork(createLogger('error', (l) => lines.push(l)));
  const done: string[] = [];
  background.start('wecom event', async () => {
    throw new Error('boom');
  });
  background.start('next', async () => done.push('next'));
  await background.idle();
  expect(done).toEqual(['next']);
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', msg: 'wecom event failed' });
});
