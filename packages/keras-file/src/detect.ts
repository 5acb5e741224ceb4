/** The model file formats told apart by their first bytes (never by the file name). */
export type KerasFileFormat = 'keras-zip' | 'hdf5';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * 'keras-zip' for a zip (local file header `PK\3\4`, as Keras 3's `model.save('x.keras')` writes),
 * 'hdf5' for an HDF5 file (its signature at byte 0; HDF5 also allows it at 512, 1024, ... after a
 * user block, which h5py never writes but other tools may), else undefined.
 */
export function detectKerasFileFormat(bytes: Uint8Array): KerasFileFormat | undefined {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'keras-zip';
  if (hdf5SignatureOffset(bytes) !== undefined) return 'hdf5';
  return undefined;
}

/** Where the HDF5 superblock signature sits (0, 512, 1024, 2048, ...), or undefined. */
export function hdf5SignatureOffset(bytes: Uint8Array): number | undefined {
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b)) return at;
  }
  return undefined;
}
