export { main, processIO } from './main.js';
export { buildProgram, COMMANDS, VERSION, type RegisterCommand } from './program.js';
export { createContext, type CliContext, type CliIO, type Colors, type GlobalOptions } from './context.js';
export { reportError, asSavedKerasError, EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL } from './errors.js';
export { createProgress, type Progress } from './progress.js';
export {
  inspectModel,
  type InspectReport,
  type InspectObject,
  type InspectVariable,
  type InspectSignature,
  type InspectTensor,
  type InspectOptions,
} from './inspect/report.js';
export { renderInspect } from './inspect/render.js';
export { formatShape } from '@savedkeras/common';
