import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What every package.json of the repository must say, checked without packing (fast): a package
// another helper adds is held to the same rules as soon as it lands.
const repo = nodePath.resolve(nodePath.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const packages = ['packages', 'apps'].flatMap((group) =>
  readdirSync(nodePath.join(repo, group))
    .map((d) => nodePath.join(repo, group, d))
    .filter((dir) => existsSync(nodePath.join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(nodePath.join(dir, 'package.json'), 'utf8')) as Manifest })),
);
const publicOnes = packages.filter((p) => !p.pkg.private);
const publicNames = new Set(publicOnes.map((p) => p.pkg.name));
/**
 * The tfjs peer range of every public package (the CLI's too: next to a user's own tfjs, a CLI that
 * brought its own was a second copy, and `convert` failed). Its floor is the oldest tfjs the
 * packaging test installs.
 */
const TFJS_PEER_RANGE = '^4.21.0';

describe('package policy', () => {
  it('every package has the same version, and the CLI reports it', () => {
    const versions = new Set(packages.map((p) => p.pkg.version));
    expect([...versions], 'run node scripts/set-version.mjs X.Y.Z').toHaveLength(1);
    const program = readFileSync(nodePath.join(repo, 'packages/cli/src/program.ts'), 'utf8');
    expect(program).toContain(`export const VERSION = '${[...versions][0]}';`);
  });

  for (const { dir, pkg } of publicOnes) {
    it(`${pkg.name}: publishable as is`, () => {
      expect(existsSync(nodePath.join(dir, 'README.md')), 'README.md').toBe(true);
      const readme = readFileSync(nodePath.join(dir, 'README.md'), 'utf8');
      expect(readme, 'README install line').toMatch(new RegExp(`npm install [^\\n]*${pkg.name.replace(/[/@]/g, '\\$&')}`));
      expect(pkg.exports?.['./package.json'], 'exports ./package.json').toBe('./package.json');
      for (const dep of Object.keys(pkg.dependencies ?? {})) {
        if (dep === 'savedkeras' || dep.startsWith('@savedkeras/')) expect(publicNames.has(dep), `runtime dependency on private ${dep}`).toBe(true);
        if (dep.startsWith('@tensorflow/')) throw new Error(`${dep} must be a peerDependency of ${pkg.name} (one tfjs in the user's tree)`);
      }
      for (const [dep, range] of Object.entries(pkg.peerDependencies ?? {})) {
        expect(range, `${dep} peer range`).toBe(TFJS_PEER_RANGE);
        expect(pkg.devDependencies?.[dep], `${dep} installed for development`).toBeDefined();
      }
      const packaging = packages.find((p) => p.pkg.name === '@savedkeras/packaging')!;
      expect(packaging.pkg.devDependencies?.[pkg.name], 'listed in packages/packaging (built before the install test)').toBe('workspace:*');
    });
  }

  it('every package with tests has a test script (turbo run test)', () => {
    for (const { dir, pkg } of packages) {
      const hasTests = ['test', 'src'].some((d) => existsSync(nodePath.join(dir, d)) && hasTestFile(nodePath.join(dir, d)));
      if (hasTests) expect(pkg.scripts?.['test'], `${pkg.name} test script`).toMatch(/vitest run/);
    }
  });
});

function hasTestFile(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some((e) =>
    e.isDirectory() ? e.name !== 'node_modules' && hasTestFile(nodePath.join(dir, e.name)) : /\.test\.ts$/.test(e.name),
  );
}

describe('docs/architecture.md', () => {
  it("lists each package's workspace runtime dependencies as its package.json does", () => {
    const doc = readFileSync(nodePath.join(repo, 'docs/architecture.md'), 'utf8');
    const block = /## Package graph[^\n]*\n+```\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const listed = new Map<string, string[]>();
    for (const line of block.split('\n')) {
      const m = /^[│├└─\s]*([a-z][\w-]*)(?: \([\w/]+\))?\s{2,}(.*)$/.exec(line);
      if (m) listed.set(m[1]!, m[2]!.startsWith('(') ? [] : m[2]!.split(/\s{2,}/)[0]!.split(' '));
    }
    const short = (name: string) => name.replace(/^@savedkeras\//, '');
    for (const { pkg } of packages) {
      if (pkg.name === '@savedkeras/packaging') continue; // its line says "(dev: every public package)"
      const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => d === 'savedkeras' || d.startsWith('@savedkeras/')).map(short).sort();
      expect(listed.get(short(pkg.name))?.sort(), `${pkg.name} in docs/architecture.md`).toEqual(deps);
    }
  });
});
