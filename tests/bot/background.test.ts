// Background work holds only what is running: after 10,000 pieces (some failing, some starting more
// work) nothing is left, and every failure was logged.

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
