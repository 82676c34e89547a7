import type { Command } from '../command.js'
import { dataStatsCommand } from './data-stats.js'

/** Every subcommand, in help order. */
export const commands: readonly Command[] = [dataStatsCommand]
