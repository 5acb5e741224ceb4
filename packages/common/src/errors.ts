/**
 * The one error family of savedkeras. Every failure a user can cause with their input is a
 * SavedKerasError with a stable `code`; the message names the file (and byte offset), the node
 * path or layer, and what the user can do about it.
 */
export type ErrorCode =
  | 'FORMAT' // bytes that do not decode as the format they claim to be
  | 'CHECKSUM' // a crc32c that does not match
  | 'MISSING_FILE' // a file the model needs is absent
  | 'PATH_ESCAPE' // a path taken from a file leaves the model folder or base URL
  | 'LIMIT' // a size, count or depth beyond what the loader accepts
  | 'UNSUPPORTED_LAYER' // a Keras class nothing can revive
  | 'UNSUPPORTED_OP' // a graph op nothing can run
  | 'UNSUPPORTED_FEATURE' // a valid but unsupported format feature (e.g. partitioned variables)
  | 'INPUT_MISMATCH' // call inputs that do not fit the model's signature
  | 'NOT_SAVED' // a function the model needs was not saved (Keras: layer call not traced)
  | 'BACKEND' // no usable tfjs backend
  | 'IO'; // the source failed to read (permissions, network)

export interface ErrorDetails {
  /** File inside the model folder (relative path), where the problem is. */
  file?: string;
  /** Byte offset inside `file`, where known. */
  offset?: number;
  /** Object-graph path (`root.layer-0`), layer name or function name. */
  node?: string;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

export class SavedKerasError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly offset?: number;
  readonly node?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(composeMessage(message, details), details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.file = details.file;
    this.offset = details.offset;
    this.node = details.node;
    this.hint = details.hint;
  }
}

function composeMessage(message: string, d: ErrorDetails): string {
  const where: string[] = [];
  if (d.file !== undefined) where.push(d.offset !== undefined ? `${d.file} @ byte ${d.offset}` : d.file);
  if (d.node !== undefined) where.push(d.node);
  let text = where.length > 0 ? `${where.join(': ')}: ${message}` : message;
  if (d.hint) text += `\n  hint: ${d.hint}`;
  return text;
}

/** Bytes that do not decode as the format they claim to be (truncated, garbled, bad magic). */
export class FormatError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('FORMAT', message, details);
  }
}

/** A stored crc32c does not match the bytes. */
export class ChecksumError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('CHECKSUM', message, details);
  }
}

export class MissingFileError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('MISSING_FILE', message, details);
  }
}

export class PathEscapeError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('PATH_ESCAPE', message, details);
  }
}

export class LimitError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LIMIT', message, details);
  }
}

export class UnsupportedLayerError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('UNSUPPORTED_LAYER', message, details);
  }
}

export class UnsupportedOpError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('UNSUPPORTED_OP', message, details);
  }
}

export class UnsupportedFeatureError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('UNSUPPORTED_FEATURE', message, details);
  }
}

export class InputMismatchError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('INPUT_MISMATCH', message, details);
  }
}

/** Keras: "this layer's call function was not saved" and similar. */
export class NotSavedError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('NOT_SAVED', message, details);
  }
}

export class BackendError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('BACKEND', message, details);
  }
}

export class SourceIOError extends SavedKerasError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('IO', message, details);
  }
}

export function isSavedKerasError(e: unknown): e is SavedKerasError {
  return e instanceof SavedKerasError;
}
