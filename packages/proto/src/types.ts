/**
 * TypeScript views of the decoded messages (protobufjs message instances: camelCase fields,
 * 64-bit integers as numbers, bytes as Uint8Array, maps as plain objects, unset scalars at their
 * proto3 default and unset messages null/undefined). Only fields the schema keeps are listed.
 */
export interface VersionDef { producer: number; minConsumer: number; badConsumers: number[] }

export interface TensorShapeProto { dim: { size: number; name: string }[]; unknownRank: boolean }

export interface TensorProto {
  dtype: number;
  tensorShape?: TensorShapeProto | null;
  tensorContent: Uint8Array;
  halfVal: number[];
  floatVal: number[];
  doubleVal: number[];
  intVal: number[];
  stringVal: Uint8Array[];
  scomplexVal: number[];
  int64Val: number[];
  boolVal: boolean[];
  dcomplexVal: number[];
  uint32Val: number[];
  uint64Val: number[];
  float8Val: Uint8Array;
}

export interface NameAttrList { name: string; attr: Record<string, AttrValue> }

export interface AttrListValue {
  s: Uint8Array[]; i: number[]; f: number[]; b: boolean[]; type: number[];
  shape: TensorShapeProto[]; tensor: TensorProto[]; func: NameAttrList[];
}

export interface AttrValue {
  /** Which member of the `value` oneof is set. */
  value?: 's' | 'i' | 'f' | 'b' | 'type' | 'shape' | 'tensor' | 'list' | 'func' | 'placeholder';
  s?: Uint8Array; i?: number; f?: number; b?: boolean; type?: number;
  shape?: TensorShapeProto; tensor?: TensorProto; list?: AttrListValue; func?: NameAttrList; placeholder?: string;
}

export interface NodeDef { name: string; op: string; input: string[]; device: string; attr: Record<string, AttrValue> }

export interface ArgDef { name: string; type: number; typeAttr: string; numberAttr: string; typeListAttr: string; isRef: boolean }
export interface AttrDef { name: string; type: string; defaultValue?: AttrValue | null; hasMinimum: boolean; minimum: number }
export interface OpDef {
  name: string; inputArg: ArgDef[]; outputArg: ArgDef[]; controlOutput: string[]; attr: AttrDef[];
  isStateful: boolean;
}
export interface OpList { op: OpDef[] }

export interface FunctionDef {
  signature: OpDef;
  attr: Record<string, AttrValue>;
  argAttr: Record<string, { attr: Record<string, AttrValue> }>;
  nodeDef: NodeDef[];
  ret: Record<string, string>;
  controlRet: Record<string, string>;
}

export interface GraphDef { node: NodeDef[]; library?: { function: FunctionDef[] } | null; versions?: VersionDef | null }

export interface TensorInfo {
  encoding?: 'name' | 'cooSparse' | 'compositeTensor';
  name?: string;
  dtype: number;
  tensorShape?: TensorShapeProto | null;
}

export interface SignatureDef {
  inputs: Record<string, TensorInfo>;
  outputs: Record<string, TensorInfo>;
  methodName: string;
  defaults: Record<string, TensorProto>;
}

export interface MetaInfoDef {
  metaGraphVersion: string;
  strippedOpList?: OpList | null;
  tags: string[];
  tensorflowVersion: string;
  tensorflowGitVersion: string;
  strippedDefaultAttrs: boolean;
}

export interface MetaGraphDef {
  metaInfoDef?: MetaInfoDef | null;
  graphDef?: GraphDef | null;
  signatureDef: Record<string, SignatureDef>;
  assetFileDef: { filename: string; tensorInfo?: TensorInfo | null }[];
  objectGraphDef?: SavedObjectGraph | null;
}

export interface SavedModel { savedModelSchemaVersion: number; metaGraphs: MetaGraphDef[] }

export interface TensorSpecProto { name: string; shape?: TensorShapeProto | null; dtype: number }
export interface TypeSpecProto {
  typeSpecClass: number; typeState?: StructuredValue | null; typeSpecClassName: string; numFlatComponents: number;
}

