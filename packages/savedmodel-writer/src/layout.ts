/**
 * What changes with the TensorFlow version that saved a Keras model, as observed in real files
 * (format reference §3, §7, §9). Versions between the observed ones follow the nearest rule.
 * TF 2.0 is generated with the TF 2.1 rules except where a field says otherwise.
 */
export interface Layout {
  tfVersion: string;
  kerasVersion: string;
  /** GraphDef.versions.producer written by this TF version. */
  graphProducer: number;
  /** Keras JSON in SavedUserObject.metadata (TF <= 2.5, or forced by `legacy`). */
  metadataInObjectGraph: boolean;
  /** keras_metadata.pb (TF >= 2.5 unless `legacy`). */
  kerasMetadataFile: boolean;
  /** keras_metadata.pb node version producer (1 in TF 2.5, 2 later). */
  metadataProducer: number;
  /** TF >= 2.8: function nodes are checkpoint nodes too (same node count, same children). */
  functionsInCheckpoint: boolean;
  /** TF >= 2.9: function nodes have `trace_<i>` bare-concrete-function children. */
  traceChildren: boolean;
  /** TF >= 2.6: `_default_save_signature` is a bare concrete function (a function node before). */
  bareDefaultSignature: boolean;
  /** TF >= 2.10: `preserve_input_structure_in_config` and `autocast` metadata keys. */
  autocastKeys: boolean;
  /** TF >= 2.5: `shared_object_id` in metadata; class_name after the layer keys. */
  sharedObjectIds: boolean;
  /** TF >= 2.6: `inbound_nodes` on Functional layer metadata, `save_spec` / `full_save_spec` on models. */
  inboundNodes: boolean;
  /** TF >= 2.8: the children order of the 2.10 files (else the 2.4 order, functions last). */
  modernChildOrder: boolean;
  /** TF >= 2.6: function control outputs gathered by a NoOp. */
  controlNoOp: boolean;
  /** TF >= 2.5: `_construction_context` on functions. */
  constructionContext: boolean;
  /**
   * The model call functions' FullArgSpec.kwonlydefaults is `{}` rather than None (layer
   * functions always have None). This follows the Python of the saving machine more than TF; the
   * value is the one observed in real files of each TF version.
   */
  kwonlyDefaultsDict: boolean;
  /** TF >= 2.4: stripped_op_list also lists the ops of functions the main graph calls. */
  opListIncludesCallees: boolean;
  /** TF >= 2.11: fingerprint.pb. */
  fingerprint: boolean;
  /**
   * A Sequential config lists its InputLayer first (TF 2.0 and >= 2.3); TF 2.1 and 2.2 list only
   * the other layers and put the input shape on the first one as `batch_input_shape`.
   */
  sequentialConfigListsInput: boolean;
  /**
   * The SavedObject identifier of InputLayers: `_tf_keras_input_layer` from TF 2.1; TF 2.0-beta
   * files save an explicit InputLayer as a plain `_tf_keras_layer` (inferred from such a file's
   * revival failing as an InputLayer called like a layer; no TF 2.0 file is among the fixtures).
   */
  inputLayerIdentifier: '_tf_keras_input_layer' | '_tf_keras_layer';
}

function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) throw new Error(`not a TensorFlow version: ${JSON.stringify(v)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function atLeast(v: [number, number, number], major: number, minor: number): boolean {
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

/** GraphDef producers observed in real files per TF minor version (fixtures manifest). */
const PRODUCERS: [number, number][] = [
  [1, 175], [2, 175], [3, 440], [4, 561], [5, 716], [6, 808], [7, 898], [9, 1087], [10, 1205],
  [11, 1286], [12, 1395], [15, 1645], [16, 1766], [17, 1882], [19, 2129], [20, 2288],
];

/** The producer of the nearest observed version at or below `minor` (the producer only grows). */
function producerFor(minor: number): number {
  let p = PRODUCERS[0][1];
  for (const [m, prod] of PRODUCERS) if (m <= minor) p = prod;
  return p;
}

export function layoutFor(tfVersion: string, legacy: boolean): Layout {
  const v = parseVersion(tfVersion);
  if (!atLeast(v, 2, 0) || v[0] > 2) throw new Error(`tfVersion ${tfVersion}: only TF 2.0 .. 2.x layouts are generated`);
  const producer = producerFor(v[1]);
  const hasFile = atLeast(v, 2, 5) && !legacy;
  return {
    tfVersion,
    kerasVersion: `${v[0]}.${v[1]}.0`,
    graphProducer: producer,
    metadataInObjectGraph: legacy || !atLeast(v, 2, 6),
    kerasMetadataFile: hasFile,
    metadataProducer: atLeast(v, 2, 6) ? 2 : 1,
    functionsInCheckpoint: atLeast(v, 2, 8),
    traceChildren: atLeast(v, 2, 9),
    bareDefaultSignature: atLeast(v, 2, 6),
    autocastKeys: atLeast(v, 2, 10),
    sharedObjectIds: atLeast(v, 2, 5),
    inboundNodes: atLeast(v, 2, 6),
    modernChildOrder: atLeast(v, 2, 8),
    controlNoOp: atLeast(v, 2, 6),
    constructionContext: atLeast(v, 2, 5),
    kwonlyDefaultsDict: [1, 4, 6, 7, 8, 9].includes(v[1]),
    opListIncludesCallees: atLeast(v, 2, 4),
    fingerprint: atLeast(v, 2, 11),
    sequentialConfigListsInput: !atLeast(v, 2, 1) || atLeast(v, 2, 3),
    inputLayerIdentifier: atLeast(v, 2, 1) ? '_tf_keras_input_layer' : '_tf_keras_layer',
  };
}
