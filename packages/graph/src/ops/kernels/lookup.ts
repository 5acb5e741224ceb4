import * as tf from '@tensorflow/tfjs-core';
import type { Kernel, KernelContext, TableResource } from '../../kernel.js';
import { bad, stringsOf, tableAt, tensorAt } from './util.js';

/**
 * Lookup tables (Keras StringLookup / IntegerLookup / TextVectorization vocabularies) on
 * TableResource: a JS Map from key (string, or number for integer keys) to a scalar value.
 * Tables with non-scalar values (MutableHashTableOfTensors) are not supported.
 */
function keysOf(t: tf.Tensor): (string | number)[] {
  return t.dtype === 'string' ? stringsOf(t) : Array.from(t.dataSync() as ArrayLike<number>);
}

function makeValues(vals: (string | number)[], shape: number[], dtype: string): tf.Tensor {
  if (dtype === 'string') return tf.tensor(vals.map(String), shape, 'string');
  return tf.tensor(vals.map(Number), shape, dtype as tf.DataType);
}

function createTable(_inputs: unknown, attrs: Parameters<Kernel>[1], ctx: KernelContext): TableResource {
  const shared = attrs.str('shared_name', '');
  return {
    kind: 'table',
    name: shared !== '' ? shared : ctx.nodeName,
    keyDtype: attrs.dtype('key_dtype'),
    valueDtype: attrs.dtype('value_dtype'),
    map: new Map(),
  };
}

function insert(table: TableResource, keys: tf.Tensor, values: tf.Tensor, ctx: KernelContext): void {
  if (keys.size !== values.size) throw bad(ctx, `table ${table.name}: ${keys.size} keys but ${values.size} values (only scalar values are supported)`);
  const k = keysOf(keys);
  const v = keysOf(values);
  for (let i = 0; i < k.length; i++) table.map.set(k[i]!, v[i]!);
}

const find: Kernel = (inputs, attrs, ctx) => {
  const table = tableAt(inputs, 0, ctx);
  const keys = tensorAt(inputs, 1, ctx);
  const def = tensorAt(inputs, 2, ctx);
  const defaults = keysOf(def);
  if (defaults.length !== 1 && defaults.length !== keys.size) {
    throw bad(ctx, `default_value must be a scalar (got shape [${def.shape}])`);
  }
  const k = keysOf(keys);
  const out = k.map((key, i) => table.map.get(key) ?? defaults[defaults.length === 1 ? 0 : i]!);
  return [makeValues(out, keys.shape, attrs.dtype('Tout', table.valueDtype))];
};

export const LOOKUP_KERNELS: Record<string, Kernel> = {
  HashTableV2: (inputs, attrs, ctx) => [createTable(inputs, attrs, ctx)],
  MutableHashTableV2: (inputs, attrs, ctx) => [createTable(inputs, attrs, ctx)],
  LookupTableFindV2: find,
  LookupTableImportV2: (inputs, _attrs, ctx) => {
    const table = tableAt(inputs, 0, ctx);
    table.map.clear();
    insert(table, tensorAt(inputs, 1, ctx), tensorAt(inputs, 2, ctx), ctx);
    return [];
  },
  LookupTableInsertV2: (inputs, _attrs, ctx) => {
    insert(tableAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), tensorAt(inputs, 2, ctx), ctx);
    return [];
  },
  InitializeTableV2: (inputs, _attrs, ctx) => {
    insert(tableAt(inputs, 0, ctx), tensorAt(inputs, 1, ctx), tensorAt(inputs, 2, ctx), ctx);
    return [];
  },
  LookupTableRemoveV2: (inputs, _attrs, ctx) => {
    const table = tableAt(inputs, 0, ctx);
    for (const k of keysOf(tensorAt(inputs, 1, ctx))) table.map.delete(k);
    return [];
  },
  LookupTableSizeV2: (inputs, _attrs, ctx) => [tf.scalar(tableAt(inputs, 0, ctx).map.size, 'int32')],
  LookupTableExportV2: (inputs, attrs, ctx) => {
    const table = tableAt(inputs, 0, ctx);
    const keys = [...table.map.keys()];
    const vals = [...table.map.values()];
    return [
      makeValues(keys, [keys.length], attrs.dtype('Tkeys', table.keyDtype)),
      makeValues(vals, [vals.length], attrs.dtype('Tvalues', table.valueDtype)),
    ];
  },
};
