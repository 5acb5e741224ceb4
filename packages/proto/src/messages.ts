import protobuf from 'protobufjs';
import { FormatError, LimitError, SavedKerasError } from '@savedkeras/common';
import { SCHEMA } from './schema.js';
import type * as T from './types.js';

// 64-bit fields decode to plain numbers: sizes and offsets stay well below 2^53 in real files, and
// values beyond that are rejected by the range checks of the readers that use them.
(protobuf.util as { Long?: unknown }).Long = undefined;
protobuf.configure();
// Bound message nesting (StructuredValue and AttrValue are recursive).
(protobuf.Reader as unknown as { recursionLimit: number }).recursionLimit = 100;

const root = protobuf.parse(SCHEMA, { keepCase: false }).root;

function type(name: string): protobuf.Type {
  return root.lookupType(`tensorflow.${name}`);
}

/** Message type names of the schema that decoders and writers use. */
export type MessageName =
  | 'SavedModel' | 'MetaGraphDef' | 'GraphDef' | 'FunctionDef' | 'SavedObjectGraph' | 'StructuredValue'
  | 'TensorProto' | 'TrackableObjectGraph' | 'BundleHeaderProto' | 'BundleEntryProto' | 'FingerprintDef'
  | 'SavedMetadata' | 'Example' | 'AttrValue' | 'OpList' | 'NodeDef' | 'TensorShapeProto' | 'SavedObject'
  | 'SignatureDef' | 'KerasSavedObject';

const cache = new Map<string, protobuf.Type>();
export function messageType(name: MessageName): protobuf.Type {
  let t = cache.get(name);
  if (!t) {
    t = type(name);
    cache.set(name, t);
  }
  return t;
}

/**
 * Decodes `bytes` as message `name`. Any wire-level failure becomes a FormatError that names the
 * file; protobufjs reports the offset inside its message text ("index out of range: 12 + 10 > 15").
 */
export function decodeMessage<M>(name: MessageName, bytes: Uint8Array, file: string): M {
  try {
    return messageType(name).decode(bytes) as unknown as M;
  } catch (e) {
    if (e instanceof SavedKerasError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/nesting depth/.test(msg)) {
      throw new LimitError(`protobuf ${name} nests deeper than 100 levels`, { file, cause: e });
    }
    throw new FormatError(`not a valid ${name} protobuf (${msg})`, {
      file,
      cause: e,
      hint: 'the file is truncated or corrupt; copy it again from where the model was saved',
    });
  }
}

export function encodeMessage(name: MessageName, value: object): Uint8Array {
  const t = messageType(name);
  const err = t.verify(value);
  if (err) throw new Error(`invalid ${name}: ${err}`);
  return t.encode(t.fromObject(value)).finish();
}

export const decodeSavedModel = (b: Uint8Array, file = 'saved_model.pb') => decodeMessage<T.SavedModel>('SavedModel', b, file);
export const decodeSavedMetadata = (b: Uint8Array, file = 'keras_metadata.pb') =>
  decodeMessage<T.SavedMetadata>('SavedMetadata', b, file);
export const decodeFingerprint = (b: Uint8Array, file = 'fingerprint.pb') => decodeMessage<T.FingerprintDef>('FingerprintDef', b, file);
export const decodeTrackableObjectGraph = (b: Uint8Array, file: string) =>
  decodeMessage<T.TrackableObjectGraph>('TrackableObjectGraph', b, file);
export const decodeExample = (b: Uint8Array, file = 'tf.Example') => decodeMessage<T.Example>('Example', b, file);
