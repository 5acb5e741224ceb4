import { SavedKerasError, UnsupportedLayerError } from '@savedkeras/common';
import { tfjsCamelCase } from '@savedkeras/layers';

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
export function reviveError(e: unknown, file?: string, savedConfigs: () => unknown[] = () => []): unknown {
  if (e instanceof SavedKerasError || !thrownByTfjs(e)) return e;
  const message = (e as Error).message.split('\n')[0]!;
  const unknown = /^Unknown activation: (\S+?)\.?(?:\s|$)/.exec(message)?.[1];
  const saved = unknown !== undefined ? savedActivationName(unknown, savedConfigs()) : undefined;
  if (unknown !== undefined) {
    // tfjs names the activation as it camel-cased it (scaledTanh); the user registers the name the model saved.
    const name = saved ?? unknown;
    return new UnsupportedLayerError(
      `the model uses the activation ${JSON.stringify(name)}${saved !== undefined && saved !== unknown ? ` (tfjs looked it up as ${JSON.stringify(unknown)})` : ''}, which is neither a Keras built-in nor registered`,
      { file, cause: e, hint: `pass customObjects: { ${JSON.stringify(name)}: (x) => ... } (a function of a tf.Tensor) to the load, or call registerActivation(${JSON.stringify(name)}, fn) (from savedkeras) before it` },
    );
  }
  return new UnsupportedLayerError(`tfjs-layers rejected the saved model: ${message}`, { file, cause: e });
}

/**
 * The activation name as the saved config spells it (`sweep>scaled_tanh`: Keras 3 writes a registered function as
 * {class_name: 'function', config: 'package>name'}, Keras 2 the name alone) whose tfjs spelling is `tfjsName`.
 */
function savedActivationName(tfjsName: string, configs: unknown[]): string | undefined {
  let found: string | undefined;
  let budget = 100_000; // nodes visited: configs come from files
  const visit = (v: unknown, key: string, depth: number): void => {
    if (found !== undefined || budget-- <= 0 || depth > 100 || v === null || typeof v !== 'object') {
      if (typeof v === 'string' && found === undefined && /activation$/i.test(key) && matches(v)) found = v;
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) visit(x, key, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (o['class_name'] === 'function' && typeof o['config'] === 'string' && matches(o['config'])) {
      found = o['config'];
      return;
    }
    for (const [k, x] of Object.entries(o)) visit(x, k, depth + 1);
  };
  const matches = (saved: string): boolean => {
    const base = saved.slice(saved.lastIndexOf('>') + 1);
    return saved === tfjsName || base === tfjsName || tfjsCamelCase(base) === tfjsName;
  };
  for (const c of configs) visit(c, '', 0);
  return found;
}
