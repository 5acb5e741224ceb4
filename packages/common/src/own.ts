/**
 * Lookups of names that come from files (signature keys, function names, config keys, input names).
 * A plain `obj[name]` finds Object.prototype members (`constructor`, `toString`, `hasOwnProperty`)
 * for names the file never defined, and `obj[name] = v` with `__proto__` replaces the prototype
 * instead of storing a key. These helpers do neither.
 */

/** `o[key]` when `key` is one of o's own properties, else undefined. */
export function own<T>(o: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return o != null && Object.hasOwn(o, key) ? o[key] : undefined;
}

/** An empty record without a prototype, for maps keyed by names from files. */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `o[key] = value` as an own data property, also for `__proto__` (which would otherwise set the prototype). */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  else o[key] = value;
}
