import { DataType as DT, encodeMessage } from '@savedkeras/proto';
import { shapeProto, type Obj } from '@savedkeras/savedmodel-writer';

/**
 * Writes a plain TF2 module SavedModel (what `tf.saved_model.save(module, signatures=...)` writes,
 * without Keras metadata and without variables) around hand-built FunctionDefs: a root object with
 * a `signatures` map whose `serving_default` is the concrete function `signature.fn`. The bodies
 * can be anything a grammar produces (the structural fuzzer builds hostile ones); the files are
 * structurally valid, so every check the loader has is reached.
 */
export interface ModuleTensor {
  name: string;
  dtype: number;
  /** -1 for unknown dimensions. */
  shape: number[];
}

export interface ModuleSpec {
  /** FunctionDefs in protobufjs fromObject form (see hostile/graph-grammar.ts). */
  functions: Obj[];
  signature: { fn: string; inputs: ModuleTensor[]; outputs: ModuleTensor[] };
  /** Ops listed in stripped_op_list (OpDefs come from the loader's table when absent). */
  ops?: Obj[];
}

const spec = (t: ModuleTensor): Obj => ({ tensorSpecValue: { name: t.name, shape: shapeProto(t.shape), dtype: t.dtype } });

export function writeModuleSavedModel(m: ModuleSpec): Map<string, Uint8Array> {
  const { fn, inputs, outputs } = m.signature;
  const version = { producer: 1, minConsumer: 1 };
  const nodes: Obj[] = [
    { children: [{ nodeId: 1, localName: 'signatures' }], userObject: { identifier: '_generic_user_object', version } },
    { children: [{ nodeId: 2, localName: 'serving_default' }], userObject: { identifier: 'signature_map', version } },
    { bareConcreteFunction: { concreteFunctionName: fn, argumentKeywords: inputs.map((i) => i.name) } },
  ];
  const concreteFunctions = {
    [fn]: {
      boundInputs: [],
      canonicalizedInputSignature: {
        tupleValue: { values: [{ tupleValue: { values: [] } }, { dictValue: { fields: Object.fromEntries(inputs.map((i) => [i.name, spec(i)])) } }] },
      },
      outputSignature: { dictValue: { fields: Object.fromEntries(outputs.map((o) => [o.name, spec(o)])) } },
    },
  };
  const info = (name: string, t: ModuleTensor): Obj => ({ name, dtype: t.dtype, tensorShape: shapeProto(t.shape) });
  const signatureDef = {
    serving_default: {
      inputs: Object.fromEntries(inputs.map((i) => [i.name, info(`serving_default_${i.name}:0`, i)])),
      outputs: Object.fromEntries([...outputs].sort((a, b) => (a.name < b.name ? -1 : 1)).map((o, k) => [o.name, info(`StatefulPartitionedCall:${k}`, o)])),
      methodName: 'tensorflow/serving/predict',
    },
  };
  const saved = encodeMessage('SavedModel', {
    savedModelSchemaVersion: 1,
    metaGraphs: [
      {
        metaInfoDef: { strippedOpList: { op: m.ops ?? [] }, tags: ['serve'], tensorflowVersion: '2.15.0', strippedDefaultAttrs: true },
        graphDef: { node: [], library: { function: m.functions }, versions: { producer: 1645, minConsumer: 12 } },
        signatureDef,
        objectGraphDef: { nodes, concreteFunctions },
      },
    ],
  });
  return new Map([['saved_model.pb', saved]]);
}

