import { unzipSync } from 'fflate';
import { FormatError, LimitError, safeRelativePath, type Limits } from '@savedkeras/common';

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

/** Most entries a .keras zip may hold (Keras writes 3 plus one asset file per lookup layer). */
const MAX_ENTRIES = 100_000;

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
        total += f.originalSize;
        if (total > limits.maxProtoFileBytes) throw new LimitError(`zip entries add up to more than ${limits.maxProtoFileBytes} bytes`, { file: fileName });
        return true;
      },
    });
  } catch (e) {
    if (e instanceof LimitError || (e as { code?: unknown }).code === 'PATH_ESCAPE') throw e;
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

export function parseJson(bytes: Uint8Array | string, file: string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new FormatError(`is not valid JSON: ${(e as Error).message}`, { file, hint: 'the file is corrupt', cause: e });
  }
}
