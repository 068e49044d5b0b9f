// npm run doctor
// One line per check (✓ fine, ! look at it soon, ✗ broken, with what to fix); exit code 1 when a
// check failed, so a deployment script can stop.

import 'reflect-metadata';
import { loadDotEnv } from '../config';
import { formatResult, runDoctor } from './checks';

export async function main(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  loadDotEnv();
  const results = await runDoctor({ source: process.env });
  for (const r of results) out(formatResult(r));
  const failed = results.filter((r) => r.status === 'fail').length;
  out(failed ? `${failed} check(s) failed` : 'all checks passed');
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`doctor failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
