export * from './messages.js';
export * from './crc32c.js';
export * from './dtypes.js';
export type * from './types.js';
