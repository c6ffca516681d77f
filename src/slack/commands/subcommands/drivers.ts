import { driversBlocks } from '../../blocks/report-blocks.js'
import type { Subcommand } from '../subcommand.js'
import { filteredReportSubcommand } from './report-query.js'

/** `/pulse drivers [field=value ...]`: segments that win or lose more than the rest, with confidence, with its chart. */
export const drivers: Subcommand = filteredReportSubcommand({
  name: 'drivers',
  summary: 'segments that win or lose more than the rest, with confidence',
  load: (run, query) => run.ctx.services.drivers(run.ctx.store.db, query),
  blocks: driversBlocks,
})
