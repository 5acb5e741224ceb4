/**
 * How every message and table prints a shape: `[None, 28, 28, 1]`. An unknown dimension (null,
 * undefined or negative: tfjs, Keras and TensorFlow spell it three ways) is `None`, as Keras
 * prints it; an unknown rank is `<any rank>`. The CLI, error messages and reports all use this.
 */
export function formatShape(shape: readonly (number | null | undefined)[] | null | undefined): string {
  if (shape == null) return '<any rank>';
  return `[${shape.map((d) => (d == null || d < 0 ? 'None' : String(d))).join(', ')}]`;
}
