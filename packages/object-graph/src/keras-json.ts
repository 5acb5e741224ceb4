import { FormatError, LimitError } from '@savedkeras/common';

/**
 * Parses Keras metadata JSON. Python's json writes the bare tokens NaN, Infinity and -Infinity,
 * which JSON.parse rejects: they are replaced, outside string literals, by marker strings and
 * turned back into numbers after parsing.
 */
const NAN = '\u0000NaN';
const INF = '\u0000Infinity';
const NINF = '\u0000-Infinity';

export function parseKerasJson(text: string, where: { file?: string; node?: string }, maxBytes: number): unknown {
  if (text.length > maxBytes) {
    throw new LimitError(`Keras metadata JSON is ${text.length} bytes, over the limit of ${maxBytes}`, where);
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
    for (const [k, x] of Object.entries(v)) o[k] = restore(x);
    return o;
  }
  return v;
}
