/** AttrValue builders in the decoded-proto shape the graph kernels read. */
export { attrValue as A } from '@savedkeras/graph';

/** TensorFlow DataType enum values used by the cases. */
export const DT = { float: 1, int32: 3, uint8: 4, int8: 6, bool: 10, int64: 9 } as const;
