import type { OpDef } from '@savedkeras/proto';
import { defs } from '../op-def-spec.js';

// Facts from tensorflow/core/ops/array_ops.cc (MatrixDiag* / MatrixSetDiag* registrations) and linalg_ops.cc.
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
  // linalg_ops.cc
  MatrixInverse: { in: ['input: T'], out: ['output: T'], attr: ['adjoint: bool = false', 'T: {double, float, half, complex64, complex128}'] },
  MatrixSolve: { in: ['matrix: T', 'rhs: T'], out: ['output: T'], attr: ['adjoint: bool = false', 'T: {double, float, half, complex64, complex128}'] },
  MatrixDeterminant: { in: ['input: T'], out: ['output: T'], attr: ['T: {half, float, double, complex64, complex128}'] },
  LogMatrixDeterminant: { in: ['input: T'], out: ['sign: T', 'log_abs_determinant: T'], attr: ['T: {half, float, double, complex64, complex128}'] },
  Cholesky: { in: ['input: T'], out: ['output: T'], attr: ['T: {double, float, half, complex64, complex128}'] },
  MatrixTriangularSolve: {
    in: ['matrix: T', 'rhs: T'], out: ['output: T'],
    attr: ['lower: bool = true', 'adjoint: bool = false', 'T: {bfloat16, double, float, half, complex64, complex128}'],
  },
});
