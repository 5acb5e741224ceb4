#!/usr/bin/env node
// Moves every package of the repository (public and private) to one version, and the CLI's
// VERSION constant with them: `node scripts/set-version.mjs 0.2.0`. Workspace dependencies stay
// `workspace:*`; `pnpm pack` / `pnpm publish` write the version in. packages/packaging's
// package-policy test fails when versions drift apart.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const version = process.argv[2];
if (!version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error('usage: node scripts/set-version.mjs X.Y.Z');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const group of ['packages', 'apps']) {
  for (const d of readdirSync(join(root, group))) {
    const file = join(root, group, d, 'package.json');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^(\s*"version":\s*")[^"]*(")/m, `$1${version}$2`));
  }
}
const program = join(root, 'packages', 'cli', 'src', 'program.ts');
writeFileSync(program, readFileSync(program, 'utf8').replace(/export const VERSION = '[^']*';/, `export const VERSION = '${version}';`));
console.log(`all packages at ${version}`);
