import type { OpDef } from '@savedkeras/proto';
import { defs, type OpSpec } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/resource_variable_ops.cc, lookup_ops.cc and io_ops.cc.

const table: OpSpec = {
  out: ['table_handle: resource'],
  attr: [`container: string = ''`, `shared_name: string = ''`, 'use_node_name_sharing: bool = false', 'key_dtype: type', 'value_dtype: type'],
  stateful: true,
};
const assignLike: OpSpec = { in: ['resource: resource', 'value: dtype'], attr: ['dtype: type'], stateful: true };

export const RESOURCE_OP_DEFS: OpDef[] = defs({
  VarHandleOp: {
    out: ['resource: resource'],
    attr: [`container: string = ''`, `shared_name: string = ''`, `debug_name: string = ''`, 'dtype: type', 'shape: shape',
      'allowed_devices: list(string) = []'],
    stateful: true,
  },
  ReadVariableOp: { in: ['resource: resource'], out: ['value: dtype'], attr: ['dtype: type'], stateful: true },
  AssignVariableOp: {
    in: ['resource: resource', 'value: dtype'], attr: ['dtype: type', 'validate_shape: bool = false'], stateful: true,
  },
  AssignAddVariableOp: assignLike,
  AssignSubVariableOp: assignLike,
  VarIsInitializedOp: { in: ['resource: resource'], out: ['is_initialized: bool'], stateful: true },
  DestroyResourceOp: { in: ['resource: resource'], attr: ['ignore_lookup_error: bool = true'], stateful: true },
  DisableCopyOnRead: { in: ['resource: resource'], stateful: true },
  ResourceGather: {
    in: ['resource: resource', 'indices: Tindices'], out: ['output: dtype'],
    attr: ['batch_dims: int = 0', 'validate_indices: bool = true', 'dtype: type', 'Tindices: {int32, int64}'],
    stateful: true,
  },
  ResourceGatherNd: {
    in: ['resource: resource', 'indices: Tindices'], out: ['output: dtype'], attr: ['dtype: type', 'Tindices: {int32, int64}'],
    stateful: true,
  },
  HashTableV2: table,
  MutableHashTableV2: table,
  LookupTableFindV2: {
    in: ['table_handle: resource', 'keys: Tin', 'default_value: Tout'], out: ['values: Tout'], attr: ['Tin: type', 'Tout: type'],
    stateful: true,
  },
  LookupTableImportV2: {
    in: ['table_handle: resource', 'keys: Tin', 'values: Tout'], attr: ['Tin: type', 'Tout: type'], stateful: true,
  },
  LookupTableInsertV2: {
    in: ['table_handle: resource', 'keys: Tin', 'values: Tout'], attr: ['Tin: type', 'Tout: type'], stateful: true,
  },
  LookupTableRemoveV2: { in: ['table_handle: resource', 'keys: Tin'], attr: ['Tin: type'], stateful: true },
  LookupTableExportV2: {
    in: ['table_handle: resource'], out: ['keys: Tkeys', 'values: Tvalues'], attr: ['Tkeys: type', 'Tvalues: type'], stateful: true,
  },
  LookupTableSizeV2: { in: ['table_handle: resource'], out: ['size: int64'], stateful: true },
  InitializeTableV2: {
    in: ['table_handle: resource', 'keys: Tkey', 'values: Tval'], attr: ['Tkey: type', 'Tval: type'], stateful: true,
  },
  // Checkpoint I/O: only in _traced_save/_traced_restore, never executed (the loader reads the bundle).
  RestoreV2: {
    in: ['prefix: string', 'tensor_names: string', 'shape_and_slices: string'], out: ['tensors: dtypes'],
    attr: ['dtypes: list(type) >= 1'], stateful: true,
  },
  SaveV2: {
    in: ['prefix: string', 'tensor_names: string', 'shape_and_slices: string', 'tensors: dtypes'],
    attr: ['dtypes: list(type) >= 1'], stateful: true,
  },
  MergeV2Checkpoints: {
    in: ['checkpoint_prefixes: string', 'destination_prefix: string'],
    attr: ['delete_old_dirs: bool = true', 'allow_missing_files: bool = false'], stateful: true,
  },
  ShardedFilename: { in: ['basename: string', 'shard: int32', 'num_shards: int32'], out: ['filename: string'] },
});
