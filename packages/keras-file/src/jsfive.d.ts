// jsfive ships no type declarations; the part of its API this package uses.
declare module 'jsfive' {
  export class Group {
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    get(path: string): Group | Dataset | null;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  export class Dataset {
    readonly shape: number[] | null;
    readonly dtype: string | unknown[];
    readonly attrs: Record<string, unknown>;
    readonly value: ArrayLike<number | bigint | string | boolean>;
  }
  /** The chunk filters by HDF5 filter id: (bytes, item size) => bytes. */
  export const Filters: Map<number, (buf: ArrayBuffer, itemsize: number) => ArrayBuffer>;
}
