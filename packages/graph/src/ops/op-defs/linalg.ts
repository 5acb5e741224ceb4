import type { OpDef } from '@savedkeras/proto';
import { defs } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/array_ops.cc (MatrixDiag* / MatrixSetDiag* registrations).
const align = "align: {'LEFT_RIGHT', 'RIGHT_LEFT', 'LEFT_LEFT', 'RIGHT_RIGHT'} = 'RIGHT_LEFT'";

export const LINALG_OP_DEFS: OpDef[] = defs({
  MatrixDiag: { in: ['diagonal: T'], out: ['output: T'], attr: ['T: type'] },
  MatrixDiagV2: {
    in: ['diagonal: T', 'k: int32', 'num_rows: int32', 'num_cols: int32', 'padding_value: T'], out: ['output: T'], attr: ['T: type'],
  },
  MatrixDiagV3: {
    in: ['diagonal: T', 'k: int32', 'num_rows: int32', 'num_cols: int32', 'padding_value: T'], out: ['output: T'], attr: ['T: type', align],
  },
  MatrixDiagPart: { in: ['input: T'], out: ['diagonal: T'], attr: ['T: type'] },
  MatrixDiagPartV2: { in: ['input: T', 'k: int32', 'padding_value: T'], out: ['diagonal: T'], attr: ['T: type'] },
  MatrixDiagPartV3: { in: ['input: T', 'k: int32', 'padding_value: T'], out: ['diagonal: T'], attr: ['T: type', align] },
  MatrixSetDiag: { in: ['input: T', 'diagonal: T'], out: ['output: T'], attr: ['T: type'] },
  MatrixSetDiagV2: { in: ['input: T', 'diagonal: T', 'k: int32'], out: ['output: T'], attr: ['T: type'] },
  MatrixSetDiagV3: { in: ['input: T', 'diagonal: T', 'k: int32'], out: ['output: T'], attr: ['T: type', align] },
});
