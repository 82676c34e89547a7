import type { Command } from '../command.js'
import { dataConvertCommand } from './data-convert.js'
import { dataStatsCommand } from './data-stats.js'
import { evalCommand } from './eval.js'
import { recommendCommand, similarCommand } from './recommend.js'
import { sampleCommand } from './sample.js'
import { splitCommand } from './split.js'
import { trainCommand } from './train.js'
import { tuneCommand } from './tune.js'
import { experimentCommand } from '@decoy/experiments'

/** Every subcommand, in help order. */
export const commands: readonly Command[] = [
  dataStatsCommand,
  dataConvertCommand,
  splitCommand,
  evalCommand,
  sampleCommand,
  trainCommand,
  tuneCommand,
  recommendCommand,
  similarCommand,
  experimentCommand,
]
