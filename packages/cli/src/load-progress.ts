import type { ModelSource, ProgressEvent } from '@savedkeras/common';
import type { CliContext } from './context.js';
import { createProgress, type Progress } from './progress.js';

/**
 * A progress bar for loading a model: the loader reports a fraction (weights restored of all
 * weights), shown against the size of the checkpoint's data files so that the bar counts MiB.
 */
export async function loadProgress(
  ctx: CliContext,
  source: ModelSource,
  label: string,
  enabled: boolean,
): Promise<{ onProgress: (p: ProgressEvent) => void; bar: Progress }> {
  const bar = createProgress(ctx, label, enabled);
  const total = enabled ? await checkpointBytes(source) : 0;
  return {
    bar,
    onProgress: (p) => {
      if (total > 0 && p.stage === 'weights') bar.update(Math.round(p.fraction * total), total);
    },
  };
}

/** Bytes of variables/variables.data-* (0 when the source cannot list). */
async function checkpointBytes(source: ModelSource): Promise<number> {
  const files = (await source.list?.('variables').catch(() => undefined)) ?? [];
  let total = 0;
  for (const f of files) {
    if (!/variables\.data-\d+-of-\d+$/.test(f)) continue;
    total += (await source.size(f.startsWith('variables/') ? f : `variables/${f}`)) ?? 0;
  }
  return total;
}
