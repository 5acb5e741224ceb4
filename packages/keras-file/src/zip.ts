import { unzipSync } from 'fflate';
import { FormatError, LimitError, safeRelativePath, UnsupportedFeatureError, type Limits } from '@savedkeras/common';

/** The parts of a `.keras` file (a zip archive written by Keras 3's saving_lib). */
export interface KerasArchive {
  /** config.json: the serialized model. */
  config: unknown;
  /** metadata.json: keras_version, date_saved. */
  metadata: Record<string, unknown>;
  /** model.weights.h5 (absent when the model has no weights at all and Keras wrote none). */
  weights?: Uint8Array;
  /** Files under assets/ (vocabularies of lookup layers), by their path inside assets/. */
  assets: Map<string, Uint8Array>;
}

/** Most entries a .keras zip may hold (Keras writes 3 plus one or two asset files per lookup layer). */
const MAX_ENTRIES = 10_000;
/**
 * Most bytes one compressed byte may claim to inflate to. Keras stores entries uncompressed; a
 * re-zipped model compresses float weights a little, zero-filled optimizer slots at most ~1000:1
 * (deflate's own ceiling is 1032:1): above this the entry is a zip bomb. Entries up to 1 MiB are exempt.
 */
const MAX_INFLATE_RATIO = 200;

/**
 * Unzips a `.keras` file with fflate. The sizes each entry claims in the central directory are
 * checked against the limits before anything is inflated, entries whose names leave the archive
 * root are refused, and only config.json, metadata.json, model.weights.h5 and assets/ are inflated.
 */
export function readKerasArchive(bytes: Uint8Array, fileName: string, limits: Limits): KerasArchive {
  let entries = 0;
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (++entries > MAX_ENTRIES) throw new LimitError(`more than ${MAX_ENTRIES} entries in the zip`, { file: fileName });
        const wanted = f.name === 'config.json' || f.name === 'metadata.json' || f.name === 'model.weights.h5' || f.name.startsWith('assets/');
        if (!wanted || f.name.endsWith('/')) return false;
        safeRelativePath(f.name, 'path'); // throws PathEscapeError for ../ and absolute names
        const limit = f.name.endsWith('.json') ? limits.maxMetadataJsonBytes : limits.maxProtoFileBytes;
        if (f.originalSize > limit) {
          throw new LimitError(`zip entry ${f.name} claims ${f.originalSize} bytes, above the limit of ${limit}`, { file: fileName });
        }
        checkEntrySizes(f, fileName);
        total += f.originalSize;
        if (total > limits.maxProtoFileBytes) throw new LimitError(`zip entries add up to more than ${limits.maxProtoFileBytes} bytes`, { file: fileName });
        return true;
      },
    });
  } catch (e) {
    if (e instanceof LimitError || e instanceof FormatError || e instanceof UnsupportedFeatureError || (e as { code?: unknown }).code === 'PATH_ESCAPE') throw e;
    throw new FormatError(`not a readable zip: ${(e as Error)?.message ?? String(e)}`, {
      file: fileName,
      hint: 'a .keras file is the zip archive that Keras 3 model.save() writes; this one is truncated or corrupt',
      cause: e,
    });
  }
  const config = files['config.json'];
  if (!config) {
    throw new FormatError('the zip holds no config.json, so it is not a Keras 3 model file', {
      file: fileName,
      hint: 'a weights-only archive cannot be loaded without the model; save it with model.save("model.keras")',
    });
  }
  const assets = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) if (name.startsWith('assets/')) assets.set(name.slice('assets/'.length), data);
  const metadata = files['metadata.json'] ? parseJson(files['metadata.json'], `${fileName}: metadata.json`) : {};
  return {
    config: parseJson(config, `${fileName}: config.json`),
    metadata: (metadata && typeof metadata === 'object' ? metadata : {}) as Record<string, unknown>,
    weights: files['model.weights.h5'],
    assets,
  };
}

/**
 * What the central directory says of an entry, checked before fflate inflates it into a buffer of
 * the claimed size: a stored entry holds exactly its size; a deflated one cannot be much larger
 * than what it inflates to (else the claim is a lie and inflating would run far past the buffer),
 * nor inflate to more than MAX_INFLATE_RATIO times its size (a bomb).
 */
function checkEntrySizes(f: { name: string; size: number; originalSize: number; compression: number }, fileName: string): void {
  if (f.compression === 0) {
    if (f.size !== f.originalSize) throw new FormatError(`stored zip entry ${f.name} is ${f.size} bytes but claims ${f.originalSize}`, { file: fileName, hint: 'the zip is corrupt' });
    return;
  }
  if (f.compression !== 8) {
    throw new UnsupportedFeatureError(`zip entry ${f.name} uses compression method ${f.compression}; only stored (0) and deflate (8) are read`, {
      file: fileName,
      hint: 'save the model again with Keras (it stores entries uncompressed)',
    });
  }
  // Deflate adds at most 5 bytes per 16 KiB stored block, plus a few bytes of framing.
  if (f.size > f.originalSize + Math.ceil(f.originalSize / 16_384) * 5 + 64) {
    throw new FormatError(`zip entry ${f.name} has ${f.size} compressed bytes but claims to inflate to only ${f.originalSize}`, {
      file: fileName,
      hint: 'its declared size is false: the zip is corrupt or crafted',
    });
  }
  if (f.originalSize > 1 << 20 && f.originalSize > f.size * MAX_INFLATE_RATIO) {
    throw new LimitError(`zip entry ${f.name} claims to inflate ${f.size} bytes to ${f.originalSize} (more than ${MAX_INFLATE_RATIO}:1): a zip bomb`, {
      file: fileName,
      hint: 'a .keras file written by Keras stores its entries uncompressed',
    });
  }
}

export function parseJson(bytes: Uint8Array | string, file: string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new FormatError(`is not valid JSON: ${(e as Error).message}`, { file, hint: 'the file is corrupt', cause: e });
  }
}
