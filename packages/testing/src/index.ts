// The SavedModel writer is public (the CLI's `example` and `bench` use it); tests keep importing it from here.
export * from '@savedkeras/savedmodel-writer';
export * from './fixtures.js';
export * from './hostile/index.js';
