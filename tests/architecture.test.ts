// Holds the dependency direction of architecture.md: use-cases depend only on their ports and the
// domain; renderers only on the view model; storage only implements the ports.

import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/from '([^']+)'/g)].map((m) =>
    m[1]!.startsWith('.') ? path.normalize(path.join(path.dirname(file), m[1]!)) : `package:${m[1]}`,
  );
}

const RULES: [folder: string, allowed: RegExp][] = [
  // chinese-days: its static holiday table (see handlers/domain/calendar.ts for why not its functions)
  ['handlers', /^(handlers\/|package:(luxon|chinese-days\/dist\/chinese-days\.json)$)/],
  ['cards', /^(cards\/|handlers\/ports$)/],
  ['storage', /^(storage\/|handlers\/(ports|domain\/types|domain\/names)$|package:(typeorm|reflect-metadata|node:.*)$)/],
];

it.each(RULES)('%s imports only what it may', (folder, allowed) => {
  const offending = sources(folder).flatMap((f) => imports(f).filter((i) => !allowed.test(i)).map((i) => `${f} → ${i}`));
  expect(offending).toEqual([]);
});

it('keeps Koa, TypeORM and platform code out of the use-cases', () => {
  const all = sources('handlers').flatMap(imports);
  expect(all.filter((i) => /bot\/|storage\/|koa|typeorm/.test(i))).toEqual([]);
});