export interface StructuredValue {
  kind?:
    | 'noneValue' | 'float64Value' | 'int64Value' | 'stringValue' | 'boolValue' | 'tensorShapeValue'
    | 'tensorDtypeValue' | 'tensorSpecValue' | 'typeSpecValue' | 'boundedTensorSpecValue' | 'listValue'
    | 'tupleValue' | 'dictValue' | 'namedTupleValue' | 'tensorValue' | 'numpyValue';
  noneValue?: object;
  float64Value?: number;
  int64Value?: number;
  stringValue?: string;
  boolValue?: boolean;
  tensorShapeValue?: TensorShapeProto;
  tensorDtypeValue?: number;
  tensorSpecValue?: TensorSpecProto;
  typeSpecValue?: TypeSpecProto;
  boundedTensorSpecValue?: TensorSpecProto & { minimum?: TensorProto; maximum?: TensorProto };
  listValue?: { values: StructuredValue[] };
  tupleValue?: { values: StructuredValue[] };
  dictValue?: { fields: Record<string, StructuredValue> };
  namedTupleValue?: { name: string; values: { key: string; value: StructuredValue }[] };
  tensorValue?: TensorProto;
  numpyValue?: TensorProto;
}

export interface ObjectReference { nodeId: number; localName: string }
export interface SlotVariableReference { originalVariableNodeId: number; slotName: string; slotVariableNodeId: number }

export interface FunctionSpec {
  fullargspec?: StructuredValue | null; isMethod: boolean; inputSignature?: StructuredValue | null; jitCompile: number;
}

export interface SavedUserObject { identifier: string; version?: VersionDef | null; metadata: string }
export interface SavedVariable {
  dtype: number; shape?: TensorShapeProto | null; trainable: boolean; synchronization: number;
  aggregation: number; name: string; device: string;
}
export interface SavedFunction { concreteFunctions: string[]; functionSpec?: FunctionSpec | null }
export interface SavedBareConcreteFunction {
  concreteFunctionName: string; argumentKeywords: string[]; allowedPositionalArguments: number;
  functionSpec?: FunctionSpec | null;
}
export interface SavedConcreteFunction {
  boundInputs: number[];
  canonicalizedInputSignature?: StructuredValue | null;
  outputSignature?: StructuredValue | null;
}

export type SavedObjectKind =
  | 'userObject' | 'asset' | 'function' | 'variable' | 'bareConcreteFunction' | 'constant' | 'resource' | 'capturedTensor';

export interface SavedObject {
  children: ObjectReference[];
  dependencies: ObjectReference[];
  slotVariables: SlotVariableReference[];
  kind?: SavedObjectKind;
  userObject?: SavedUserObject;
  asset?: { assetFileDefIndex: number };
  function?: SavedFunction;
  variable?: SavedVariable;
  bareConcreteFunction?: SavedBareConcreteFunction;
  constant?: { operation: string };
  resource?: { device: string };
  capturedTensor?: { name: string; concreteFunction: string };
  saveableObjects: Record<string, { saveFunction: number; restoreFunction: number }>;
  registeredName: string;
  registeredSaver: string;
}

export interface SavedObjectGraph { nodes: SavedObject[]; concreteFunctions: Record<string, SavedConcreteFunction> }

export interface SerializedTensor { name: string; fullName: string; checkpointKey: string }
export interface TrackableObject {
  children: ObjectReference[];
  attributes: SerializedTensor[];
  slotVariables: SlotVariableReference[];
  hasCheckpointValues?: { value: boolean } | null;
}
export interface TrackableObjectGraph { nodes: TrackableObject[] }

export interface BundleHeaderProto { numShards: number; endianness: number; version?: VersionDef | null }
export interface BundleEntryProto {
  dtype: number; shape?: TensorShapeProto | null; shardId: number; offset: number; size: number; crc32c: number;
  slices: unknown[];
}

export interface FingerprintDef {
  savedModelChecksum: number; graphDefProgramHash: number; signatureDefHash: number; savedObjectGraphHash: number;
  checkpointHash: number; version?: VersionDef | null; uuid: string;
}

export interface KerasSavedObject {
  versionV1?: VersionDef | null;
  nodeId: number;
  nodePath: string;
  identifier: string;
  metadata: string;
  version?: VersionDef | null;
}
export interface SavedMetadata { nodes: KerasSavedObject[] }

export interface Feature {
  kind?: 'bytesList' | 'floatList' | 'int64List';
  bytesList?: { value: Uint8Array[] }; floatList?: { value: number[] }; int64List?: { value: number[] };
}
export interface Example { features?: { feature: Record<string, Feature> } | null }
