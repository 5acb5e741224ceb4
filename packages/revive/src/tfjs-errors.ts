import { SavedKerasError, UnsupportedLayerError } from '@savedkeras/common';

const TFJS_LAYERS_ERRORS = /^(Value|Runtime|Attribute|NotImplemented|Assertion|Index)Error\d*$/;

/** An error tfjs raised itself: one of tfjs-layers' error classes, or thrown from inside a tfjs package. */
function thrownByTfjs(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (TFJS_LAYERS_ERRORS.test(e.constructor.name)) return true;
  const firstFrame = (e.stack ?? '').split('\n').find((l) => /^\s+at /.test(l)) ?? '';
  return /tfjs-(layers|core|backend)/.test(firstFrame);
}

/**
 * The error a failed revival should surface. tfjs-layers throws its own ValueError/RuntimeError
 * (or tfjs-core a plain Error) on configs it rejects: those are the saved model's fault and become
 * an UnsupportedLayerError. Our own typed errors pass through, and anything else is a bug here
 * that must stay visible as it is. `file`: the file named in the message (Keras files).
 */
export function reviveError(e: unknown, file?: string): unknown {
  if (e instanceof SavedKerasError || !thrownByTfjs(e)) return e;
  return new UnsupportedLayerError(`tfjs-layers rejected the saved model: ${(e as Error).message.split('\n')[0]}`, { file, cause: e });
}
