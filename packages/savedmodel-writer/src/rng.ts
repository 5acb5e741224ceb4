import { seededRandom } from '@savedkeras/common';

/** The project's seeded generator (mulberry32, from @savedkeras/common): generated weights are the same on every run. */
export { seededRandom };

/** FNV-1a of a string, to derive per-layer seeds from names. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** `count` values uniform in [-limit, limit), rounded to float32. */
export function uniformValues(count: number, limit: number, seed: number): Float32Array {
  const next = seededRandom(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * limit;
  return out;
}
