import { fixtureCorpus, generatedCorpus, type CorpusModel } from './corpus.js';

/** `generated`, `small` (generated + fixtures <= 600 kB), `all`, or fixture slugs separated by commas. */
export function corpusFor(spec: string): CorpusModel[] {
  const gen = generatedCorpus();
  if (spec === 'generated') return gen;
  if (spec === 'small') return [...gen, ...fixtureCorpus()];
  if (spec === 'all') return [...gen, ...fixtureCorpus({ maxBytes: Infinity })];
  return [...gen, ...fixtureCorpus({ slugs: spec.split(',') })];
}
