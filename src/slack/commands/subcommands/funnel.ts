import { funnelBlocks } from '../../blocks/report-blocks.js'
import type { Subcommand } from '../subcommand.js'
import { filteredReportSubcommand } from './report-query.js'

/** `/pulse funnel [field=value ...]`: stage conversion and leakage, with its chart. */
export const funnel: Subcommand = filteredReportSubcommand({
  name: 'funnel',
  summary: 'stage conversion and leakage',
  load: (run, query) => run.ctx.services.funnel(run.ctx.store.db, query),
  blocks: funnelBlocks,
})
