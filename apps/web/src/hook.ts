import type { ModelSource } from 'savedkeras';
import type { BackendChoice } from '@savedkeras/backend-web';
import type { CaseOutcome, PinFile, PinOutcome } from '@savedkeras/conformance';
import type { ErrorInfo } from './error-view.js';
import type { TensorDtype } from './dtypes.js';
import type { InputSpec, TensorJson } from './inputs.js';

/** What the page shows, as plain JSON (for tests and for anyone scripting the page). */
export interface PageState {
  status: 'starting' | 'idle' | 'loading' | 'loaded' | 'error';
  /** Counts finished loads and failures, so a caller can wait for the next one. */
  loadCount: number;
  errorCount: number;
  backend: BackendChoice | null;
  error: ErrorInfo | null;
  model: ModelSummary | null;
  progress: { stage: string; fraction: number; loadedBytes: number; totalBytes: number } | null;
  timings: { backendMs?: number; loadMs?: number; predictMs?: number };
  features: { loadSavedModel: boolean; check: string | null };
}

export interface ModelSummary {
  /** 'keras': a tf.LayersModel; 'signatures': a non-Keras SavedModel called through loadSavedModel. */
  kind: 'keras' | 'signatures';
  name: string;
  source: string;
  inputs: InputSpec[];
  outputNames: string[];
  /** Inputs' and outputs' dtypes as saved (serving signature), the JS dtype and the label the page shows. */
  dtypes: { inputs: TensorDtype[]; outputs: TensorDtype[] };
  layers: Array<{ name: string; className: string; outputShape: string; params: number; depth: number }>;
  params: number;
  signatures: string[];
  report?: { fromConfig: number; fromSavedFunctions: number; fromPlugins: number; weights: number; warnings: string[]; compiled: boolean };
  /** Bytes read through the source (UrlSource only). */
  bytesReceived?: number;
}

export interface PredictResult {
  outputs: Record<string, TensorJson>;
  ms: number;
}

/** `window.__savedkeras`: the page's own API, used by the browser tests. */
export interface PageHook {
  version: 1;
  /** Resolves once a backend is chosen (or rejects with why none could be). */
  ready: Promise<BackendChoice>;
  state(): PageState;
  loadUrl(url: string): Promise<ModelSummary>;
  loadSource(source: ModelSource): Promise<ModelSummary>;
  generateInputs(seed: number): Promise<Record<string, TensorJson>>;
  /** Runs the Keras model (or the serving_default signature) on the inputs, or on seeded random ones. */
  predict(inputs?: Record<string, TensorJson>, seed?: number): Promise<PredictResult>;
  /** What the last run (from the buttons or from predict) produced. */
  lastRun(): PredictResult | null;
  callSignature(name: string, inputs?: Record<string, TensorJson>): Promise<PredictResult>;
  runCheck(): Promise<unknown>;
  /** Source classes, so a test can build e.g. a DirectoryHandleSource over the origin-private file system. */
  sources: typeof import('@savedkeras/backend-web');
}

declare global {
  interface Window {
    __savedkeras: PageHook;
  }
}

/** What one run of the conformance page (conformance.html) gives. */
export interface ConformanceRun {
  backends: string[];
  /** Why a requested backend could not run. */
  unavailable: Record<string, string>;
  outcomes: CaseOutcome[];
  failures: string[];
  table: string;
  ms: number;
}

/** The conformance page's window hooks, used by the e2e test. */
export interface ConformanceHooks {
  /** Runs every case of the suite on `backends`. */
  __conformance: (backends: readonly string[]) => Promise<ConformanceRun>;
  /** The kernel fixes of `backends` against TensorFlow's numbers. */
  __tfPins: (file: PinFile, backends: readonly string[]) => Promise<PinOutcome[]>;
}
