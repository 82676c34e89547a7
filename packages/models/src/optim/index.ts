export {
  OPT_SGD,
  OPT_ADAGRAD,
  ADAGRAD_EPS,
  SCHEDULE_CONSTANT,
  SCHEDULE_LINEAR,
  sgdRow,
  sgdRow64,
  adagradRow,
  adagradRow64,
  scalarUpdate,
  scheduledRate,
  optimizerCode,
  scheduleCode,
} from './optim.js'
export type { OptimizerName, ScheduleName } from './optim.js'
