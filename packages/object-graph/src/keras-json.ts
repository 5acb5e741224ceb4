import { FormatError, LimitError, setOwn } from '@savedkeras/common';

/**
 * Parses Keras metadata JSON. Python's json writes the bare tokens NaN, Infinity and -Infinity,
 * which JSON.parse rejects: they are replaced, outside string literals, by marker strings and
 * turned back into numbers after parsing.
 */
const NAN = '\u0000NaN';
const INF = '\u0000Infinity';
const NINF = '\u0000-Infinity';

export function parseKerasJson(text: string, where: { file?: string; node?: string }, maxBytes: number, maxDepth = 100): unknown {
  if (text.length > maxBytes) {
    throw new LimitError(`Keras metadata JSON is ${text.length} bytes, over the limit of ${maxBytes}`, where);
  }
  // Everything that walks the parsed value recurses: bound the depth before parsing.
  const depth = nestingDepth(text);
  if (depth > maxDepth) {
    throw new LimitError(`Keras metadata JSON nests ${depth} levels deep, more than limits.maxNestingDepth (${maxDepth})`, where);
  }
  let fixed = text;
  if (/NaN|Infinity/.test(text)) fixed = replaceBareTokens(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fixed);
  } catch (e) {
    throw new FormatError(`Keras metadata is not valid JSON (${(e as Error).message})`, { ...where, cause: e });
  }
  return fixed === text ? parsed : restore(parsed);
}

/**
 * Deepest `[` / `{` nesting of JSON text (string literals skipped), found without recursion. String
 * literals, most of a Keras config's bytes, are jumped over with indexOf (native) to their closing
 * quote: the first quote not preceded by an odd run of backslashes.
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let close = i;
      for (;;) {
        close = text.indexOf('"', close + 1);
        if (close < 0) return max; // unterminated: JSON.parse says so
        let k = close - 1;
        while (text.charCodeAt(k) === 0x5c) k--;
        if ((close - 1 - k) % 2 === 0) break;
      }
      i = close;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

function replaceBareTokens(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // copy a string literal verbatim
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (text.startsWith('-Infinity', i)) {
      out += JSON.stringify(NINF);
      i += 9;
    } else if (text.startsWith('Infinity', i)) {
      out += JSON.stringify(INF);
      i += 8;
    } else if (text.startsWith('NaN', i)) {
      out += JSON.stringify(NAN);
      i += 3;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function restore(v: unknown): unknown {
  if (v === NAN) return NaN;
  if (v === INF) return Infinity;
  if (v === NINF) return -Infinity;
  if (Array.isArray(v)) return v.map(restore);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(o, k, restore(x)); // `__proto__` stays a key
    return o;
  }
  return v;
}
