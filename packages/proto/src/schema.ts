/**
 * Trimmed TensorFlow / Keras protobuf schemas, with the field numbers of the upstream .proto files
 * (tensorflow/core/protobuf/*.proto, tensorflow/core/framework/*.proto, tf_keras/protobuf/*.proto).
 * Kept as a string so that the package works in bundlers without a .proto loader. Fields we never
 * read are left out; protobufjs skips unknown fields.
 */
export const SCHEMA = `
syntax = "proto3";
package tensorflow;

message VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3; }

message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}

message ResourceHandleProto {
  string device = 1; string container = 2; string name = 3; uint64 hash_code = 4; string maybe_type_name = 5;
  message DtypeAndShape { int32 dtype = 1; TensorShapeProto shape = 2; }
  repeated DtypeAndShape dtypes_and_shapes = 6;
}

message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  int32 version_number = 3;
  bytes tensor_content = 4;
  repeated int32 half_val = 13 [packed = true];
  repeated float float_val = 5 [packed = true];
  repeated double double_val = 6 [packed = true];
  repeated int32 int_val = 7 [packed = true];
  repeated bytes string_val = 8;
  repeated float scomplex_val = 9 [packed = true];
  repeated int64 int64_val = 10 [packed = true];
  repeated bool bool_val = 11 [packed = true];
  repeated double dcomplex_val = 12 [packed = true];
  repeated ResourceHandleProto resource_handle_val = 14;
  repeated VariantTensorDataProto variant_val = 15;
  repeated uint32 uint32_val = 16 [packed = true];
  repeated uint64 uint64_val = 17 [packed = true];
  bytes float8_val = 18;
}

message VariantTensorDataProto { string type_name = 1; bytes metadata = 2; repeated TensorProto tensors = 3; }

message AttrValue {
  message ListValue {
    repeated bytes s = 2;
    repeated int64 i = 3 [packed = true];
    repeated float f = 4 [packed = true];
    repeated bool b = 5 [packed = true];
    repeated int32 type = 6 [packed = true];
    repeated TensorShapeProto shape = 7;
    repeated TensorProto tensor = 8;
    repeated NameAttrList func = 9;
  }
  oneof value {
    bytes s = 2; int64 i = 3; float f = 4; bool b = 5; int32 type = 6;
    TensorShapeProto shape = 7; TensorProto tensor = 8; ListValue list = 1;
    NameAttrList func = 10; string placeholder = 9;
  }
}

message NameAttrList { string name = 1; map<string, AttrValue> attr = 2; }

message NodeDef {
  string name = 1; string op = 2; repeated string input = 3; string device = 4;
  map<string, AttrValue> attr = 5;
}

message OpDef {
  message ArgDef {
    string name = 1; int32 type = 3; string type_attr = 4; string number_attr = 5;
    string type_list_attr = 6; bool is_ref = 16;
  }
  message AttrDef {
    string name = 1; string type = 2; AttrValue default_value = 3;
    bool has_minimum = 5; int64 minimum = 6; AttrValue allowed_values = 7;
  }
  string name = 1;
  repeated ArgDef input_arg = 2;
  repeated ArgDef output_arg = 3;
  repeated string control_output = 20;
  repeated AttrDef attr = 4;
  bool is_commutative = 18; bool is_aggregate = 16; bool is_stateful = 17;
  bool allows_uninitialized_input = 19;
}

message OpList { repeated OpDef op = 1; }

message FunctionDef {
  message ArgAttrs { map<string, AttrValue> attr = 1; }
  OpDef signature = 1;
  map<string, AttrValue> attr = 5;
  map<uint32, ArgAttrs> arg_attr = 7;
  map<uint32, uint32> resource_arg_unique_id = 8;
  repeated NodeDef node_def = 3;
  map<string, string> ret = 4;
  map<string, string> control_ret = 6;
}

message GradientDef { string function_name = 1; string gradient_func = 2; }
message FunctionDefLibrary { repeated FunctionDef function = 1; repeated GradientDef gradient = 2; }

message GraphDef {
  repeated NodeDef node = 1;
  FunctionDefLibrary library = 2;
  VersionDef versions = 4;
}

message TensorInfo {
  message CooSparse { string values_tensor_name = 1; string indices_tensor_name = 2; string dense_shape_tensor_name = 3; }
  message CompositeTensor { TypeSpecProto type_spec = 1; repeated TensorInfo components = 2; }
  oneof encoding { string name = 1; CooSparse coo_sparse = 4; CompositeTensor composite_tensor = 5; }
  int32 dtype = 2;
  TensorShapeProto tensor_shape = 3;
}

message SignatureDef {
  map<string, TensorInfo> inputs = 1;
  map<string, TensorInfo> outputs = 2;
  string method_name = 3;
  map<string, TensorProto> defaults = 4;
}

message AssetFileDef { TensorInfo tensor_info = 1; string filename = 2; }

message MetaGraphDef {
  message MetaInfoDef {
    string meta_graph_version = 1;
    OpList stripped_op_list = 2;
    repeated string tags = 4;
    string tensorflow_version = 5;
    string tensorflow_git_version = 6;
    bool stripped_default_attrs = 7;
    map<string, string> function_aliases = 8;
  }
  MetaInfoDef meta_info_def = 1;
  GraphDef graph_def = 2;
  map<string, SignatureDef> signature_def = 5;
  repeated AssetFileDef asset_file_def = 6;
  SavedObjectGraph object_graph_def = 7;
}

message SavedModel { int64 saved_model_schema_version = 1; repeated MetaGraphDef meta_graphs = 2; }

// --- struct.proto ---
message NoneValue {}
message ListValue { repeated StructuredValue values = 1; }
message TupleValue { repeated StructuredValue values = 1; }
message DictValue { map<string, StructuredValue> fields = 1; }
message PairValue { string key = 1; StructuredValue value = 2; }
message NamedTupleValue { string name = 1; repeated PairValue values = 2; }
message TensorSpecProto { string name = 1; TensorShapeProto shape = 2; int32 dtype = 3; }
message BoundedTensorSpecProto {
  string name = 1; TensorShapeProto shape = 2; int32 dtype = 3; TensorProto minimum = 4; TensorProto maximum = 5;
}
message TypeSpecProto {
  int32 type_spec_class = 1; StructuredValue type_state = 2; string type_spec_class_name = 3; int32 num_flat_components = 4;
}
message StructuredValue {
  oneof kind {
    NoneValue none_value = 1;
    double float64_value = 11;
    sint64 int64_value = 12;
    string string_value = 13;
    bool bool_value = 14;
    TensorShapeProto tensor_shape_value = 31;
    int32 tensor_dtype_value = 32;
    TensorSpecProto tensor_spec_value = 33;
    TypeSpecProto type_spec_value = 34;
    BoundedTensorSpecProto bounded_tensor_spec_value = 35;
    ListValue list_value = 51;
    TupleValue tuple_value = 52;
    DictValue dict_value = 53;
    NamedTupleValue named_tuple_value = 54;
    TensorProto tensor_value = 55;
    TensorProto numpy_value = 56;
  }
}

// --- saved_object_graph.proto ---
message ObjectReference { int32 node_id = 1; string local_name = 2; }
message SlotVariableReference { int32 original_variable_node_id = 1; string slot_name = 2; int32 slot_variable_node_id = 3; }

message SavedObjectGraph {
  repeated SavedObject nodes = 1;
  map<string, SavedConcreteFunction> concrete_functions = 2;
}

message SavedObject {
  repeated ObjectReference children = 1;
  repeated ObjectReference dependencies = 15;
  repeated SlotVariableReference slot_variables = 3;
  oneof kind {
    SavedUserObject user_object = 4;
    SavedAsset asset = 5;
    SavedFunction function = 6;
    SavedVariable variable = 7;
    SavedBareConcreteFunction bare_concrete_function = 8;
    SavedConstant constant = 9;
    SavedResource resource = 10;
    CapturedTensor captured_tensor = 12;
  }
  map<string, SaveableObject> saveable_objects = 11;
  string registered_name = 13;
  string registered_saver = 16;
}

message SavedUserObject { string identifier = 1; VersionDef version = 2; string metadata = 3; }
message SavedAsset { int32 asset_file_def_index = 1; }
message FunctionSpec {
  StructuredValue fullargspec = 1; bool is_method = 2; StructuredValue input_signature = 5; int32 jit_compile = 6;
}
message SavedFunction { repeated string concrete_functions = 1; FunctionSpec function_spec = 2; }
message CapturedTensor { string name = 1; string concrete_function = 2; }
message SavedConcreteFunction {
  repeated int32 bound_inputs = 2;
  StructuredValue canonicalized_input_signature = 3;
  StructuredValue output_signature = 4;
}
message SavedBareConcreteFunction {
  string concrete_function_name = 1; repeated string argument_keywords = 2;
  int64 allowed_positional_arguments = 3; FunctionSpec function_spec = 4;
}
message SavedConstant { string operation = 1; }
message SavedVariable {
  int32 dtype = 1; TensorShapeProto shape = 2; bool trainable = 3; int32 synchronization = 4;
  int32 aggregation = 5; string name = 6; string device = 7;
  repeated SavedVariable experimental_distributed_variable_components = 8;
}
message SavedResource { string device = 1; }
message SaveableObject { int32 save_function = 2; int32 restore_function = 3; }

// --- trackable_object_graph.proto ---
message BoolValue { bool value = 1; }
message TrackableObjectGraph {
  message TrackableObject {
    message SerializedTensor { string name = 1; string full_name = 2; string checkpoint_key = 3; }
    message RegisteredSaver { string name = 1; string object_name = 2; }
    repeated ObjectReference children = 1;
    repeated SerializedTensor attributes = 2;
    repeated SlotVariableReference slot_variables = 3;
    RegisteredSaver registered_saver = 4;
    BoolValue has_checkpoint_values = 5;
  }
  repeated TrackableObject nodes = 1;
}

// --- tensor_bundle.proto ---
message TensorSliceProto {
  message Extent { int64 start = 1; oneof has_length { int64 length = 2; } }
  repeated Extent extent = 1;
}
message BundleHeaderProto { int32 num_shards = 1; int32 endianness = 2; VersionDef version = 3; }
message BundleEntryProto {
  int32 dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3; int64 offset = 4; int64 size = 5;
  fixed32 crc32c = 6; repeated TensorSliceProto slices = 7;
}

// --- fingerprint.proto ---
message FingerprintDef {
  uint64 saved_model_checksum = 1; uint64 graph_def_program_hash = 2; uint64 signature_def_hash = 3;
  uint64 saved_object_graph_hash = 4; uint64 checkpoint_hash = 5; VersionDef version = 6; string uuid = 7;
}

// --- Keras saved_metadata.proto (its own package upstream; package names never reach the wire) ---
message KerasSavedObject {
  VersionDef version_v1 = 1;
  int32 node_id = 2;
  string node_path = 3;
  string identifier = 4;
  string metadata = 5;
  VersionDef version = 6;
}
message SavedMetadata { repeated KerasSavedObject nodes = 1; }

// --- example.proto / feature.proto (tf.Example inputs of ParseExampleV2) ---
message BytesList { repeated bytes value = 1; }
message FloatList { repeated float value = 1 [packed = true]; }
message Int64List { repeated int64 value = 1 [packed = true]; }
message Feature { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
message Features { map<string, Feature> feature = 1; }
message Example { Features features = 1; }
`;
